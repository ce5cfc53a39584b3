"""The portfolio dashboard's figures (DOMAIN.md "The portfolio dashboard"): does the firm ship
AI, or collect PoCs?

Every figure is an aggregate in the database over the projects a ``Scope`` selects — the ones
the person may see, narrowed by organisation, stage, decision-maker and risk flag — and comes
with the link to the project list that lists exactly the projects behind it (the drill-down
filters of ``portfolio.hooks.project_filters`` under the same names). The page, its CSV exports
and the API's summary all read ``summary(scope)``: one set of numbers.

Definitions:
- a project **started PoC** when the charter gate's go took effect, and **reached** a stage
  through an in-force go (a superseded go does not count): the milestones mirrored on the
  project from its in-force decisions (``decisions.services.milestones_refresh``);
- a **cohort** is the projects whose PoC started in a period; its **graduation rate** is
  reached production ÷ started PoC (None, shown as "—", when nothing started);
- a gate is **due** on its stored due date (up to today), **on time** if decided on or before
  it, **late** if after, **lapsed** if past due and still undecided; automatic kills by policy
  are counted apart from decisions a person made.

A summary is computed once and kept in the cache (``summary_cached``) under a key that holds the
person, the filters, today's date and the portfolio's *fingerprint*: one query reading the
newest audit event, decision, measurement, gate and charter version and the number of projects.
Every write the product makes adds one of those rows (a service writes an audit event with each
change), so the first request after a decision or a measurement computes afresh: no stale number
is shown. ``GATEHOUSE_DASHBOARD_CACHE_SECONDS`` bounds an entry's life as a safety net (0 turns
the cache off, as the tests of the figures do).

Medians are ``percentile_cont(0.5)`` on PostgreSQL; on SQLite (the demo) the values are fetched
and the median taken in Python — the same interpolation, which the tests check against
PostgreSQL's.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Extract, TruncDate, TruncQuarter
from django.urls import reverse
from django.utils import timezone

from charters import drilldown as charter_drilldown
from portfolio import periods
from portfolio.models import AuditEvent, Organisation, Project, ProjectQuerySet, Stage, User

from .drilldown import extensions, timed_gates
from .models import KillReason

ACTIVE = [Stage.PROPOSED.value, Stage.POC.value, Stage.PILOT.value]
TREND_QUARTERS = 8
ATTENTION_ROWS = 5
KILL_SOON_DAYS = 14


# --- scope and links --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The projects a dashboard counts, and how its links reproduce them."""

    user: object
    period: periods.Period
    today: date
    organisation_id: int | None = None
    stage: str = ""
    decision_maker_id: int | None = None
    risk_flag: str = ""

    @cached_property
    def _flagged_ids(self) -> list[int]:
        """The ids raising the risk flag, computed once per scope: every panel narrows by them,
        and the flags are charter rules evaluated in Python."""
        qs = charter_drilldown.risk_flag(self._unflagged(), self.risk_flag, self.today)
        return list(qs.values_list("pk", flat=True))

    def _unflagged(self) -> ProjectQuerySet:
        qs: ProjectQuerySet = Project.objects.visible_to(self.user)
        if self.organisation_id is not None:
            qs = qs.filter(organisation_id=self.organisation_id)
        if self.stage:
            qs = qs.filter(stage=self.stage)
        if self.decision_maker_id is not None:
            qs = qs.filter(decision_maker_id=self.decision_maker_id)
        return qs

    def projects(self) -> ProjectQuerySet:
        qs = self._unflagged()
        if self.risk_flag:
            qs = qs.filter(pk__in=self._flagged_ids)
        return qs

    def params(self) -> dict[str, str]:
        """The project list's query string for the scope itself."""
        out: dict[str, str] = {}
        if self.organisation_id is not None:
            out["organisation"] = str(self.organisation_id)
        if self.stage:
            out["stage"] = self.stage
        if self.decision_maker_id is not None:
            out["decision_maker"] = str(self.decision_maker_id)
        if self.risk_flag:
            out["risk_flag"] = self.risk_flag
        return out

    def link(self, **figure: str) -> str:
        """The project list listing the projects behind a figure (``figure``: drill-down
        filters on top of the scope's own)."""
        params = {**self.params(), **{k: v for k, v in figure.items() if v != ""}}
        return reverse("portfolio:project-list") + "?" + urlencode(sorted(params.items()))


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | float | None
    link: str | None = None

    @property
    def shown(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.0f}" if self.value >= 10 else f"{self.value:.1f}"
        return str(self.value)


