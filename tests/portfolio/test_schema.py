"""The published OpenAPI schema and its Swagger UI."""

from __future__ import annotations

import inspect
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import reset_generator_stats
from rest_framework import generics, mixins, views, viewsets

from portfolio.api import base


def test_schema_generates_without_warnings_and_validates(tmp_path, db):
    out = tmp_path / "schema.yml"
    reset_generator_stats()  # count only this generation's warnings
    # --fail-on-warn raises on any warning or error; --validate checks it against OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    project_ops = schema["paths"]["/api/v1/projects/{id}/"]
    assert "delete" not in project_ops
    patch = project_ops["patch"]["responses"]
    assert set(patch) >= {"200", "400", "401", "403", "404"}
    errors = schema["components"]["schemas"]["ProjectValidationError"]["properties"]
    assert {"name", "business_owner", "stage", "organisation", "non_field_errors"} <= set(errors)
    assert schema["components"]["securitySchemes"]["personalAccessToken"]["scheme"] == "bearer"


def test_schema_is_there_for_a_signed_in_person(client, viewer):
    client.force_login(viewer)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/projects/" in response.content


def _borrowed_docstrings() -> dict[str, str]:
    """The first line of every docstring the schema must not borrow: our API base classes' and
    DRF's generic views'."""
    lines = {}
    for module in (base, viewsets, mixins, generics, views):
        for name, member in vars(module).items():
            if inspect.isclass(member) and member.__module__ == module.__name__ and member.__doc__:
                lines[f"{module.__name__}.{name}"] = inspect.cleandoc(member.__doc__).split("\n")[0]
    return lines


def test_every_operation_is_described_in_our_own_words(client, viewer):
    client.force_login(viewer)
    borrowed = _borrowed_docstrings()
    assert "portfolio.api.base.ScopedViewSetMixin" in borrowed
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, methods in response.json()["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 30
    for name, operation in operations:
        assert operation.get("summary", "").strip(), f"{name} has no summary"
        description = operation.get("description", "")
        assert description.strip(), f"{name} has no description"
        for source, line in borrowed.items():
            assert line not in description, f"{name} is described by {source}'s docstring"


def test_swagger_ui_loads_only_our_own_static_files(client, viewer):
    client.force_login(viewer)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    # Its init script is a file of ours too, not inline (the CSP forbids inline scripts).
    assert "/api/docs/?script=" in assets
    assert "<script>" not in html and "<style>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    for asset in (a for a in assets if a != "/api/docs/?script="):
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file"
    assert not re.search(r"https?://", html), "the docs page must not reach any other host"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_in_a_browser_without_other_hosts(live_server, login, viewer):
    page = login(viewer)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("Gatehouse API").first.wait_for()
    page.get_by_text("/api/v1/projects/").first.wait_for()
    foreign = [
        u for u in requested if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert foreign == []
