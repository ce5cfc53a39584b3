"""The derived states of projects as database annotations — the one definition pages, the API,
the decision service (and later the sweep and the dashboard) read.

``annotate(queryset, today=...)`` adds, per project row, the inputs the rules need (the open
gate's due date, the approved charter's threshold and direction, the newest metric reading, the
organisation's stalled threshold) as correlated subqueries, then the states themselves from
``decisions.rules``. Everything happens in the rows' own query: no extra query, and a page of 5
or 5,000 projects costs the same.

Registered with ``portfolio.hooks.project_states`` (see ``DecisionsConfig.ready``), so it is
reached as ``Project.objects.with_states()``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import DateTimeField, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from charters.models import CharterVersion, Status

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


def annotate(queryset: QuerySet, *, today: date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    approved = CharterVersion.objects.filter(
        charter__project_id=OuterRef("pk"), status=Status.APPROVED
    )
    return (
        queryset.annotate(
            gate_due=Subquery(
                Gate.objects.filter(project_id=OuterRef("pk"), from_stage=OuterRef("stage"))
                .order_by()
                .values("due_date")[:1]
            ),
            kill_threshold=Subquery(approved.order_by().values("threshold")[:1]),
            kill_direction=Subquery(approved.order_by().values("metric_direction")[:1]),
            latest_metric=Subquery(
                Measurement.objects.filter(project_id=OuterRef("pk"), kind=MeasurementKind.METRIC)
                .order_by("-measured_at", "-id")
                .values("value")[:1]
            ),
            stalled_since=stalled_since(timezone.now()),
        )
        .annotate(threshold_met=rules.threshold_met())
        .annotate(kill_status=rules.kill_status(today))
        .annotate(
            kill_pending=rules.kill_pending(),
            overdue=rules.overdue(today),
            stalled=rules.stalled(today),
            next_due=rules.next_due(),
        )
    )
