"""Calling the API in-process through its published OpenAPI schema (schemathesis over WSGI), and
checking each answer against what the schema documents: status, content type, headers, body."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

SCHEMA_URL = "/api/schema/?format=json"
# What "the schema tells the truth" means for one answer.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def load_schema(config: schemathesis.Config | None = None):
    """The schema the API publishes, bound to the application (requests never leave the
    process, so they run in the test's transaction). Read at collection, before any database
    or token exists: the schema is opened for that one read (outside the demo it needs a login,
    config/api_docs.py); the operations are then called with the tests' tokens."""
    from django.test import override_settings

    with override_settings(GATEHOUSE_PUBLIC_API_DOCS=True):
        return schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=config)


@contextmanager
def same_connection():
    """Django's test client keeps the test's database connection across requests by
    disconnecting these handlers; the WSGI client calls the application directly, so do the
    same (else each request would close the connection inside the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_calls(monkeypatch):
    """Requests through the WSGI application in the test's transaction, never throttled:
    however the API is throttled, a test makes many requests a second."""
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    with same_connection():
        yield


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