def rate(part: int, whole: int) -> float | None:
    """A share as a percentage; None (shown "—") when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


# --- medians ----------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def days_between(start: str, end) -> ExpressionWrapper:
    """``end`` − ``start`` as an interval (``end`` a field name or an expression)."""
    end_expr = F(end) if isinstance(end, str) else end
    return ExpressionWrapper(end_expr - F(start), output_field=DurationField())


def _days(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return float(value)


def medians(queryset: QuerySet, duration, *, group: str | None = None, python: bool | None = None):
    """The median of ``duration`` (an interval expression) in days — over the whole queryset,
    or per value of ``group`` ({group value: median}). Rows where it is null are left out. In
    the database on PostgreSQL; in Python elsewhere (or when ``python`` asks for it)."""
    use_python = python if python is not None else connection.vendor != "postgresql"
    rows = queryset.annotate(_span=duration).filter(_span__isnull=False).order_by()
    if not use_python:
        expr = Median(Extract("_span", "epoch") / 86400.0)
        if group is None:
            return _days(rows.aggregate(m=expr)["m"])
        return {k: _days(v) for k, v in rows.values_list(group).annotate(m=expr)}
    values: dict[object, list[float]] = defaultdict(list)
    fields = ("_span",) if group is None else (group, "_span")
    for row in rows.values_list(*fields):
        key, span = (None, row[0]) if group is None else row
        days = _days(span)
        if days is not None:
            values[key].append(days)
    out = {k: float(statistics.median(v)) for k, v in values.items()}
    return out.get(None) if group is None else out


# --- the panels ---------------------------------------------------------------------------------


@dataclass
class Funnel:
    started: Figure
    reached_pilot: Figure
    reached_production: Figure
    killed: list[Figure]  # in PoC, in pilot, in production
    in_flight: list[Figure]  # in PoC, in pilot
    poc_to_pilot: Figure
    pilot_to_production: Figure
    graduation_rate: Figure


# Where a PoC of the cohort can die: a kill is decided at a gate, and no gate leaves production
# (a "Killed in production" row would read 0 for ever). A kill at the charter gate comes before
# the PoC started, so outside the cohort.
KILLED_IN = (Stage.POC, Stage.PILOT)


def funnel(scope: Scope) -> Funnel:
    """The cohort of the period: how far its PoCs got. One query."""
    cohort = scope.projects().filter(
        poc_started_at__isnull=False, **scope.period.lookup("poc_started_at")
    )
    n = cohort.aggregate(
        started=Count("pk"),
        pilot=Count("pk", filter=Q(pilot_reached_at__isnull=False)),
        production=Count("pk", filter=Q(production_reached_at__isnull=False)),
        **{
            f"killed_{s}": Count("pk", filter=Q(killed_at__isnull=False, killed_from=s))
            for s in KILLED_IN
        },
        **{f"flight_{s}": Count("pk", filter=Q(stage=s)) for s in (Stage.POC, Stage.PILOT)},
    )
    started = scope.period.key

    def link(**more):
        return scope.link(started=started, **more)

    return Funnel(
        started=Figure("Started PoC", n["started"], link()),
        reached_pilot=Figure("Reached pilot", n["pilot"], link(reached="pilot")),
        reached_production=Figure(
            "Reached production", n["production"], link(reached="production")
        ),
        killed=[
            Figure(f"Killed in {Stage(s).label}", n[f"killed_{s}"], link(killed_from=s))
            for s in KILLED_IN
        ],
        in_flight=[
            Figure(f"Still in {Stage(s).label}", n[f"flight_{s}"], link(stage=s))
            for s in (Stage.POC, Stage.PILOT)
        ],
        poc_to_pilot=Figure("PoC → pilot", rate(n["pilot"], n["started"])),
        pilot_to_production=Figure("Pilot → production", rate(n["production"], n["pilot"])),
        graduation_rate=Figure(
            "Graduation rate", rate(n["production"], n["started"]), link(reached="production")
        ),
    )


@dataclass
class TrendRow:
    period: periods.Period
    started: Figure
    reached_production: Figure
    graduation_rate: Figure
    days_to_decision: Figure


GRADUATION_DECISION = Case(
    When(pilot_reached_at__isnull=False, then=F("pilot_reached_at")),
    When(killed_from=Stage.POC, then=F("killed_at")),
)


def trend(scope: Scope) -> list[TrendRow]:
    """Graduation rate and the median days from PoC start to the graduation gate's decision,
    by quarterly cohort over the last eight quarters. Two queries."""
    quarters = periods.last_quarters(scope.today, TREND_QUARTERS)
    started = scope.projects().filter(
        poc_started_at__isnull=False, poc_started_at__date__gte=quarters[0].start
    )
    quarter = TruncQuarter("poc_started_at", output_field=DateField())
    by_quarter = {
        q: (s, p)
        for q, s, p in started.annotate(quarter=quarter)
        .values_list("quarter")
        .annotate(s=Count("pk"), p=Count("pk", filter=Q(production_reached_at__isnull=False)))
        .values_list("quarter", "s", "p")
    }
    spans = medians(
        started.annotate(quarter=quarter),
        days_between("poc_started_at", GRADUATION_DECISION),
        group="quarter",
    )
    rows = []
    for q in quarters:
        s, p = by_quarter.get(q.start, (0, 0))
        rows.append(
            TrendRow(
                period=q,
                started=Figure("Started PoC", s, scope.link(started=q.key)),
                reached_production=Figure(
                    "Reached production", p, scope.link(started=q.key, reached="production")
                ),
                graduation_rate=Figure("Graduation rate", rate(p, s)),
                days_to_decision=Figure("Median days to decision", spans.get(q.start)),
            )
        )
    return rows


@dataclass
class Flow:
    in_progress: list[Figure]  # per stage in flight
    days_in_stage: list[Figure]
    days_to_production: Figure
    days_to_kill: Figure


ENTERED_STAGE = Case(
    When(stage=Stage.PROPOSED, then=F("created_at")),
    When(stage=Stage.POC, then=F("poc_started_at")),
    When(stage=Stage.PILOT, then=F("pilot_reached_at")),
)


def since(field: str, now) -> ExpressionWrapper:
    """``now`` − ``field`` as an interval."""
    return ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F(field), output_field=DurationField()
    )


def flow(scope: Scope) -> Flow:
    """Work in progress per stage, the median days the projects now in each stage have spent
    there, and the cohort's median days from PoC start to production and to a kill."""
    base = scope.projects()
    in_flight = base.filter(stage__in=ACTIVE)
    wip = dict(in_flight.values_list("stage").annotate(n=Count("pk")).order_by())
    in_stage = medians(
        in_flight.annotate(entered=ENTERED_STAGE), since("entered", timezone.now()), group="stage"
    )
    cohort = base.filter(poc_started_at__isnull=False, **scope.period.lookup("poc_started_at"))
    return Flow(
        in_progress=[Figure(Stage(s).label, wip.get(s, 0), scope.link(stage=s)) for s in ACTIVE],
        days_in_stage=[Figure(Stage(s).label, in_stage.get(s)) for s in ACTIVE],
        days_to_production=Figure(
            "PoC start → production",
            medians(cohort, days_between("poc_started_at", "production_reached_at")),
        ),
        days_to_kill=Figure(
            "PoC start → kill", medians(cohort, days_between("poc_started_at", "killed_at"))
        ),
    )


