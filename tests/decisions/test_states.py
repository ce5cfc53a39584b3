"""The derived states (DOMAIN.md "Derived states"), defined once in the database, against a
hand-built portfolio: each project's stored deadlines, metric and activity written straight to
the tables, the states' inputs refreshed from them, then read back through ``Project.objects.with_states()``, the list page and the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from charters.models import Status
from decisions.models import Gate, Measurement, OrganisationPolicy
from portfolio.hooks import project_states
from portfolio.models import Project, Stage
from tests.charters.helpers import quick_version
from tests.decisions.helpers import days
from tests.factories import OrganisationFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db


def build(
    org,
    name,
    *,
    stage=Stage.POC,
    gate_due=None,
    kill_deadline=None,
    metric=None,
    direction="higher",
    idle_days=0,
):
    """A project standing at its gate, due ``gate_due``, with an approved charter (threshold 75,
    ``direction`` is better) when it has a kill deadline, and one metric reading."""
    project = ProjectFactory(organisation=org, name=name, stage=stage)
    Gate.objects.filter(project=project, from_stage=stage).unaudited_update(due_date=gate_due)
    if kill_deadline is not None:
        version = quick_version(
            project,
            metric_direction=direction,
            metric_baseline=Decimal("55") if direction == "higher" else Decimal("95"),
            metric_target=Decimal("85") if direction == "higher" else Decimal("65"),
            threshold=Decimal("75"),
            kill_deadline=kill_deadline,
        )
        type(version).objects.filter(pk=version.pk).unaudited_update(status=Status.APPROVED)
    if metric is not None:
        Measurement.objects.create(
            project=project,
            kind="metric",
            value=Decimal(metric),
            recorded_by=member(org, "pm"),
        )
    Project.objects.filter(pk=project.pk).unaudited_update(
        kill_deadline=kill_deadline, updated_at=timezone.now() - timedelta(days=idle_days)
    )
    # Written past the services: store the states' inputs as the services do after a write.
    project_states.refresh(project_ids=[project.pk])
    return project


STATE_FIELDS = ("overdue", "stalled", "kill_status", "kill_pending")


def states(*projects) -> dict[str, tuple]:
    rows = Project.objects.with_states().filter(pk__in=[p.pk for p in projects])
    return {p.name: tuple(getattr(p, f) for f in STATE_FIELDS) for p in rows}


def test_due_dates_today_yesterday_and_in_a_week(org):
    today = build(org, "Due today", gate_due=days(0))
    yesterday = build(org, "Due yesterday", gate_due=days(-1))
    week = build(org, "Due in 7 days", gate_due=days(7))
    undated = build(org, "No due date")
    assert states(today, yesterday, week, undated) == {
        "Due today": (False, False, "undefined", False),
        "Due yesterday": (True, False, "undefined", False),
        "Due in 7 days": (False, False, "undefined", False),
        "No due date": (False, False, "undefined", False),
    }


def test_the_kill_condition_against_its_deadline_and_threshold(org):
    projects = [
        build(org, "Passed, unmet", gate_due=days(20), kill_deadline=days(-1), metric="70"),
        build(org, "Passed, met", gate_due=days(20), kill_deadline=days(-1), metric="76"),
        build(org, "Passed, no reading", gate_due=days(20), kill_deadline=days(-1)),
        build(org, "Today, unmet", gate_due=days(20), kill_deadline=days(0), metric="70"),
        build(org, "In 7 days, unmet", gate_due=days(20), kill_deadline=days(7), metric="70"),
        build(org, "In 8 days, unmet", gate_due=days(20), kill_deadline=days(8), metric="70"),
        build(
            org,
            "Lower is better, met",
            gate_due=days(20),
            kill_deadline=days(-1),
            metric="74",
            direction="lower",
        ),
    ]
    assert states(*projects) == {
        # A kill deadline passed while the decision date has not: overdue and kill pending.
        "Passed, unmet": (True, False, "triggered", True),
        # A met kill condition asks for no decision: the PoC runs on to its gate's date.
        "Passed, met": (False, False, "met", False),
        "Passed, no reading": (True, False, "triggered", True),
        "Today, unmet": (False, False, "at_risk", False),
        "In 7 days, unmet": (False, False, "at_risk", False),
        "In 8 days, unmet": (False, False, "on_track", False),
        "Lower is better, met": (False, False, "met", False),
    }


def test_pilot_production_and_killed_projects(org):
    pilot = build(
        org, "Pilot past due", stage=Stage.PILOT, gate_due=days(-2), kill_deadline=days(-2)
    )
    production = build(
        org, "In production", stage=Stage.PRODUCTION, gate_due=days(-90), kill_deadline=days(-90)
    )
    killed = build(org, "Killed", stage=Stage.KILLED, idle_days=400)
    assert states(pilot, production, killed) == {
        # In pilot the production gate's due date is the deadline; kill pending is the PoC's.
        "Pilot past due": (True, False, "triggered", False),
        "In production": (False, False, "none", False),
        "Killed": (False, False, "none", False),
    }


def test_stalled_after_the_organisations_threshold_or_a_week_overdue(org, settings):
    settings.GATEHOUSE_STALLED_AFTER_DAYS = 21
    quiet = OrganisationFactory(name="Quiet Co")
    OrganisationPolicy.objects.create(organisation=quiet, stalled_after_days=10)
    projects = [
        build(org, "Idle 22 days", gate_due=days(30), idle_days=22),
        build(org, "Idle 20 days", gate_due=days(30), idle_days=20),
        build(quiet, "Idle 11 days, 10-day policy", gate_due=days(30), idle_days=11),
        build(quiet, "Idle 9 days, 10-day policy", gate_due=days(30), idle_days=9),
        build(org, "Overdue 8 days", gate_due=days(-8)),
        build(org, "Overdue 7 days", gate_due=days(-7)),
        build(org, "Proposal idle", stage=Stage.PROPOSED, gate_due=days(30), idle_days=30),
    ]
    stalled = {name: s[1] for name, s in states(*projects).items()}
    assert stalled == {
        "Idle 22 days": True,
        "Idle 20 days": False,
        "Idle 11 days, 10-day policy": True,
        "Idle 9 days, 10-day policy": False,
        "Overdue 8 days": True,
        "Overdue 7 days": False,
        "Proposal idle": True,
    }


def test_a_superseded_decision_no_longer_holds_the_dates(org, pm, executive):
    from decisions import services
    from tests.decisions.helpers import in_poc

    project, version, _ = in_poc(org, pm, executive)
    mistake = services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Typo in the date.",
        new_kill_deadline=days(300),
        new_decision_date=days(301),
    )
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="The date we meant.",
        new_kill_deadline=days(40),
        new_decision_date=days(41),
        supersedes=mistake,
        supersede_reason="Typed 300 for 40.",
    )
    listed = Project.objects.with_states().get(pk=project.pk)
    assert (listed.kill_deadline, listed.gate_due, listed.next_due) == (
        days(40),
        days(41),
        days(40),
    )


def test_the_api_filters_on_the_states(client, org, pm):
    build(org, "Kill pending", gate_due=days(20), kill_deadline=days(-1), metric="70")
    build(org, "At risk", gate_due=days(20), kill_deadline=days(3), metric="70")
    build(org, "Stalled", gate_due=days(30), idle_days=40)
    build(org, "Fine", gate_due=days(30))
    client.force_login(pm)

    def names(query):
        response = client.get(f"/api/v1/projects/?{query}")
        assert response.status_code == 200
        return sorted(p["name"] for p in response.json()["results"])

    assert names("overdue=true") == ["Kill pending"]
    assert names("kill_pending=true") == ["Kill pending"]
    assert names("stalled=true") == ["Stalled"]
    assert names("kill_status=at_risk") == ["At risk"]
    assert names("kill_status=at_risk&kill_status=triggered") == ["At risk", "Kill pending"]
    assert names("overdue=false&stalled=false") == ["At risk", "Fine"]
    assert client.get("/api/v1/projects/?kill_status=doomed").status_code == 400


def test_the_list_page_filters_what_needs_attention(client, org, pm):
    build(org, "Kill pending", gate_due=days(20), kill_deadline=days(-1), metric="70")
    build(org, "Stalled", gate_due=days(30), idle_days=40)
    build(org, "Fine", gate_due=days(30))
    client.force_login(pm)
    html = client.get("/projects/?attention=kill_pending").content.decode()
    assert ">Kill pending</a>" in html and ">Stalled</a>" not in html and ">Fine</a>" not in html
    row = html[html.index(">Kill pending</a>") :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="kill-pending"' in row and 'data-testid="overdue"' in row
    assert "kill deadline" in row  # the next deadline is the kill deadline, named so
    html = client.get("/projects/?attention=stalled").content.decode()
    assert ">Stalled</a>" in html and ">Fine</a>" not in html
