"""A PM's home shows their charters in progress: how complete a draft is, whose signatures a
version in review waits for — in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from charters.models import Status
from tests.charters.helpers import complete_draft, draft, in_review
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


def panel(html: str) -> str:
    start = html.index('aria-labelledby="my-charters-heading"')
    return html[start : html.index("</section>", start)]


def test_a_pm_sees_their_drafts_and_what_reviews_wait_for(client, org, pm, executive):
    writing = ProjectFactory(organisation=org, name="Invoice triage", pm=pm)
    draft(writing, by=pm)
    sent = ProjectFactory(
        organisation=org,
        name="Contract reader",
        pm=pm,
        decision_maker=executive,
        business_owner=executive,
    )
    version, who = in_review(sent)
    someone_elses = ProjectFactory(organisation=org, name="Churn radar", pm=member(org, "pm"))
    draft(someone_elses)
    client.force_login(pm)
    html = panel(client.get("/").content.decode())
    assert "Invoice triage" in html and "Contract reader" in html
    assert "Churn radar" not in html
    assert re.search(r"draft v1</span>\s*<span[^>]*>\d+% filled in · \d+ items? before", html)
    assert re.search(r"waiting for [^<]*\(decision-maker\)", html)
    assert version.status == Status.IN_REVIEW and who


def test_no_panel_without_a_charter_in_progress(client, org, pm):
    ProjectFactory(organisation=org, name="Invoice triage", pm=pm)
    client.force_login(pm)
    assert "my-charters-heading" not in client.get("/").content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    return len(ctx.captured_queries)


def test_the_panel_costs_the_same_for_six_charters_or_ten(client, org, pm):
    for i in range(6):
        complete_draft(ProjectFactory(organisation=org, name=f"A{i}", pm=pm))
    client.force_login(pm)
    client.get("/")
    six = _queries(client)
    for i in range(4):
        complete_draft(ProjectFactory(organisation=org, name=f"B{i}", pm=pm))
    assert _queries(client) == six
    html = panel(client.get("/").content.decode())
    assert len(re.findall(r'data-testid="my-charter"', html)) == 5
    assert "The 5 changed most recently of 10." in html
