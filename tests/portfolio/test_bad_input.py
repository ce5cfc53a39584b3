"""Bad input to the portfolio's pages, API and admin gets a clear refusal, never a 500
(issue 13)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, reverse
from rest_framework.test import APIClient

from config.api_router import router

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _concrete(pattern: URLPattern, project) -> str:
    """The route's URL with every id filled in (the project's id: real for most routes)."""
    groups = pattern.pattern.regex.groupindex
    return reverse(f"api:{pattern.name}", kwargs=dict.fromkeys(groups, project.pk))


def test_a_format_suffix_is_no_route_anywhere(project, pm):
    """``/api/v1/me.json`` answered 500 (a TypeError: the actions take no ``format``). The
    suffix routes are gone: every route with ``.json`` is a plain 404; ``?format=json`` is the
    one way to ask for a format in the URL."""
    api = _api(pm)
    patterns = [p for p in router.urls if isinstance(p, URLPattern) and "format" not in p.name]
    assert len(patterns) > 20
    for pattern in patterns:
        url = _concrete(pattern, project)
        for suffixed in (url.rstrip("/") + ".json", url.rstrip("/") + ".json/"):
            response = api.get(suffixed)
            assert response.status_code == 404, (suffixed, response.status_code)
    assert api.get("/api/v1/.json").status_code == 404
    assert api.get(reverse("api:me-list"), {"format": "json"}).status_code == 200
    assert not any(re.search(r"format", str(p.pattern)) for p in router.urls)
