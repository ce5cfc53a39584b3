"""Migration 0005 gives existing rows what the services now keep: an opened gate for every project
in flight, a due date on every gate, a kill deadline on every project whose charter sets one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from charters.models import Status
from decisions.models import Gate
from portfolio.models import AuditEvent, Project, Stage
from tests.charters.helpers import quick_version
from tests.decisions.helpers import days

pytestmark = pytest.mark.django_db

BEFORE = ("decisions", "0004_gate_due_date_stalled_policy")
BACKFILL = ("decisions", "0005_backfill_gates_due_dates_kill_deadlines")


def _migrate(target=None) -> None:
    """Migrate the decisions app to ``target``, or everything to the latest."""
    if connection.vendor == "postgresql":
        # Inside the test's transaction: check the rows' deferred foreign keys now, or
        # PostgreSQL refuses to ALTER a table with pending trigger events.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


def test_the_backfill_opens_missing_gates_and_dates_every_gate(org, pm, executive):
    _migrate(BEFORE)
    # Rows as an earlier Gatehouse left them: no gate until a page was read, no stored dates.
    waiting = Project.objects.create(
        organisation=org, name="Never opened", slug="never-opened", pm=pm,
        timebox_start=days(10), timebox_end=days(50), decision_date=days(55),
    )  # fmt: skip
    running = Project.objects.create(
        organisation=org, name="Running PoC", slug="running-poc", pm=pm,
        decision_maker=executive, stage=Stage.POC,
        timebox_start=days(-20), timebox_end=days(20), decision_date=days(24),
    )  # fmt: skip
    version = quick_version(
        running,
        metric_direction="higher",
        metric_baseline=Decimal("55"),
        metric_target=Decimal("85"),
        threshold=Decimal("75"),
        kill_deadline=days(15),
        timebox_start=days(-20),
    )
    type(version).objects.filter(pk=version.pk).unaudited_update(status=Status.APPROVED)
    pilot = Project.objects.create(
        organisation=org, name="Pilot", slug="pilot", pm=pm, stage=Stage.PILOT,
        decision_date=days(60),
    )  # fmt: skip

    _migrate(BACKFILL)
    _migrate()  # the later migrations too, so today's models can read the rows back

    opened = Gate.objects.get(project=waiting)
    assert (opened.from_stage, opened.due_date) == ("proposed", days(10))
    assert opened.criteria.count() == opened.template.criteria.count()
    assert AuditEvent.objects.filter(
        project=waiting, action="gate.opened", object_id=str(opened.pk)
    ).exists()
    assert Gate.objects.get(project=running).due_date == days(24)
    assert Gate.objects.get(project=pilot).due_date == days(60)
    running.refresh_from_db()
    pilot.refresh_from_db()
    waiting.refresh_from_db()
    assert running.kill_deadline == days(15)  # the approved charter's
    assert pilot.kill_deadline == days(60)  # in pilot: the production gate's due date
    assert waiting.kill_deadline is None  # no approved charter yet
    states = Project.objects.with_states().get(pk=running.pk)
    assert (states.gate_due, states.next_due) == (days(24), days(15))
