"""Logging filters named in ``LOGGING`` (config/settings/base.py)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class RefusalWithoutTraceback(logging.Filter):
    """An expected refusal (``PermissionDenied``: "Only a PM can register a project") is a
    one-line warning on ``django.request``, not a traceback: the code did what it should, and a
    log full of tracebacks for it hides the errors that matter. Everything else passes as is."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
