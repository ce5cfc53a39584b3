"""Every response tells the browser what it may do with the page: the Content-Security-Policy
(django-csp), the Permissions-Policy (django-permissions-policy), no framing, no sniffing, its
own browsing context. tests/test_csp_browser.py shows the pages work under them in Chromium;
tests/test_production_smoke.py checks them, with HSTS and the cookie flags, under gunicorn."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/api/v1/projects/"])
def test_every_response_carries_the_strict_policy(client, pm, path):
    if path != "/accounts/login/":
        client.force_login(pm)
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["font-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_the_permissions_policy_switches_off_every_device_and_tracking_api(client):
    header = client.get("/accounts/login/")["Permissions-Policy"]
    features = dict(item.strip().split("=") for item in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"):
        assert features.get(feature) == "()", (feature, header)
    assert set(features.values()) == {"()"}


def test_no_framing_no_sniffing_and_a_browsing_context_of_its_own(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_page_template_has_an_inline_script_handler_or_style():
    """What the CSP would refuse, caught before a browser sees it: a <script> without src, an
    on*= handler, an hx-on attribute (htmx evals it) or a style="" attribute. Email templates
    are not pages: mail clients need inline styles."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    forbidden = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\shx-on[:-]|\sstyle\s*=|<style\b", re.I
    )
    comment = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        if "email" not in path.relative_to(root).parts
        for match in forbidden.finditer(comment.sub("", path.read_text()))
    ]
    assert found == []
