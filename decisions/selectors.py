"""Reads that span gates, charters, measurements and decisions.

``load_facts(projects)`` gathers everything a gate needs for many projects in a fixed number of
queries (about a dozen, whatever the number of projects); pages and the decision service both use
it, so the criteria a person sees are the criteria the service enforces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from portfolio.models import Membership, Project, Role, Stage

from .checks import CHECKS
from .models import (
    DEFAULT_MAX_EXTENSIONS,
    CriterionKind,
    CriterionMark,
    Decision,
    Gate,
    GateCriterion,
    GateTemplate,
    MarkState,
    Measurement,
    MeasurementKind,
    MeasurementSource,
    OrganisationPolicy,
    Outcome,
    OwnershipAcceptance,
)

AT_RISK_WITHIN = timedelta(days=7)
ACTIVE_STAGES = (Stage.PROPOSED, Stage.POC, Stage.PILOT)
KILL_STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "triggered": "Triggered",
    "met": "Met",
    "undefined": "No kill condition yet",
}


@dataclass
class KillCondition:
    status: str  # on_track | at_risk | triggered | met | undefined
    metric_name: str = ""
    unit: str = ""
    direction: str = ""
    threshold: Decimal | None = None
    target: Decimal | None = None
    baseline: Decimal | None = None
    deadline: date | None = None
    extended: bool = False
    latest: Measurement | None = None
    today: date | None = None

    @property
    def label(self) -> str:
        return KILL_STATUS_LABELS[self.status]

    @property
    def days_left(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline and self.today else None

    @property
    def deadline_reached(self) -> bool:
        return self.days_left is not None and self.days_left <= 0

    @property
    def sentence(self) -> str:
        if self.status == "undefined":
            # No full stop: pages end the sentence (after "— 5 days left", say).
            return "The kill condition is set by the approved charter's threshold and deadline"
        cmp = "≥" if self.direction == "higher" else "≤"
        threshold = f"{self.threshold.normalize():f}"
        return f"{self.metric_name or 'The metric'} {cmp} {threshold} {self.unit} by " + (
            f"{self.deadline:%d %b %Y}" + (" (extended)" if self.extended else "")
        )


def threshold_reached(value: Decimal, threshold: Decimal, direction: str) -> bool:
    return value <= threshold if direction == "lower" else value >= threshold


def kill_condition(
    *, approved, latest_metric: Measurement | None, extend: Decision | None, today: date
) -> KillCondition:
    """on_track / at_risk (deadline within 7 days, threshold not met) / triggered (deadline passed,
    threshold not met) / met — from the latest metric reading and the approved charter."""
    if approved is None or approved.threshold is None or approved.kill_deadline is None:
        return KillCondition(status="undefined", latest=latest_metric, today=today)
    deadline, extended = approved.kill_deadline, False
    if extend is not None and (
        approved.approved_at is None or extend.decided_at >= approved.approved_at
    ):
        deadline, extended = extend.new_kill_deadline, True
    direction = approved.metric_direction or "higher"
    if latest_metric is not None and threshold_reached(
        latest_metric.value, approved.threshold, direction
    ):
        status = "met"
    elif today > deadline:
        status = "triggered"
    elif deadline - today <= AT_RISK_WITHIN:
        status = "at_risk"
    else:
        status = "on_track"
    return KillCondition(
        status=status,
        metric_name=approved.metric_name,
        unit=approved.metric_unit,
        direction=direction,
        threshold=approved.threshold,
        target=approved.metric_target,
        baseline=approved.metric_baseline,
        deadline=deadline,
        extended=extended,
        latest=latest_metric,
        today=today,
    )


@dataclass
class CriterionStatus:
    criterion: GateCriterion
    met: bool
    detail: str
    mark: CriterionMark | None = None

    @property
    def is_manual(self) -> bool:
        return self.criterion.kind == CriterionKind.MANUAL

    @property
    def state(self) -> str:
        if self.is_manual:
            return self.mark.state if self.mark else MarkState.UNMARKED
        return MarkState.MET if self.met else MarkState.NOT_MET


@dataclass
class GateState:
    gate: Gate
    criteria: list[CriterionStatus]
    decision_date: date | None
    extensions_used: int
    max_extensions: int
    decisions: list[Decision]
    # The template of the gate a go opens (None after the pilot: production has no gate).
    next_gate: GateTemplate | None = None

    @property
    def met_count(self) -> int:
        return sum(c.met for c in self.criteria)

    @property
    def total(self) -> int:
        return len(self.criteria)

    @property
    def unmet(self) -> list[CriterionStatus]:
        return [c for c in self.criteria if not c.met]

    @property
    def all_met(self) -> bool:
        return not self.unmet

    @property
    def percent(self) -> int:
        return round(100 * self.met_count / self.total) if self.total else 0

    @property
    def can_extend(self) -> bool:
        return self.extensions_used < self.max_extensions


@dataclass
class ProjectFacts:
    project: Project
    today: date
    approved: object = None
    latest: object = None
    missing: list[str] = field(default_factory=list)
    waiting_for: list[str] = field(default_factory=list)
    latest_by_kind: dict[str, Measurement] = field(default_factory=dict)
    has_api_metric: bool = False
    acceptance: OwnershipAcceptance | None = None
    decision_maker_is_executive: bool = False
    decisions: list[Decision] = field(default_factory=list)
    kill_condition: KillCondition | None = None
    gate: GateState | None = None
    readings: list[Measurement] = field(default_factory=list)
    max_extensions: int = DEFAULT_MAX_EXTENSIONS
    gate_templates: dict[str, GateTemplate] = field(default_factory=dict)

    @property
    def next_decision_default(self) -> date | None:
        """A go at the charter gate sets the graduation gate's decision date to the approved
        charter's (its timebox ends in that decision); after the PoC the decision-maker gives it."""
        if self.gate is None or self.gate.gate.from_stage != Stage.PROPOSED:
            return None
        return getattr(self.approved, "decision_date", None)

    @property
    def decision_date(self) -> date | None:
        return self.gate.decision_date if self.gate else self.project.decision_date

    @property
    def overdue(self) -> bool:
        d = self.decision_date
        return bool(d and d < self.today)

    @property
    def proposal(self) -> str | None:
        """When the kill deadline has come, the decision the numbers support."""
        k = self.kill_condition
        if k is None or not k.deadline_reached or self.gate is None:
            return None
        if k.status == "met":
            if self.gate.all_met:
                return "go"
            return "go once the unmet criteria are met"
        return "kill (metric not reached)" + (" or extend" if self.gate.can_extend else "")


