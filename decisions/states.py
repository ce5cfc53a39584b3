"""The derived states of projects as database annotations — the one definition pages, the API,
the decision service (and later the sweep and the dashboard) read.

The inputs the rules need — the open gate's due date, the approved charter's threshold and
direction, the newest metric reading — are columns of the project, kept by ``refresh`` (one
UPDATE from the sources, ``inputs``) after every write that moves one. ``annotate(queryset,
today=...)`` adds the organisation's stalled threshold and the states themselves from
``decisions.rules``, over those columns. Everything happens in the rows' own query: no extra
query, and a page of 5 or 5,000 projects costs the same.

Until 2026-11 the inputs were correlated subqueries in ``annotate``. Each rule that reads another
repeats its expression, so a page's query carried 56 subplans: at 20,000 projects a page of 50
spent 12 ms compiling that SQL in Python and 11 ms planning and running it, on every page that
shows a project. Now those are columns.

Registered with ``portfolio.hooks.project_states`` (see ``DecisionsConfig.ready``), so it is
reached as ``Project.objects.with_states()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import (
    CharField,
    DateTimeField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from charters.models import CharterVersion, Status
from portfolio.models import Project

from . import rules
from .models import Gate, Measurement, MeasurementKind, OrganisationPolicy


class DaysBefore(Func):
    """A moment minus a whole number of days that is itself a column or a subquery (a policy),
    on PostgreSQL and on SQLite (which has no interval type)."""

    output_field = DateTimeField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        moment, days = (compiler.compile(e) for e in self.source_expressions)
        return f"({moment[0]} - ({days[0]}) * INTERVAL '1 day')", [*moment[1], *days[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        moment, days = (compiler.compile(e) for e in self.source_expressions)
        # Django keeps SQLite date-times as "YYYY-MM-DD HH:MM:SS[.ffffff]" text, which is what
        # datetime() gives back: the comparison with updated_at stays a text comparison.
        sql = f"datetime({moment[0]}, '-' || ({days[0]}) || ' days')"
        return sql, [*moment[1], *days[1]]


def stalled_since(now) -> DaysBefore:
    """The activity time before which a project is stalled: its organisation's policy, or the
    firm's default (``GATEHOUSE_STALLED_AFTER_DAYS``)."""
    days = Coalesce(
        Subquery(
            OrganisationPolicy.objects.filter(organisation_id=OuterRef("organisation_id"))
            .order_by()
            .values("stalled_after_days")[:1]
        ),
        Value(settings.GATEHOUSE_STALLED_AFTER_DAYS),
        output_field=IntegerField(),
    )
    return DaysBefore(Value(now, output_field=DateTimeField()), days)


def inputs() -> dict[str, Any]:
    """The inputs of the states, read from their sources: the open gate's due date, the approved
    charter's threshold and direction, the newest metric reading. ``refresh`` stores them on the
    project row, where ``annotate`` reads them."""
    approved = CharterVersion.objects.filter(
        charter__project_id=OuterRef("pk"), status=Status.APPROVED
    ).order_by()
    return {
        "gate_due": Subquery(
            Gate.objects.filter(project_id=OuterRef("pk"), from_stage=OuterRef("stage"))
            .order_by()
            .values("due_date")[:1]
        ),
        "kill_threshold": Subquery(approved.values("threshold")[:1]),
        "kill_direction": Coalesce(
            Subquery(approved.values("metric_direction")[:1]), Value(""), output_field=CharField()
        ),
        "latest_metric": Subquery(
            Measurement.objects.filter(project_id=OuterRef("pk"), kind=MeasurementKind.METRIC)
            .order_by("-measured_at", "-id")
            .values("value")[:1]
        ),
    }


def refresh(*, project_ids: Iterable[int] | None = None) -> int:
    """Store the states' inputs on the given projects (all of them without ``project_ids``):
    one UPDATE, called by every service that opens a gate, moves its due date, changes a
    project's stage, approves a charter or records a measurement, and by the loaders that write
    history directly. A derived copy, not a business write: no audit event, ``updated_at``
    untouched. Returns the number of projects refreshed."""
    projects = Project.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=list(project_ids))
    return projects.unaudited_update(**inputs())


def annotate(queryset: QuerySet, *, today: date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    return (
        queryset.annotate(stalled_since=stalled_since(timezone.now()))
        .annotate(threshold_met=rules.threshold_met())
        .annotate(kill_status=rules.kill_status(today))
        .annotate(
            kill_pending=rules.kill_pending(),
            overdue=rules.overdue(today),
            stalled=rules.stalled(today),
            next_due=rules.next_due(),
        )
    )