@dataclass
class AttentionList:
    figure: Figure
    rows: list  # projects annotated with their states, the first ATTENTION_ROWS


@dataclass
class Attention:
    overdue: AttentionList
    kill_soon: AttentionList
    kill_pending: AttentionList
    stalled: AttentionList


def attention(scope: Scope) -> Attention:
    """Overdue decisions, kill deadlines in the next 14 days, kill pending and stalled: a count
    each (one query) and the first rows of each, soonest deadline first."""
    today = scope.today
    states = scope.projects().filter(stage__in=ACTIVE).with_states(today)
    soon = Q(kill_deadline__gte=today, kill_deadline__lte=today + timedelta(days=KILL_SOON_DAYS))
    conditions = {
        "overdue": Q(overdue=True),
        "kill_soon": soon,
        "kill_pending": Q(kill_pending=True),
        "stalled": Q(stalled=True),
    }
    # Aliases apart from the annotations they count ("overdue" would shadow the state).
    counts = states.aggregate(**{f"n_{k}": Count("pk", filter=c) for k, c in conditions.items()})
    labels = {
        "overdue": ("Overdue decisions", {"attention": "overdue"}),
        "kill_soon": (
            f"Kill deadlines in the next {KILL_SOON_DAYS} days",
            {"kill_within": str(KILL_SOON_DAYS)},
        ),
        "kill_pending": ("Kill pending", {"attention": "kill_pending"}),
        "stalled": ("Stalled", {"attention": "stalled"}),
    }
    lists = {}
    for key, condition in conditions.items():
        label, params = labels[key]
        order = "kill_deadline" if key == "kill_soon" else "next_due"
        rows = list(
            states.filter(condition)
            .select_related("organisation", "decision_maker")
            .order_by(F(order).asc(nulls_last=True), "name", "pk")[:ATTENTION_ROWS]
        )
        lists[key] = AttentionList(Figure(label, counts[f"n_{key}"], scope.link(**params)), rows)
    return Attention(**lists)


