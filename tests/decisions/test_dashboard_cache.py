"""The dashboard keeps its figures and their HTML in the cache (decisions.dashboard.summary_cached,
DashboardView.grid): a repeated view computes nothing, and a write shows at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions import dashboard, services
from tests.decisions.helpers import in_poc

DASHBOARD = "/decisions/dashboard/"
API = "/api/v1/dashboard/"


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.GATEHOUSE_DASHBOARD_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _get(client, path, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def _grid(response) -> str:
    html = response.content.decode()
    return html[html.index('<div class="dash-grid">') : html.index("</main>")]


def _killed(response) -> str:
    html = response.content.decode()
    panel = html[html.index('data-panel="graveyard"') :]
    return panel[: panel.index("</section>")]


def test_a_repeated_view_reads_its_figures_from_the_cache(client, org, pm, executive):
    in_poc(org, pm, executive)
    client.force_login(executive)
    first, computed = _get(client, DASHBOARD)
    again, kept = _get(client, DASHBOARD)
    # The session, its user, the organisations, the filters' choices and the fingerprint.
    assert kept <= 8 < computed
    assert _grid(again) == _grid(first)


def test_a_decision_shows_on_the_next_view(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    client.force_login(executive)
    before, _ = _get(client, DASHBOARD)
    assert "Nothing killed yet" in _killed(before)
    api_before = client.get(API).json()
    services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="metric_not_reached",
        rationale="The accuracy stayed at 60%.",
    )
    after, _ = _get(client, DASHBOARD)
    assert "Nothing killed yet" not in _killed(after)
    assert "Metric not reached" in _killed(after)
    api_after = client.get(API).json()
    assert (
        api_after["graveyard"]["killed"]["value"] == api_before["graveyard"]["killed"]["value"] + 1
    )


def test_a_measurement_changes_the_fingerprint(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    before = dashboard.fingerprint()
    services.measurement_record(project=project, kind="metric", value=Decimal("70"), by=pm)
    assert dashboard.fingerprint() != before


def test_people_and_filters_do_not_share_entries(client, org, other_org, pm, executive, partner):
    in_poc(org, pm, executive)
    client.force_login(partner)
    firm_wide, _ = _get(client, DASHBOARD)
    narrowed, _ = _get(client, DASHBOARD, stage="pilot")
    assert firm_wide.content != narrowed.content
    client.force_login(executive)
    theirs, _ = _get(client, DASHBOARD)
    assert "The whole firm" in firm_wide.content.decode()
    assert "The whole firm" not in theirs.content.decode()
    assert other_org.name not in theirs.content.decode()
