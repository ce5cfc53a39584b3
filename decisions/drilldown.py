"""The project list's drill-down filters on gates and decisions: the decision-maker
accountability figures and the kill reasons of the graveyard. Registered in
``portfolio.hooks.project_filters`` (``DecisionsConfig.ready``).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import TruncDate

from portfolio import periods
from portfolio.hooks import ProjectFilterSpec, project_filters

from .models import Decision, Gate, KillReason, Outcome

GATE_TIMINGS = {
    "due": "due",
    "on_time": "decided on time",
    "late": "decided late",
    "lapsed": "lapsed (past due, undecided)",
}


def _split(value: str, what: str) -> tuple[str, str]:
    head, sep, tail = value.partition(":")
    if not sep:
        raise ValueError(f"{what} takes <period>:<kind>.")
    return head, tail


def _gates(value: str) -> tuple[periods.Period, str]:
    head, timing = _split(value, "gate")
    period = periods.parse(head, today=date.today())
    if period is None:
        raise ValueError(f"Unknown period {head!r}.")
    if timing not in GATE_TIMINGS:
        raise ValueError(f"Unknown gate timing {timing!r}.")
    return period, timing


def timed_gates(period: periods.Period, timing: str, today: date) -> QuerySet:
    """Gates due in ``period`` — on their stored due date, up to today: a gate is not due
    before its date — with ``timing`` (see GATE_TIMINGS). One definition for the accountability
    figures and the list behind them."""
    end = today if period.end is None else min(period.end, today)
    gates = Gate.objects.filter(due_date__isnull=False, due_date__lte=end)
    if period.start is not None:
        gates = gates.filter(due_date__gte=period.start)
    decided_on = TruncDate("decided_at")
    if timing == "on_time":
        return gates.annotate(decided_on=decided_on).filter(
            decided_at__isnull=False, decided_on__lte=F("due_date")
        )
    if timing == "late":
        return gates.annotate(decided_on=decided_on).filter(
            decided_at__isnull=False, decided_on__gt=F("due_date")
        )
    if timing == "lapsed":
        return gates.filter(decided_at__isnull=True, due_date__lt=today)
    return gates


def gate(qs: QuerySet, value: str, today: date) -> QuerySet:
    period, timing = _gates(value)
    return qs.filter(Exists(timed_gates(period, timing, today).filter(project_id=OuterRef("pk"))))


def extensions(period: periods.Period) -> QuerySet:
    """In-force extensions granted in ``period``."""
    return Decision.objects.filter(
        outcome=Outcome.EXTEND, superseded_by__isnull=True, **period.lookup("decided_at")
    )


def extensions_by(user_id: int, period: periods.Period) -> QuerySet:
    return extensions(period).filter(decided_by_id=user_id)


def extended_by(qs: QuerySet, value: str, today: date) -> QuerySet:
    head, tail = _split(value, "extended_by")
    period = periods.parse(tail, today=today)
    if not (head.isascii() and head.isdigit()) or period is None:
        raise ValueError("extended_by takes <user id>:<period>.")
    return qs.filter(Exists(extensions_by(int(head), period).filter(project_id=OuterRef("pk"))))


def kill_reason(qs: QuerySet, value: str, today: date) -> QuerySet:
    if value not in KillReason.values:
        raise ValueError(f"Unknown kill reason {value!r}.")
    return qs.filter(killed_at__isnull=False, kill_reason=value)


def _gate_words(value: str) -> str:
    head, _, timing = value.partition(":")
    period = periods.parse(head, today=date.today())
    return f"Gates {GATE_TIMINGS.get(timing, timing)}, due {period.label if period else head}"


def _extended_words(value: str) -> str:
    _, _, tail = value.partition(":")
    period = periods.parse(tail, today=date.today())
    return f"Extended by the decision-maker, {period.label if period else tail}"


def register() -> None:
    for spec in (
        ProjectFilterSpec("gate", gate, _gate_words),
        ProjectFilterSpec("extended_by", extended_by, _extended_words),
        ProjectFilterSpec(
            "kill_reason",
            kill_reason,
            lambda v: f"Kill reason: {KillReason(v).label if v in KillReason.values else v}",
        ),
    ):
        project_filters.register(spec)