@dataclass
class Graveyard:
    killed: Figure
    by_reason: list[Figure]
    by_policy: Figure
    by_person: Figure
    pivots: Figure
    days_to_kill: Figure


def graveyard(scope: Scope) -> Graveyard:
    """The projects killed in the period: why (by reason, largest first), by whom (a person or
    the lapse policy), how many pivoted, and the median days from start to kill."""
    killed = scope.projects().filter(killed_at__isnull=False, **scope.period.lookup("killed_at"))
    n = killed.aggregate(
        total=Count("pk"),
        policy=Count("pk", filter=Q(killed_by_policy=True)),
        pivots=Count("pk", filter=Q(pivoted=True)),
    )
    reasons = (
        killed.values_list("kill_reason").annotate(n=Count("pk")).order_by("-n", "kill_reason")
    )
    labels = dict(KillReason.choices)
    key = scope.period.key

    def link(**more):
        return scope.link(killed=key, **more)

    started = Case(
        When(poc_started_at__isnull=False, then=F("poc_started_at")), default=F("created_at")
    )
    return Graveyard(
        killed=Figure("Killed", n["total"], link()),
        by_reason=[
            Figure(labels.get(reason, reason or "Not recorded"), count, link(kill_reason=reason))
            for reason, count in reasons
        ],
        by_policy=Figure("Killed by the lapse policy", n["policy"], link(killed_by="policy")),
        by_person=Figure(
            "Killed by a decision-maker", n["total"] - n["policy"], link(killed_by="person")
        ),
        pivots=Figure("Pivoted into a successor", n["pivots"], link(pivoted="1")),
        days_to_kill=Figure(
            "Median days to kill",
            medians(killed.annotate(began=started), days_between("began", "killed_at")),
        ),
    )


@dataclass
class Goalposts:
    projects: Figure
    amendments: Figure
    lowered: Figure
    raised: Figure


