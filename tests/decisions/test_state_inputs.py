"""The inputs of the derived states kept on the project row (``decisions.states``): every service
that moves one — opening a gate, moving its due date, a decision, an approved charter or an
amendment, a metric reading — leaves the row equal to what the sources say, and saving a project
loaded before such a write does not put the old value back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from decisions import services
from decisions.states import inputs
from portfolio.models import STATE_INPUTS, Project, Stage
from portfolio.services import project_update
from tests.charters.helpers import amend_and_approve, approved
from tests.decisions.helpers import days, in_poc, proposed_project, registered_weeks_ago
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


def stored(project) -> dict:
    return Project.objects.filter(pk=project.pk).values(*STATE_INPUTS).get()


def from_sources(project) -> dict:
    fresh = Project.objects.filter(pk=project.pk).annotate(
        **{f"fresh_{k}": v for k, v in inputs().items()}
    )
    row = fresh.values(*(f"fresh_{k}" for k in STATE_INPUTS)).get()
    return {k: row[f"fresh_{k}"] for k in STATE_INPUTS}


def assert_fresh(project) -> dict:
    row = stored(project)
    assert row == from_sources(project)
    return row


@pytest.fixture
def people():
    org = OrganisationFactory()
    return org, member(org, "pm"), member(org, "executive")


def test_a_new_project_stores_its_charter_gate_due_date(people):
    org, pm, executive = people
    project = proposed_project(org, pm, executive, timebox_start=days(20))
    row = assert_fresh(project)
    assert row["gate_due"] == days(20)
    assert row["kill_threshold"] is None and row["latest_metric"] is None


def test_approval_reading_extension_and_go_keep_the_row_fresh(people):
    org, pm, executive = people
    project, version, who = in_poc(org, pm, executive)
    row = assert_fresh(project)
    assert row["kill_threshold"] == version.threshold
    assert row["kill_direction"] == version.metric_direction
    assert row["gate_due"] == project.decision_date  # the graduation gate is open now

    registered_weeks_ago(project)
    services.measurement_record(project=project, kind="metric", value=Decimal("12.5"), by=pm)
    assert assert_fresh(project)["latest_metric"] == Decimal("12.5")
    # A reading of another kind is no metric: the row keeps the metric's.
    services.measurement_record(project=project, kind="latency_ms", value=Decimal("900"), by=pm)
    assert assert_fresh(project)["latest_metric"] == Decimal("12.5")

    project.refresh_from_db()
    later = project.decision_date + timedelta(days=14)
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="The vendor's model arrives late.",
        new_kill_deadline=later,
        new_decision_date=later,
    )
    assert assert_fresh(project)["gate_due"] == later

    project.refresh_from_db()
    services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        rationale="The metric stayed far below the bar.",
        reason_category="metric_not_reached",
    )
    project.refresh_from_db()
    assert project.stage == Stage.KILLED
    assert assert_fresh(project)["gate_due"] is None  # no gate after a kill


def test_an_amendment_that_moves_the_bar_moves_the_stored_threshold(people):
    org, pm, executive = people
    project = proposed_project(org, pm, executive)
    version, who = approved(project)
    assert assert_fresh(project)["kill_threshold"] == version.threshold
    amend_and_approve(project, who, threshold={"threshold": version.threshold - 5})
    assert assert_fresh(project)["kill_threshold"] == version.threshold - 5


def test_saving_a_project_loaded_before_a_reading_keeps_the_reading(people):
    org, pm, executive = people
    project, _version, _who = in_poc(org, pm, executive)
    registered_weeks_ago(project)
    stale = Project.objects.get(pk=project.pk)  # loaded before the reading
    services.measurement_record(project=project, kind="metric", value=Decimal("70"), by=pm)
    project_update(project=stale, by=pm, summary="Reads invoices.")
    assert assert_fresh(project)["latest_metric"] == Decimal("70")
    assert Project.objects.get(pk=project.pk).summary == "Reads invoices."


def test_the_charter_gate_due_date_follows_the_start_date(people):
    org, pm, executive = people
    project = proposed_project(org, pm, executive, timebox_start=days(20))
    project_update(project=project, by=pm, timebox_start=days(30))
    assert assert_fresh(project)["gate_due"] == days(30)
