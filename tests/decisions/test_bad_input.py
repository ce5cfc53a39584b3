"""Bad input to the measurement and decision endpoints and pages gets a 4xx with a reason,
never a 500 (issue 13)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from decisions.models import Measurement
from portfolio.services import token_create
from tests.decisions.helpers import in_poc

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000


def bearer(user) -> APIClient:
    _, secret = token_create(user=user, name="CI harness", scope="write")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def poc(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    return project


def test_deeply_nested_json_is_a_400_with_a_reason(poc, pm):
    for url in (reverse("api:measurement-list"), reverse("api:decision-list")):
        response = bearer(pm).post(url, DEEP, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert "nested" in response.json()["detail"]
    assert not Measurement.objects.filter(project=poc).exists()


@pytest.mark.parametrize("value", ["1E+999999999", "-1E+999999999"])
def test_an_astronomical_value_over_the_api_is_a_400_on_value(poc, pm, value):
    response = bearer(pm).post(
        reverse("api:measurement-list"),
        {"project": poc.pk, "kind": "metric", "value": value},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "Too large" in response.json()["value"][0], response.json()
    assert not Measurement.objects.filter(project=poc).exists()


def _measure(client, project, **data):
    client.raise_request_exception = False
    return client.post(
        reverse("decisions:measurement-create", args=[project.pk]),
        {f"m-{k}": v for k, v in {"kind": "metric", "value": "1", **data}.items()},
        HTTP_HX_REQUEST="true",
    )


def test_an_astronomical_value_on_the_page_is_refused_next_to_the_field(client, poc, pm):
    client.force_login(pm)
    response = _measure(client, poc, value="1E+999999999", note="typo")
    assert response.status_code == 422
    form = response.context["measurement_form"]
    assert "too large" in " ".join(form.errors["value"]).lower()
    assert 'value="typo"' in response.content.decode()  # what was typed is kept
    assert not Measurement.objects.filter(project=poc).exists()


@pytest.mark.parametrize(
    "measured_at", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00", "9999-12-31T23:59:59-14:00"]
)
def test_an_unplaceable_reading_time_on_the_page_is_refused_next_to_the_field(
    client, poc, pm, measured_at
):
    client.force_login(pm)
    response = _measure(client, poc, measured_at=measured_at)
    assert response.status_code == 422, response.status_code
    assert response.context["measurement_form"].errors["measured_at"]
    assert not Measurement.objects.filter(project=poc).exists()


def test_control_characters_are_refused_in_a_reading_note_and_a_successor_name(poc, pm):
    response = bearer(pm).post(
        reverse("api:measurement-list"),
        {"project": poc.pk, "kind": "metric", "value": "1", "note": "model \x1b[31mv3"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "control character" in response.json()["note"][0]
    response = bearer(pm).post(
        reverse("api:decision-list"),
        {"project": poc.pk, "outcome": "kill", "pivot": True, "successor_name": "Next\u202e"},
        format="json",
    )
    assert response.status_code == 400
    assert "control character" in response.json()["successor_name"][0]
    assert not Measurement.objects.filter(project=poc).exists()


def test_the_handoff_form_refuses_a_control_character_in_the_team(client, poc, pm):
    client.force_login(pm)
    response = client.post(
        reverse("decisions:ownership", args=[poc.pk]),
        {"budget_line": "CC-1\x07", "team": "Ops\x1b[0m"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "control character" in form.errors["team"][0]
    assert "control character" in form.errors["budget_line"][0]
