"""The project list's drill-down filters on what the portfolio itself stores: the milestones
mirrored from decisions, the decision-maker, and deadlines. Registered in
``portfolio.hooks.project_filters`` (see ``PortfolioConfig.ready``); the dashboard's links use
exactly these names, so a number and the list behind it are the same query.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet

from . import periods
from .hooks import ProjectFilterSpec, project_filters
from .models import Stage


def _period(value: str, today: date) -> periods.Period:
    period = periods.parse(value, today=today)
    if period is None:
        raise ValueError(f"Unknown period {value!r}.")
    return period


def _stage(value: str) -> str:
    if value not in Stage.values:
        raise ValueError(f"Unknown stage {value!r}.")
    return value


REACHED_FIELDS: dict[str, str] = {
    Stage.POC.value: "poc_started_at",
    Stage.PILOT.value: "pilot_reached_at",
    Stage.PRODUCTION.value: "production_reached_at",
}


def started(qs: QuerySet, value: str, today: date) -> QuerySet:
    """Projects whose PoC started (the go at the charter gate took effect) in the period."""
    return qs.filter(poc_started_at__isnull=False, **_period(value, today).lookup("poc_started_at"))


def reached(qs: QuerySet, value: str, today: date) -> QuerySet:
    """Projects that reached a stage through an in-force go."""
    field = REACHED_FIELDS.get(value)
    if field is None:
        raise ValueError(f"Unknown stage {value!r}.")
    return qs.filter(**{f"{field}__isnull": False})


def killed_from(qs: QuerySet, value: str, today: date) -> QuerySet:
    if value == "any":
        return qs.filter(killed_at__isnull=False)
    return qs.filter(killed_at__isnull=False, killed_from=_stage(value))


def killed(qs: QuerySet, value: str, today: date) -> QuerySet:
    """Projects killed in the period."""
    return qs.filter(killed_at__isnull=False, **_period(value, today).lookup("killed_at"))


def in_flight(qs: QuerySet, value: str, today: date) -> QuerySet:
    if value != "1":
        raise ValueError("in_flight takes 1.")
    return qs.filter(stage__in=[Stage.PROPOSED, Stage.POC, Stage.PILOT])


def killed_by(qs: QuerySet, value: str, today: date) -> QuerySet:
    if value not in ("policy", "person"):
        raise ValueError("killed_by takes policy or person.")
    return qs.filter(killed_at__isnull=False, killed_by_policy=value == "policy")


def pivoted(qs: QuerySet, value: str, today: date) -> QuerySet:
    if value != "1":
        raise ValueError("pivoted takes 1.")
    return qs.filter(pivoted=True)


def decision_maker(qs: QuerySet, value: str, today: date) -> QuerySet:
    if not (value.isascii() and value.isdigit()):
        raise ValueError("decision_maker takes a user id.")
    return qs.filter(decision_maker_id=int(value))


def kill_within(qs: QuerySet, value: str, today: date) -> QuerySet:
    """In flight, with a kill deadline from today to ``value`` days ahead."""
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= 366:
        raise ValueError("kill_within takes a number of days.")
    return qs.filter(
        Q(stage__in=[Stage.PROPOSED, Stage.POC, Stage.PILOT]),
        kill_deadline__gte=today,
        kill_deadline__lte=today + timedelta(days=int(value)),
    )


def _period_words(value: str) -> str:
    period = periods.parse(value, today=date.today())
    return period.label if period else value


def _stage_words(value: str) -> str:
    return "any stage" if value == "any" else Stage(value).label if value in Stage.values else value


def register() -> None:
    for spec in (
        ProjectFilterSpec("started", started, lambda v: f"PoC started: {_period_words(v)}"),
        ProjectFilterSpec("reached", reached, lambda v: f"Reached {_stage_words(v)}"),
        ProjectFilterSpec("killed_from", killed_from, lambda v: f"Killed in {_stage_words(v)}"),
        ProjectFilterSpec("killed", killed, lambda v: f"Killed: {_period_words(v)}"),
        ProjectFilterSpec("in_flight", in_flight, lambda v: "In flight"),
        ProjectFilterSpec(
            "killed_by",
            killed_by,
            lambda v: "Killed by the lapse policy" if v == "policy" else "Killed by a person",
        ),
        ProjectFilterSpec("pivoted", pivoted, lambda v: "Pivoted into a successor"),
        ProjectFilterSpec("decision_maker", decision_maker, lambda v: "Decision-maker"),
        ProjectFilterSpec("kill_within", kill_within, lambda v: f"Kill deadline within {v} days"),
    ):
        project_filters.register(spec)
