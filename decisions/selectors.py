"""Reads that span gates, charters, measurements and decisions. A read never writes.

``load_facts(projects)`` gathers everything a gate needs for many projects in a fixed number of
queries (about a dozen, whatever the number of projects); pages and the decision service both use
it, so the criteria a person sees are the criteria the service enforces. The derived states
(overdue, kill condition status, kill pending…) come from the database annotations of
``decisions.states`` — the same ones the lists and the API read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import F, OrderBy, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from charters import selectors as charter_selectors
from charters.models import CharterVersion, Status
from portfolio.hooks import project_states
from portfolio.models import KillStatus, Membership, Project, ProjectQuerySet, Role, Stage
from portfolio.scoping import member_roles

from . import rules
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

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import WithAnnotations


class _LatestMarks(TypedDict):
    """What ``gates_with_criteria`` prefetches onto each criterion (``to_attr``)."""

    latest_marks: list[CriterionMark]


@dataclass(frozen=True)
class States:
    """One project's derived states, as ``Project.objects.with_states()`` annotates them."""

    gate_due: date | None
    next_due: date | None
    kill_status: str
    kill_pending: bool
    overdue: bool
    stalled: bool


def states_of(ids, *, today: date) -> dict[int, States]:
    """{project id: States} in one query."""
    rows = (
        Project.objects.filter(pk__in=list(ids))
        .with_states(today)
        .values("pk", *project_states.FIELDS)
    )
    return {row.pop("pk"): States(**row) for row in rows}


