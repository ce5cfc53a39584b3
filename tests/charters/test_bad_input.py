"""Bad input to the charter editor and its API gets a 4xx naming the field, never a 500 or a
hundred thousand stored rows (issue 13)."""

from __future__ import annotations

import json
import time

import pytest
from django.test import override_settings
from django.urls import reverse

from charters.models import DataSource
from charters.sections import MAX_ROWS
from tests.charters import helpers

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ESCAPE = "Billing\x1b[31m DB"


def _patch(client, version, data):
    client.raise_request_exception = False
    return client.patch(
        reverse("api:charter-version-detail", args=[version.pk]),
        data=json.dumps(data),
        content_type="application/json",
    )


def _page(name, project, **kw):
    return reverse(f"charters:{name}", kwargs={"project_pk": project.pk, **kw})


# --- rows per section ---------------------------------------------------------------------------


def test_a_hundred_thousand_data_sources_are_refused_at_once_naming_the_section(
    client, project, pm
):
    version = helpers.draft(project)
    client.force_login(pm)
    rows = [{"name": f"Source {i}"} for i in range(100_000)]
    started = time.monotonic()
    response = _patch(client, version, {"data_sources": rows})
    assert response.status_code == 400, response.status_code
    assert response.json()["data_sources"] == [
        f"Section 6 “Data” holds at most {MAX_ROWS} rows; this would make 100000."
    ]
    assert time.monotonic() - started < 5
    assert not DataSource.objects.filter(version=version).exists()


def test_one_row_over_the_cap_is_refused_and_the_cap_itself_is_accepted(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    too_many = [{"system": f"System {i}"} for i in range(MAX_ROWS + 1)]
    response = _patch(client, version, {"integrations": too_many})
    assert response.status_code == 400
    assert (
        f"Section 7 “Integration” holds at most {MAX_ROWS} rows"
        in (response.json()["integrations"][0])
    )
    response = _patch(client, version, {"integrations": too_many[:MAX_ROWS]})
    assert response.status_code == 200, response.content
    assert version.integrations.count() == MAX_ROWS


def test_the_page_refuses_a_row_beyond_the_cap_and_keeps_what_was_typed(client, project, pm):
    version = helpers.draft(project)
    DataSource.objects.bulk_create(
        DataSource(version=version, name=f"Source {i}") for i in range(MAX_ROWS)
    )
    client.force_login(pm)
    response = client.post(
        _page("row-add", project, kind="data_sources"),
        {"data_sources-name": "One too many", "data_sources-sensitivity": "internal"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f"holds at most {MAX_ROWS} rows" in html
    assert 'value="One too many"' in html
    assert version.data_sources.count() == MAX_ROWS


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_upload_limit_is_a_413_with_a_reason(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = _patch(client, version, {"problem": "x" * 20_000})
    assert response.status_code == 413, response.status_code
    assert "larger than 10,000 bytes" in response.json()["detail"]
    version.refresh_from_db()
    assert version.problem == ""


# --- numbers and control characters -------------------------------------------------------------


def test_an_astronomical_target_is_a_400_on_the_api_and_on_the_page(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = _patch(client, version, {"metric_target": "1E+999999999"})
    assert response.status_code == 400, response.status_code
    assert response.json()["metric_target"]
    for huge in ("1E+999999999", "-1E+999999999", 1e308):
        rows = [{"system": "ERP", "estimate_weeks": huge}]
        response = _patch(client, version, {"integrations": rows})
        assert response.status_code == 400, (huge, response.status_code)
        assert response.json()["integrations"][0].startswith("Row 1 — estimate (weeks):")
    response = client.post(
        _page("section", project, section="metric"),
        {"metric-metric_name": "Accuracy", "metric-metric_target": "1E+999999999"},
        **HTMX,
    )
    assert response.status_code == 422
    assert 'value="Accuracy"' in response.content.decode()
    version.refresh_from_db()
    assert version.metric_target is None


def test_control_characters_in_names_are_refused_on_the_api_and_the_page(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = _patch(
        client,
        version,
        {
            "metric_name": "Accuracy\u202e",
            "problem": "Line one\nLine two\twith a tab",  # long text keeps its breaks
            "data_sources": [{"name": ESCAPE}],
        },
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "control character" in body["metric_name"][0]
    assert "Row 1 — source:" in body["data_sources"][0]
    assert "problem" not in body
    response = client.post(
        _page("row-add", project, kind="data_sources"),
        {"data_sources-name": ESCAPE, "data_sources-sensitivity": "internal"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "control character" in response.content.decode()
    assert not version.data_sources.exists()
    response = _patch(client, version, {"problem": "Line one\nLine two\twith a tab"})
    assert response.status_code == 200