def _charter_facts(facts: dict[int, ProjectFacts]) -> None:
    try:
        from charters import selectors as cs
    except ImportError:  # pragma: no cover - the charters app is always installed
        return
    from charters.models import CharterVersion, Status

    ids = list(facts)
    latest_numbers = {}
    for project_id, number in CharterVersion.objects.filter(
        charter__project_id__in=ids
    ).values_list("charter__project_id", "number"):
        latest_numbers[project_id] = max(number, latest_numbers.get(project_id, 0))
    wanted = Q(status=Status.APPROVED)
    for project_id, number in latest_numbers.items():
        wanted |= Q(charter__project_id=project_id, number=number)
    versions = cs.versions_full().filter(charter__project_id__in=ids).filter(wanted)
    members: dict[int, set[int]] = {}
    executives: dict[int, set[int]] = {}
    for f in facts.values():
        members.setdefault(f.project.organisation_id, set())
        executives.setdefault(f.project.organisation_id, set())
    for org_id, user_id, role in Membership.objects.filter(
        organisation_id__in=list(members)
    ).values_list("organisation_id", "user_id", "role"):
        members[org_id].add(user_id)
        if role == Role.EXECUTIVE:
            executives[org_id].add(user_id)
    for v in versions:
        f = facts[v.charter.project_id]
        if v.status == Status.APPROVED:
            f.approved = v
        if v.number == latest_numbers.get(v.charter.project_id):
            f.latest = v
    for f in facts.values():
        version = f.approved or f.latest
        if version is not None:
            org_id = f.project.organisation_id
            f.missing = cs.missing_items(
                version, members=members[org_id], executives=executives[org_id]
            )
        if f.approved is None and f.latest is not None:
            f.waiting_for = [
                f"{row['person']} ({row['role_label'].lower()})"
                for row in cs.signature_status(f.latest)
                if not row["signature"]
            ]


def _latest_per(queryset, partition: list[str], order: list[str]):
    return queryset.annotate(
        row=Window(RowNumber(), partition_by=[F(p) for p in partition], order_by=order)
    ).filter(row=1)