@dataclass
class KillCondition:
    """The kill condition as a page tells it. Its status is the database's (``States``)."""

    status: str  # a KillStatus value
    metric_name: str = ""
    unit: str = ""
    direction: str = ""
    threshold: Decimal | None = None
    target: Decimal | None = None
    baseline: Decimal | None = None
    deadline: date | None = None
    # Where the deadline comes from: "charter", "extension" or "production gate".
    source: str = "charter"
    latest: Measurement | None = None
    today: date | None = None

    @property
    def label(self) -> str:
        return KillStatus(self.status).label

    @property
    def extended(self) -> bool:
        return self.source == "extension"

    @property
    def days_left(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline and self.today else None

    @property
    def deadline_reached(self) -> bool:
        return self.days_left is not None and self.days_left <= 0

    @property
    def sentence(self) -> str:
        # No full stop: pages end the sentence (after "— 5 days left", say).
        if self.status == KillStatus.NONE:
            return "The kill condition belonged to the PoC and the pilot; this project has none"
        if self.status == KillStatus.UNDEFINED or self.threshold is None:
            return "The kill condition is set by the approved charter's threshold and deadline"
        cmp = "≥" if self.direction == "higher" else "≤"
        threshold = f"{self.threshold.normalize():f}"
        suffix = {
            "extension": " (extended)",
            "production gate": " (the production gate's due date)",
        }.get(self.source, "")
        when = f"{self.deadline:%-d %b %Y}" if self.deadline else "its deadline"
        return f"{self.metric_name or 'The metric'} {cmp} {threshold} {self.unit} by {when}{suffix}"


def kill_condition(
    *,
    project: Project,
    approved: CharterVersion | None,
    states: States,
    latest_metric: Measurement | None,
    today: date,
) -> KillCondition:
    """The page's account of the kill condition: the stored deadline, the approved charter's
    threshold, and the status the database computed."""
    if approved is None or states.kill_status in (KillStatus.NONE, KillStatus.UNDEFINED):
        return KillCondition(status=states.kill_status, latest=latest_metric, today=today)
    deadline = project.kill_deadline
    if project.stage == Stage.PILOT:
        source = "production gate" if deadline == states.gate_due else "extension"
    else:
        source = "charter" if deadline == approved.kill_deadline else "extension"
    return KillCondition(
        status=states.kill_status,
        metric_name=approved.metric_name,
        unit=approved.metric_unit,
        direction=approved.metric_direction or "higher",
        threshold=approved.threshold,
        target=approved.metric_target,
        baseline=approved.metric_baseline,
        deadline=deadline,
        source=source,
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

    @property
    def due_date(self) -> date | None:
        """The date the gate is due — or, once decided, was decided against."""
        return self.gate.due_date


@dataclass
class ProjectFacts:
    project: Project
    today: date
    approved: CharterVersion | None = None
    latest: CharterVersion | None = None
    missing: list[str] = field(default_factory=list)
    waiting_for: list[str] = field(default_factory=list)
    latest_by_kind: dict[str, Measurement] = field(default_factory=dict)
    has_api_metric: bool = False
    acceptance: OwnershipAcceptance | None = None
    decision_maker_is_executive: bool = False
    decisions: list[Decision] = field(default_factory=list)
    kill_condition: KillCondition | None = None
    states: States | None = None
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
    def due_date(self) -> date | None:
        """When the gate the project stands at is due."""
        return self.states.gate_due if self.states else None

    @property
    def overdue(self) -> bool:
        return bool(self.states and self.states.overdue)

    @property
    def stalled(self) -> bool:
        return bool(self.states and self.states.stalled)

    @property
    def kill_pending(self) -> bool:
        return bool(self.states and self.states.kill_pending)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes the decision-maker may record now (no go while kill pending)."""
        return rules.allowed_outcomes(kill_pending=self.kill_pending)

    @property
    def proposal(self) -> str | None:
        """When the kill deadline has come, the decision the numbers support."""
        k = self.kill_condition
        if k is None or not k.deadline_reached or self.gate is None:
            return None
        if k.status == KillStatus.MET:
            if self.gate.all_met:
                return "go"
            return "go once the unmet criteria are met"
        if self.kill_pending:
            return "kill (kill pending: metric not reached)" + (
                " or extend with a reason" if self.gate.can_extend else ""
            )
        return "kill (metric not reached)" + (" or extend" if self.gate.can_extend else "")


def _charter_facts(facts: dict[int, ProjectFacts]) -> None:
    cs = charter_selectors
    ids = list(facts)
    latest_numbers: dict[int, int] = {}
    if len(facts) == 1:
        # One project (its page): the versions its other sections read, loaded once.
        versions = cs.project_versions(next(iter(facts.values())).project)
        if versions:
            latest_numbers[ids[0]] = versions[0].number
    else:
        # The approved version and the newest one of each charter, in one query: the newest is
        # always among them, so the highest number read is the charter's latest.
        newest = (
            CharterVersion.objects.filter(charter_id=OuterRef("charter_id"))
            .order_by("-number")
            .values("number")[:1]
        )
        versions = list(
            cs.versions_full()
            .filter(charter__project_id__in=ids)
            .filter(Q(status=Status.APPROVED) | Q(number=Subquery(newest)))
        )
        for v in versions:
            project_id = v.charter.project_id
            latest_numbers[project_id] = max(v.number, latest_numbers.get(project_id, 0))
    members, executives = cs.members_and_executives(
        {f.project.organisation_id for f in facts.values()}
    )
    for v in versions:
        f = facts[v.charter.project_id]
        if v.status == Status.APPROVED and (f.approved is None or v.number > f.approved.number):
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


def _latest_per(queryset, partition: list[str], order: list[OrderBy]):
    return queryset.annotate(
        row=Window(RowNumber(), partition_by=[F(p) for p in partition], order_by=order)
    ).filter(row=1)


def load_facts(
    projects,
    *,
    today: date | None = None,
    with_readings: bool = False,
) -> dict[int, ProjectFacts]:
    """Everything the gates of ``projects`` need, keyed by project id, in fixed queries.

    ``projects`` should come with ``with_people()``. Reads only: a project whose gate was never
    opened (none should be: registration and every go open one) simply has no gate here.
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
    # Being named is not consent, and neither is an acceptance given before being named.
    for a in _latest_per(
        OwnershipAcceptance.objects.filter(
            Q(project__production_owner_since__isnull=True)
            | Q(accepted_at__gte=F("project__production_owner_since")),
            project_id__in=ids,
            owner_id=F("project__production_owner_id"),
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

    if all(hasattr(p, "kill_status") for p in projects):
        # Read with ``with_states(today)`` by the caller: the rows carry them already.
        states = {
            p.pk: States(**{k: getattr(p, k) for k in project_states.FIELDS}) for p in projects
        }
    else:
        states = states_of(ids, today=today)
    for f in facts.values():
        f.states = states[f.project.pk]
        f.kill_condition = kill_condition(
            project=f.project,
            approved=f.approved,
            states=f.states,
            latest_metric=f.latest_by_kind.get(MeasurementKind.METRIC),
            today=today,
        )

    if with_readings:
        for m in _recent_readings(ids):
            facts[m.project_id].readings.append(m)

    gates = _current_gates(ids)
    for pid, gate in gates.items():
        f = facts[pid]
        f.gate = _gate_state(gate, f)
    return facts


READINGS_SHOWN = 60


def _recent_readings(ids: list[int]) -> list[Measurement]:
    """The last readings of the success metric of each project, oldest first (for the chart)."""
    rows: list[Measurement] = list(
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


def gates_with_criteria():
    """Gates with their criteria and each criterion's newest mark, in fixed queries."""
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
    gates = gates_with_criteria().filter(project_id__in=ids, from_stage=F("project__stage"))
    return {g.project_id: g for g in gates}


def gate_state(gate: Gate, facts: ProjectFacts) -> GateState:
    """The state of any gate of a project (e.g. the one a superseded decision was made at)."""
    return _gate_state(gates_with_criteria().get(pk=gate.pk), facts)


def gate_states(gates) -> dict[int, GateState]:
    """{gate id: GateState} for gates loaded with ``gates_with_criteria`` (and their projects
    with people): fixed queries, whatever the number of gates (the API's gate lists)."""
    gates = list(gates)
    projects = {g.project_id: g.project for g in gates}
    facts = load_facts(projects.values())
    return {g.pk: _gate_state(g, facts[g.project_id]) for g in gates}


def _gate_state(gate: Gate, f: ProjectFacts) -> GateState:
    statuses = []
    # ``latest_marks`` is a prefetch ``to_attr`` (``gates_with_criteria``): the ORM sets it on each
    # criterion at run time, where mypy cannot see it.
    criteria = cast("Iterable[WithAnnotations[GateCriterion, _LatestMarks]]", gate.criteria.all())
    for c in criteria:
        if c.kind == CriterionKind.MANUAL:
            mark = c.latest_marks[0] if c.latest_marks else None
            met = bool(mark and mark.state == MarkState.MET)
            if mark is None:
                detail = "Not marked yet: a PM or executive marks it with evidence."
            elif mark.state == MarkState.UNMARKED:
                detail = f"Unmarked by {mark.marked_by} on {mark.marked_at:%-d %b %Y}."
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
    in_force = [d for d in f.decisions if d.gate_id == gate.pk and not rules.is_superseded(d)]
    extends = [d for d in in_force if d.outcome == Outcome.EXTEND]
    return GateState(
        gate=gate,
        criteria=statuses,
        extensions_used=len(extends),
        max_extensions=f.max_extensions,
        decisions=[d for d in f.decisions if d.gate_id == gate.pk],
        next_gate=f.gate_templates.get(gate.to_stage),
    )


def project_facts(project: Project, *, with_readings: bool = True, **kwargs) -> ProjectFacts:
    return load_facts([project], with_readings=with_readings, **kwargs)[project.pk]


def decisions_due_projects(user) -> ProjectQuerySet:
    """The projects whose gate ``user`` must decide — they are the named decision-maker of an
    active project in an organisation where they are an executive (nobody else may decide) —
    soonest due date first (no date last), then by name. Count it, page it, then load the facts
    of the rows shown (``decisions_due``)."""
    executive_in = [org for org, role in member_roles(user).items() if role == Role.EXECUTIVE]
    return (
        Project.objects.visible_to(user)
        .active()
        .filter(decision_maker=user, organisation__in=executive_in)
        .with_states()
        .order_by(F("gate_due").asc(nulls_last=True), "name", "pk")
    )


def current_gate_names(projects) -> dict[int, str]:
    """{project id: the name of the gate it stands at}, in one query."""
    return dict(
        Gate.objects.filter(
            project_id__in=[p.pk for p in projects], from_stage=F("project__stage")
        ).values_list("project_id", "name")
    )


def decisions_due(projects, *, today: date | None = None) -> list[ProjectFacts]:
    """The facts of ``projects`` (rows of ``decisions_due_projects``: a page or a slice), in
    their order."""
    projects = list(projects)
    facts = load_facts(
        Project.objects.filter(pk__in=[p.pk for p in projects]).with_people().with_states(today),
        today=today,
    )
    return [facts[p.pk] for p in projects if p.pk in facts]


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
