"""The API schema and Swagger UI: behind a login (or a token) outside the demo, open in the demo.

config/api_docs.py says why: the schema holds no data, but it maps the whole API surface, and
everyone who uses the API already has an account or a token."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from portfolio.services import token_create
from tests.test_settings import import_settings

pytestmark = pytest.mark.django_db


def test_an_anonymous_caller_gets_a_401_with_a_reason_not_the_schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 401
    assert "credentials were not provided" in response.json()["detail"]
    assert b"/api/v1/projects/" not in response.content


def test_a_tool_reads_the_schema_with_its_read_only_token(viewer):
    _, secret = token_create(user=viewer, name="BI tool", scope="read")
    api = APIClient()
    response = api.get("/api/schema/", {"format": "json"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert "/api/v1/projects/" in response.json()["paths"]


def test_a_signed_in_person_reads_the_schema(client, viewer):
    client.force_login(viewer)
    assert client.get("/api/schema/").status_code == 200


def test_the_docs_page_sends_an_anonymous_visitor_to_log_in_first(client, viewer):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 302 and b"SwaggerUIBundle" not in script.content

    client.force_login(viewer)
    assert client.get("/api/docs/").status_code == 200
    assert b"SwaggerUIBundle(" in client.get("/api/docs/?script=").content


def test_the_demo_opens_both(settings):
    settings.GATEHOUSE_PUBLIC_API_DOCS = True
    anonymous = Client()
    assert anonymous.get("/api/schema/").status_code == 200
    assert anonymous.get("/api/docs/").status_code == 200


def test_local_settings_open_them_in_the_demo_debug_or_not():
    show = "print(s.GATEHOUSE_PUBLIC_API_DOCS)"
    assert import_settings("config.settings.local", show).stdout.strip() == "True"
    debug = import_settings("config.settings.local", show, DEBUG="true")
    assert debug.stdout.strip() == "True", debug.stderr
    closed = import_settings("config.settings.local", show, GATEHOUSE_PUBLIC_API_DOCS="False")
    assert closed.stdout.strip() == "False", closed.stderr
    production = import_settings(
        "config.settings.production",
        show,
        SECRET_KEY="x7Qp2LmZ9vR4tY8wK1nB6cD3fG5hJ0sA-_uE7iO2pL9qW4eR8tY1uI6oP3aS5dF",
        DATABASE_URL="postgres://gatehouse@db/gatehouse",
        REDIS_URL="redis://redis:6379/0",
        GATEHOUSE_BASE_URL="https://gatehouse.example.com",
    )
    assert production.stdout.strip() == "False", production.stderr