def load_facts(
    projects,
    *,
    today: date | None = None,
    with_readings: bool = False,
    open_missing_gates: bool = True,
) -> dict[int, ProjectFacts]:
    """Everything the gates of ``projects`` need, keyed by project id, in fixed queries.

    ``projects`` should come with ``with_people()``. With ``open_missing_gates`` the current
    stage's gate is opened (once, through the service) for projects that have none yet.
    """
    today = today or timezone.localdate()
    projects = list(projects)
    facts = {p.pk: ProjectFacts(project=p, today=today) for p in projects}
    if not facts:
        return facts
    ids = list(facts)
    _charter_facts(facts)

    for m in _latest_per(
        Measurement.objects.filter(project_id__in=ids),
        ["project_id", "kind"],
        [F("measured_at").desc(), F("id").desc()],
    ):
        facts[m.project_id].latest_by_kind[m.kind] = m
    for project_id in (
        Measurement.objects.filter(
            project_id__in=ids, kind=MeasurementKind.METRIC, source=MeasurementSource.API
        )
        .values_list("project_id", flat=True)
        .distinct()
    ):
        facts[project_id].has_api_metric = True
    for a in _latest_per(
        OwnershipAcceptance.objects.filter(
            project_id__in=ids, owner_id=F("project__production_owner_id")
        ),
        ["project_id"],
        [F("accepted_at").desc(), F("id").desc()],
    ):
        facts[a.project_id].acceptance = a

    dm_pairs = {(p.organisation_id, p.decision_maker_id) for p in projects if p.decision_maker_id}
    executives = set(
        Membership.objects.filter(
            organisation_id__in={o for o, _ in dm_pairs},
            user_id__in={u for _, u in dm_pairs},
            role=Role.EXECUTIVE,
        ).values_list("organisation_id", "user_id")
    )
    templates = {t.from_stage: t for t in GateTemplate.objects.all()}
    policies = dict(
        OrganisationPolicy.objects.filter(
            organisation_id__in={p.organisation_id for p in projects}
        ).values_list("organisation_id", "max_extensions_per_gate")
    )
    for f in facts.values():
        p = f.project
        f.decision_maker_is_executive = (p.organisation_id, p.decision_maker_id) in executives
        f.max_extensions = policies.get(p.organisation_id, DEFAULT_MAX_EXTENSIONS)
        f.gate_templates = templates

    for d in (
        Decision.objects.filter(project_id__in=ids)
        .select_related("decided_by", "gate", "supersedes", "successor", "superseded_by")
        .order_by("-decided_at", "-id")
    ):
        facts[d.project_id].decisions.append(d)

    for f in facts.values():
        extend = next(
            (d for d in f.decisions if d.outcome == Outcome.EXTEND and not _is_superseded(d)),
            None,
        )
        f.kill_condition = kill_condition(
            approved=f.approved,
            latest_metric=f.latest_by_kind.get(MeasurementKind.METRIC),
            extend=extend,
            today=today,
        )

    if with_readings:
        for m in _recent_readings(ids):
            facts[m.project_id].readings.append(m)

    gates = _current_gates(ids)
    if open_missing_gates:
        missing = [
            f.project
            for pid, f in facts.items()
            if pid not in gates and f.project.stage in ACTIVE_STAGES
        ]
        if missing:
            from .services import gate_open

            for p in missing:
                gate_open(project=p)
            gates = _current_gates(ids)
    for pid, gate in gates.items():
        f = facts[pid]
        f.gate = _gate_state(gate, f)
    return facts


READINGS_SHOWN = 60


def _recent_readings(ids: list[int]) -> list[Measurement]:
    """The last readings of the success metric of each project, oldest first (for the chart)."""
    rows = list(
        Measurement.objects.filter(project_id__in=ids, kind=MeasurementKind.METRIC)
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("project_id")],
                order_by=[F("measured_at").desc(), F("id").desc()],
            )
        )
        .filter(row__lte=READINGS_SHOWN)
        .select_related("recorded_by")
    )
    rows.sort(key=lambda m: (m.measured_at, m.pk))
    return rows


def _is_superseded(d: Decision) -> bool:
    try:
        return d.superseded_by is not None
    except Decision.superseded_by.RelatedObjectDoesNotExist:
        return False


def _gates_with_criteria():
    marks = _latest_per(
        CriterionMark.objects.all(), ["criterion_id"], [F("marked_at").desc(), F("id").desc()]
    ).select_related("marked_by", "evidence_measurement")
    return Gate.objects.select_related("template").prefetch_related(
        Prefetch(
            "criteria",
            queryset=GateCriterion.objects.order_by("order", "id").prefetch_related(
                Prefetch("marks", queryset=marks, to_attr="latest_marks")
            ),
        )
    )