def goalposts(scope: Scope) -> Goalposts:
    """Projects whose locked criteria were amended, how often, and which way the bar moved.
    One query."""
    moved = scope.projects().filter(charter__goalposts_moved__gt=0)
    n = moved.aggregate(
        projects=Count("pk"),
        amendments=Sum("charter__goalposts_moved"),
        lowered=Count("pk", filter=Q(charter__bar_lowered__gt=0)),
        raised=Count("pk", filter=Q(charter__bar_raised__gt=0)),
    )
    return Goalposts(
        projects=Figure("Projects that moved them", n["projects"], scope.link(goalposts="moved")),
        amendments=Figure("Amendments that moved them", n["amendments"] or 0),
        lowered=Figure("Lowered the bar", n["lowered"], scope.link(goalposts="lowered")),
        raised=Figure("Raised the bar", n["raised"], scope.link(goalposts="raised")),
    )


@dataclass
class Accountable:
    person: User | None
    due: Figure
    on_time: Figure
    late: Figure
    lapsed: Figure
    days_late: Figure
    extensions: Figure
    killed_by_policy: Figure


def accountability(scope: Scope) -> list[Accountable]:
    """Per decision-maker: the gates due in the period (the gate's stored due date, up to
    today), decided on time, late, or lapsed; the median days late; the extensions they granted;
    the projects the lapse policy killed while they were the decision-maker. Fixed queries."""
    today, period = scope.today, scope.period
    base = scope.projects()
    counts = {
        timing: dict(
            timed_gates(period, timing, today)
            .filter(project__in=base)
            .values_list("project__decision_maker_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for timing in ("due", "on_time", "late", "lapsed")
    }
    late = medians(
        timed_gates(period, "late", today)
        .filter(project__in=base)
        .annotate(decided_on=TruncDate("decided_at"), dm=F("project__decision_maker_id")),
        days_between("due_date", "decided_on"),
        group="dm",
    )
    granted = dict(
        extensions(period)
        .filter(project__in=base)
        .values_list("decided_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    killed = dict(
        base.filter(killed_by_policy=True, **period.lookup("killed_at"))
        .values_list("decision_maker_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ids = {pk for pk in (*counts["due"], *granted, *killed) if pk is not None}
    people = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    key = period.key
    out = []
    for pk in sorted(ids, key=lambda i: (people[i].full_name, i)):

        def gate_link(timing: str, pk=pk) -> str:
            return scope.link(decision_maker=str(pk), gate=f"{key}:{timing}")

        out.append(
            Accountable(
                person=people[pk],
                due=Figure("Gates due", counts["due"].get(pk, 0), gate_link("due")),
                on_time=Figure("On time", counts["on_time"].get(pk, 0), gate_link("on_time")),
                late=Figure("Late", counts["late"].get(pk, 0), gate_link("late")),
                lapsed=Figure("Lapsed", counts["lapsed"].get(pk, 0), gate_link("lapsed")),
                days_late=Figure("Median days late", late.get(pk)),
                extensions=Figure(
                    "Extensions granted",
                    granted.get(pk, 0),
                    scope.link(extended_by=f"{pk}:{key}"),
                ),
                killed_by_policy=Figure(
                    "Killed by policy",
                    killed.get(pk, 0),
                    scope.link(decision_maker=str(pk), killed=key, killed_by="policy"),
                ),
            )
        )
    return out


@dataclass
class OrganisationRow:
    organisation: Organisation
    by_stage: list[Figure]
    started: Figure
    graduation_rate: Figure


def organisations(scope: Scope) -> list[OrganisationRow]:
    """For whoever sees several organisations (partners): the organisation × stage table and
    each organisation's graduation rate for the cohort, side by side. Three queries."""
    base = scope.projects()
    table: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, stage, n in (
        base.values_list("organisation_id", "stage").annotate(n=Count("pk")).order_by()
    ):
        table[org_id][stage] = n
    cohorts = {
        org_id: (s, p)
        for org_id, s, p in base.filter(
            poc_started_at__isnull=False, **scope.period.lookup("poc_started_at")
        )
        .values_list("organisation_id")
        .annotate(s=Count("pk"), p=Count("pk", filter=Q(production_reached_at__isnull=False)))
        .values_list("organisation_id", "s", "p")
    }
    rows = []
    for org in Organisation.objects.filter(pk__in=set(table)).order_by("name"):
        s, p = cohorts.get(org.pk, (0, 0))
        # replace(), not Scope(**scope.__dict__): the dict also holds the cached _flagged_ids.
        org_scope = replace(scope, organisation_id=org.pk)
        rows.append(
            OrganisationRow(
                organisation=org,
                by_stage=[
                    Figure(label, table[org.pk].get(value, 0), org_scope.link(stage=value))
                    for value, label in Stage.choices
                ],
                started=Figure("Started PoC", s, org_scope.link(started=scope.period.key)),
                graduation_rate=Figure(
                    "Graduation rate",
                    rate(p, s),
                    org_scope.link(started=scope.period.key, reached="production"),
                ),
            )
        )
    return rows


@dataclass
class Summary:
    scope: Scope
    funnel: Funnel
    trend: list[TrendRow]
    flow: Flow
    attention: Attention
    graveyard: Graveyard
    goalposts: Goalposts
    accountability: list[Accountable]
    organisations: list[OrganisationRow] = field(default_factory=list)


def summary(scope: Scope, *, with_organisations: bool) -> Summary:
    return Summary(
        scope=scope,
        funnel=funnel(scope),
        trend=trend(scope),
        flow=flow(scope),
        attention=attention(scope),
        graveyard=graveyard(scope),
        goalposts=goalposts(scope),
        accountability=accountability(scope),
        organisations=organisations(scope) if with_organisations else [],
    )


# --- the cache ------------------------------------------------------------------------------


def fingerprint() -> tuple:
    """What changes whenever a figure may: the newest row of each table a write adds to (each
    an index lookup) and the number of projects (a deletion). One query."""
    from charters.models import CharterVersion

    from .models import Decision, Gate, Measurement

    newest = [
        f"(SELECT MAX(id) FROM {model._meta.db_table})"  # noqa: S608 — the models' own tables
        for model in (AuditEvent, Decision, Measurement, Gate, CharterVersion)
    ]
    projects = f"(SELECT COUNT(*) FROM {Project._meta.db_table})"  # noqa: S608 — as above
    sql = f"SELECT {', '.join(newest)}, {projects}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def cache_key(scope: Scope, with_organisations: bool) -> str | None:
    """The key the figures of ``scope`` are kept under now; None when the cache is off."""
    if settings.GATEHOUSE_DASHBOARD_CACHE_SECONDS <= 0:
        return None
    return _cache_key(scope, with_organisations)


def _cache_key(scope: Scope, with_organisations: bool) -> str:
    parts = (
        getattr(scope.user, "pk", None),
        scope.period.key,
        scope.today.isoformat(),
        scope.organisation_id,
        scope.stage,
        scope.decision_maker_id,
        scope.risk_flag,
        with_organisations,
        fingerprint(),
    )
    return "dashboard:1:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def summary_cached(scope: Scope, *, with_organisations: bool, key: str | None = None) -> Summary:
    """``summary(scope)``, from the cache when nothing changed since it was computed (see the
    module's docstring); the figures are the same either way. ``key``: ``cache_key``'s answer,
    when the caller already asked for it."""
    key = key or cache_key(scope, with_organisations)
    if key is None:
        return summary(scope, with_organisations=with_organisations)
    kept = cache.get(key)
    if isinstance(kept, Summary):
        kept.scope = scope
        return kept
    fresh = summary(scope, with_organisations=with_organisations)
    cache.set(key, fresh, settings.GATEHOUSE_DASHBOARD_CACHE_SECONDS)
    return fresh
