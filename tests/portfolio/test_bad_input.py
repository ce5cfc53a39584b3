"""Bad input to the portfolio's pages, API and admin gets a clear refusal, never a 500
(issue 13)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, reverse
from rest_framework.test import APIClient

from config.api_router import router
from portfolio.models import Project
from tests.portfolio.test_admin import admin_client, field_row, form_data, project_url

__all__ = ["admin_client"]  # a fixture, imported to be used here

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


# --- project dates: the charter's years, 2000-2100 ------------------------------------------

ABSURD_DATES = {"timebox_start": "0001-01-01", "timebox_end": "9999-12-31"}
OUT_OF_RANGE = "Enter a date between 2000 and 2100."


def _project_form(org, pm, **overrides) -> dict:
    return {
        "organisation": org.pk,
        "name": "Invoice triage",
        "summary": "Route supplier invoices.",
        "pm": pm.pk,
        "timebox_start": "2030-01-06",
        "timebox_end": "2030-02-17",
        "decision_date": "2030-02-20",
        **overrides,
    }


@pytest.mark.parametrize("field,value", [*ABSURD_DATES.items(), ("decision_date", "9999-12-31")])
def test_the_project_page_refuses_a_date_outside_2000_to_2100(
    client, org, pm, project, field, value
):
    client.force_login(pm)
    url = reverse("portfolio:project-edit", args=[project.pk])
    response = client.post(url, _project_form(org, pm, **{field: value}))
    assert response.status_code in (200, 422)
    form = response.context["form"]
    assert form.errors[field] == [OUT_OF_RANGE]
    assert form[field].value() == value  # what was typed is kept
    project.refresh_from_db()
    assert str(getattr(project, field)) != value


def test_registering_a_project_refuses_a_date_outside_2000_to_2100(client, org, pm):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:project-create"), _project_form(org, pm, **ABSURD_DATES)
    )
    form = response.context["form"]
    assert form.errors["timebox_start"] == [OUT_OF_RANGE]
    assert form.errors["timebox_end"] == [OUT_OF_RANGE]
    assert not Project.objects.filter(name="Invoice triage").exists()


def test_the_api_refuses_a_project_date_outside_2000_to_2100(project, pm):
    url = reverse("api:project-detail", args=[project.pk])
    response = _api(pm).patch(url, {"decision_date": "0001-01-01"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["decision_date"] == [OUT_OF_RANGE]
    response = _api(pm).patch(url, ABSURD_DATES, format="json")
    assert response.status_code == 400
    assert response.json() == {f: [OUT_OF_RANGE] for f in ABSURD_DATES}
    project.refresh_from_db()
    assert project.decision_date is None or project.decision_date.year > 1


def test_the_admin_refuses_a_project_date_outside_2000_to_2100(admin_client, project):
    url = project_url(project)
    data = form_data(admin_client.get(url))
    data.update(decision_date="9999-12-31")
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect
    assert OUT_OF_RANGE in field_row(response.content.decode(), "decision_date")
    project.refresh_from_db()
    assert project.decision_date is None or project.decision_date.year < 9999


# --- control characters in names ------------------------------------------------------------

ANSI = "Invoice \x1b[2J\x1b[31mtriage"
OVERRIDE = "Invoice \u202etriage"


@pytest.mark.parametrize("name", [ANSI, OVERRIDE, "Invoice\ntriage", "Invoice\x85triage"])
def test_the_project_page_refuses_a_control_character_in_the_name(client, org, pm, name):
    client.force_login(pm)
    response = client.post(reverse("portfolio:project-create"), _project_form(org, pm, name=name))
    form = response.context["form"]
    assert "control character" in form.errors["name"][0]
    assert form["name"].value() == name  # what was typed is kept
    assert not Project.objects.filter(organisation=org).exists()


def test_a_summary_keeps_line_breaks_and_tabs_but_not_escapes(client, org, pm, project):
    client.force_login(pm)
    url = reverse("portfolio:project-edit", args=[project.pk])
    response = client.post(url, _project_form(org, pm, summary="Escape \x1b[31m here"))
    assert "control character" in response.context["form"].errors["summary"][0]
    response = client.post(url, _project_form(org, pm, summary="Line one\r\nLine two\tend"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.summary == "Line one\r\nLine two\tend"


def test_the_api_refuses_a_control_character_in_a_project_name(org, project, pm):
    api = _api(pm)
    response = api.patch(
        reverse("api:project-detail", args=[project.pk]), {"name": ANSI}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "control character" in response.json()["name"][0]
    response = api.post(
        reverse("api:project-list"), {"organisation": org.pk, "name": OVERRIDE}, format="json"
    )
    assert response.status_code == 400
    assert "control character" in response.json()["name"][0]
    project.refresh_from_db()
    assert project.name == "Invoice triage"


def test_a_token_name_with_a_control_character_is_refused(client, pm):
    client.force_login(pm)
    response = client.post(
        reverse("token-create"), {"name": "CI\x1b[0m harness", "scope": "read", "expiry": "90"}
    )
    assert response.status_code == 422
    assert "control character" in response.content.decode()
    assert not pm.tokens.exists()


def test_the_admin_refuses_control_characters_in_names(admin_client, org, pm, project):
    url = reverse("admin:portfolio_organisation_change", args=[org.pk])
    data = form_data(admin_client.get(url))
    data["name"] = "Acme\x1b]0;pwned\x07"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "control character" in field_row(response.content.decode(), "name")
    org.refresh_from_db()
    assert org.name == "Acme Logistics"

    url = reverse("admin:portfolio_user_change", args=[pm.pk])
    data = form_data(admin_client.get(url))
    data["full_name"] = "Pat\u202e Manager"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "control character" in field_row(response.content.decode(), "full_name")

    url = project_url(project)
    data = form_data(admin_client.get(url))
    data["name"] = ANSI
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "control character" in field_row(response.content.decode(), "name")
    project.refresh_from_db()
    assert project.name == "Invoice triage"