def _current_gates(ids: list[int]) -> dict[int, Gate]:
    gates = _gates_with_criteria().filter(project_id__in=ids, from_stage=F("project__stage"))
    return {g.project_id: g for g in gates}


def gate_state(gate: Gate, facts: ProjectFacts) -> GateState:
    """The state of any gate of a project (e.g. the one a superseded decision was made at)."""
    return _gate_state(_gates_with_criteria().get(pk=gate.pk), facts)


def _gate_state(gate: Gate, f: ProjectFacts) -> GateState:
    statuses = []
    for c in gate.criteria.all():
        if c.kind == CriterionKind.MANUAL:
            mark = c.latest_marks[0] if c.latest_marks else None
            met = bool(mark and mark.state == MarkState.MET)
            if mark is None:
                detail = "Not marked yet: a PM or executive marks it with evidence."
            elif mark.state == MarkState.UNMARKED:
                detail = f"Unmarked by {mark.marked_by} on {mark.marked_at:%d %b %Y}."
            else:
                detail = mark.evidence_text or mark.evidence_url or ""
            statuses.append(CriterionStatus(criterion=c, met=met, detail=detail, mark=mark))
        else:
            check = CHECKS.get(c.check_key)
            if check is None:
                statuses.append(
                    CriterionStatus(
                        criterion=c, met=False, detail=f"Unknown check {c.check_key!r}."
                    )
                )
            else:
                met, detail = check(f)
                statuses.append(CriterionStatus(criterion=c, met=met, detail=detail))
    in_force = [d for d in f.decisions if d.gate_id == gate.pk and not _is_superseded(d)]
    extends = [d for d in in_force if d.outcome == Outcome.EXTEND]
    return GateState(
        gate=gate,
        criteria=statuses,
        decision_date=_gate_decision_date(gate, f, in_force),
        extensions_used=len(extends),
        max_extensions=f.max_extensions,
        decisions=[d for d in f.decisions if d.gate_id == gate.pk],
        next_gate=f.gate_templates.get(gate.to_stage),
    )


def _gate_decision_date(gate: Gate, f: ProjectFacts, in_force: list[Decision]) -> date | None:
    """Each gate has its own decision date. The gate the project stands at has the project's
    (which a go into the stage or an extend sets, and which every list shows); a gate already
    decided keeps the date it had when it was decided, from its decision's snapshot."""
    if f.project.stage == gate.from_stage:
        return f.project.decision_date
    for d in in_force:
        value = (d.snapshot or {}).get("gate", {}).get("decision_date")
        if value:
            return date.fromisoformat(value)
    return None


def project_facts(project: Project, *, with_readings: bool = True, **kwargs) -> ProjectFacts:
    return load_facts([project], with_readings=with_readings, **kwargs)[project.pk]


def decisions_due(user, *, today: date | None = None) -> list[ProjectFacts]:
    """Every gate ``user`` must decide — they are the named decision-maker of an active project
    in an organisation where they are an executive (nobody else may decide) — soonest decision
    date first (no date last)."""
    projects = (
        Project.objects.visible_to(user)
        .active()
        .filter(
            decision_maker=user,
            organisation__in=Membership.objects.filter(user=user, role=Role.EXECUTIVE).values(
                "organisation"
            ),
        )
        .with_people()
    )
    facts = load_facts(projects, today=today)
    return sorted(
        facts.values(),
        key=lambda f: (f.decision_date is None, f.decision_date or date.max, f.project.name),
    )


EVIDENCE_PER_KIND = 20


def evidence_measurements(project: Project) -> list[Measurement]:
    """The readings a criterion mark may cite: the newest of each kind, newest first. The mark
    form offers exactly these and the mark view accepts exactly these (one query)."""
    return list(
        Measurement.objects.filter(project=project)
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("kind")],
                order_by=[F("measured_at").desc(), F("id").desc()],
            )
        )
        .filter(row__lte=EVIDENCE_PER_KIND)
        .order_by("-measured_at", "-id")
    )


def pivot_sources(project: Project) -> list[Decision]:
    """The kills that started ``project`` as their successor (a pivot), with the killed project."""
    return list(
        Decision.objects.filter(successor=project)
        .in_force()
        .select_related("project")
        .order_by("-decided_at", "-id")
    )
