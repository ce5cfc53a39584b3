"""The JSON parser of every endpoint (``DEFAULT_PARSER_CLASSES``)."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = (
    "JSON parse error - the document is nested too deeply (arrays or objects inside one "
    "another beyond what Python can read)."
)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the one failure it lets through answered as a 400: a document
    nested deeper than Python's recursion limit (100,000 ``[``) raises RecursionError, which
    is no ValueError, so DRF's own parser lets it become a 500. The stack is unwound by the
    time it is caught here. (The body's size is Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``: DRF
    reads JSON through ``request.body``; ``portfolio.api.base.exception_handler`` answers it.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
