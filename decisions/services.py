"""Every write about gates, evidence, measurements and decisions.

Views, forms, serializers, the admin and the demo only parse input and call these.

Superseding (DOMAIN.md "Decisions are append-only"): a mistaken decision is never edited. The
decision-maker records a new decision with ``supersedes=<the mistaken one>`` and a reason. It is
judged at the same gate by the same rules as a fresh decision (a corrected go still needs every
criterion met), it counts instead of the one it supersedes (an extension that is superseded no
longer counts towards the limit), and it moves the project from where the superseded decision
left it to where the corrected outcome puts it — through ``project_change_stage``, so only
moves the lifecycle allows: a go corrected to a kill (pilot → killed) or an extend corrected to
a go or kill work; a kill cannot be revived by superseding (killed is terminal — start a
successor project instead), and a go cannot be walked back to the earlier stage (kill it).
Only the latest decision in force on the project can be superseded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portfolio import audit
from portfolio.models import Project, Role, Stage, User
from portfolio.scoping import role_in
from portfolio.services import (
    STAGE_TRANSITIONS,
    _unique_slug,
    project_change_stage,
    project_touch,
)

from .models import (
    CriterionKind,
    CriterionMark,
    Decision,
    Gate,
    GateCriterion,
    GateTemplate,
    KillReason,
    MarkState,
    Measurement,
    MeasurementKind,
    MeasurementSource,
    Outcome,
    OwnershipAcceptance,
)

MARKING_ROLES = frozenset({Role.PM, Role.EXECUTIVE})
MEASURING_ROLES = frozenset({Role.PM, Role.EXECUTIVE})
FUTURE_SKEW = timedelta(minutes=5)


def _raise(field: str, message: str):
    raise ValidationError({field: [message]})


# --- gates --------------------------------------------------------------------------------


@transaction.atomic
def gate_open(*, project: Project, by: User | None = None, stage: str | None = None) -> Gate | None:
    """The gate of the project's current stage, opened from its template if it is not yet.

    Criteria are copied from the template so later template edits leave this gate alone.
    Returns None for a stage with no gate (production, killed). ``stage`` opens the gate of
    another stage (the demo replays history with it)."""
    stage = stage or project.stage
    existing = Gate.objects.filter(project=project, from_stage=stage).first()
    if existing is not None:
        return existing
    template = GateTemplate.objects.filter(from_stage=stage).prefetch_related("criteria").first()
    if template is None:
        return None
    # Lock the project so two requests cannot open the same gate twice.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    existing = Gate.objects.filter(project=project, from_stage=stage).first()
    if existing is not None:
        return existing
    gate = Gate.objects.create(
        project=project,
        template=template,
        name=template.name,
        from_stage=template.from_stage,
        to_stage=template.to_stage,
    )
    for c in template.criteria.all():
        GateCriterion.objects.create(
            gate=gate,
            template=c,
            order=c.order,
            key=c.key,
            title=c.title,
            description=c.description,
            kind=c.kind,
            check_key=c.check_key,
        )
    audit.record(
        actor=by,
        action="gate.opened",
        instance=gate,
        project=project,
        changes={"criteria": [None, [c.key for c in template.criteria.all()]]},
    )
    return gate


def gate_for(project: Project) -> Gate | None:
    """The gate the project stands at now (opened when needed)."""
    return gate_open(project=project)


# --- criteria and evidence ----------------------------------------------------------------


@transaction.atomic
def criterion_mark(
    *,
    criterion: GateCriterion,
    state: str,
    by: User,
    evidence_text: str = "",
    evidence_url: str = "",
    evidence_measurement: Measurement | None = None,
) -> CriterionMark:
    """Mark a manual criterion met / not met with evidence, or take a mark back (unmarked).

    Only a PM or executive of the organisation; only before the gate is decided. Every mark is a
    new row: the history of who marked what and when is never overwritten."""
    criterion = GateCriterion.objects.select_related("gate__project").get(pk=criterion.pk)
    gate, project = criterion.gate, criterion.gate.project
    if role_in(by, project.organisation_id) not in MARKING_ROLES:
        raise PermissionDenied("Only a PM or an executive of this organisation can mark criteria.")
    if criterion.kind != CriterionKind.MANUAL:
        _raise("state", "This criterion is checked automatically; it cannot be marked by hand.")
    if project.stage != gate.from_stage:
        _raise("state", "This gate has been decided; its criteria can no longer change.")
    if state not in MarkState.values:
        _raise("state", "Choose met, not met or unmarked.")
    evidence_text = (evidence_text or "").strip()
    evidence_url = (evidence_url or "").strip()
    if evidence_measurement is not None and evidence_measurement.project_id != project.pk:
        _raise("evidence_measurement", "Choose a measurement of this project.")
    previous = criterion.marks.order_by("-marked_at", "-id").first()
    if state == MarkState.UNMARKED:
        if previous is None or previous.state == MarkState.UNMARKED:
            _raise("state", "This criterion is not marked; there is nothing to take back.")
    elif not (evidence_text or evidence_url or evidence_measurement):
        _raise(
            "evidence_text",
            "Give the evidence: a few words, a link, or a measurement of this project.",
        )
    mark = CriterionMark(
        criterion=criterion,
        state=state,
        evidence_text=evidence_text,
        evidence_url=evidence_url,
        evidence_measurement=evidence_measurement,
        marked_by=by,
    )
    mark.full_clean()
    mark.save()
    audit.record(
        actor=by,
        action="criterion.marked",
        instance=criterion,
        project=project,
        changes={"state": [previous.state if previous else None, state]},
        note=evidence_text or evidence_url,
    )
    project_touch(project=project)
    return mark


@transaction.atomic
def ownership_accept(
    *,
    project: Project,
    by: User,
    accepts_run_cost: bool,
    accepts_on_call: bool,
    accepts_budget_line: bool,
    budget_line: str,
    team: str = "",
) -> OwnershipAcceptance:
    """The production owner's side of the handoff: being named is not consent; this is."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.production_owner_id is None or project.production_owner_id != by.pk:
        raise PermissionDenied("Only the project's named production owner can accept ownership.")
    if role_in(by, project.organisation_id) is None:
        raise PermissionDenied("The production owner must be a member of the organisation.")
    errors: dict[str, list[str]] = {}
    for name, value, what in (
        ("accepts_run_cost", accepts_run_cost, "its run cost"),
        ("accepts_on_call", accepts_on_call, "on-call for it"),
        ("accepts_budget_line", accepts_budget_line, "its operations budget line"),
    ):
        if not value:
            errors[name] = [f"Ownership means accepting {what}."]
    budget_line = (budget_line or "").strip()
    if not budget_line:
        errors["budget_line"] = ["Name the budget line that pays for operations."]
    if errors:
        raise ValidationError(errors)
    acceptance = OwnershipAcceptance(
        project=project,
        owner=by,
        accepts_run_cost=True,
        accepts_on_call=True,
        accepts_budget_line=True,
        budget_line=budget_line,
        team=(team or "").strip(),
    )
    acceptance.full_clean()
    acceptance.save()
    audit.record(
        actor=by,
        action="ownership.accepted",
        instance=acceptance,
        project=project,
        changes={"budget_line": [None, budget_line]},
    )
    project_touch(project=project)
    return acceptance


# --- measurements -------------------------------------------------------------------------


@transaction.atomic
def measurement_record(
    *,
    project: Project,
    kind: str,
    value: Decimal | str | float,
    by: User,
    measured_at: datetime | None = None,
    note: str = "",
    source: str = MeasurementSource.MANUAL,
    token_name: str = "",
) -> Measurement:
    """A reading of the success metric, latency or cost (by hand or from a harness's token)."""
    if role_in(by, project.organisation_id) not in MEASURING_ROLES:
        raise PermissionDenied(
            "Only a PM or an executive of this organisation can record measurements."
        )
    errors: dict[str, list[str]] = {}
    if kind not in MeasurementKind.values:
        errors["kind"] = ["Choose the success metric, latency or cost per call."]
    try:
        value = Decimal(str(value))
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = ["Enter a number."]
    else:
        if kind in (MeasurementKind.LATENCY, MeasurementKind.COST) and value < 0:
            errors["value"] = ["Latency and cost cannot be negative."]
    now = timezone.now()
    measured_at = measured_at or now
    if measured_at > now + FUTURE_SKEW:
        errors["measured_at"] = ["A measurement cannot be in the future."]
    if project.stage in (Stage.KILLED,):
        errors["project"] = ["This project was killed; it takes no more measurements."]
    if errors:
        raise ValidationError(errors)
    m = Measurement(
        project=project,
        kind=kind,
        value=value,
        measured_at=measured_at,
        source=source,
        token_name=token_name[:80],
        note=(note or "").strip(),
        recorded_by=by,
    )
    m.full_clean()
    m.save()
    audit.record(
        actor=by,
        action="measurement.recorded",
        instance=m,
        project=project,
        changes={kind: [None, f"{m.value:g}"]},
        note=m.note,
    )
    project_touch(project=project)
    return m


# --- decisions ----------------------------------------------------------------------------


def _snapshot(facts) -> dict:
    from .selectors import KILL_STATUS_LABELS

    gate = facts.gate
    k = facts.kill_condition
    return {
        "taken_at": timezone.now().isoformat(),
        "gate": {
            "id": gate.gate.pk,
            "name": gate.gate.name,
            "from": gate.gate.from_stage,
            "to": gate.gate.to_stage,
            "decision_date": gate.decision_date.isoformat() if gate.decision_date else None,
        },
        "criteria": [
            {
                "key": c.criterion.key,
                "title": c.criterion.title,
                "kind": c.criterion.kind,
                "met": c.met,
                "detail": c.detail,
                "marked_by": str(c.mark.marked_by) if c.mark else None,
                "marked_at": c.mark.marked_at.isoformat() if c.mark else None,
                "evidence_url": c.mark.evidence_url if c.mark else "",
            }
            for c in gate.criteria
        ],
        "criteria_met": f"{gate.met_count} of {gate.total}",
        "measurements": {
            kind: {
                "value": str(m.value),
                "measured_at": m.measured_at.isoformat(),
                "source": m.source,
                "id": m.pk,
            }
            for kind, m in sorted(facts.latest_by_kind.items())
        },
        "kill_condition": {
            "status": k.status,
            "label": KILL_STATUS_LABELS[k.status],
            "threshold": str(k.threshold) if k.threshold is not None else None,
            "direction": k.direction,
            "deadline": k.deadline.isoformat() if k.deadline else None,
        },
        "charter_version": getattr(facts.approved, "number", None),
    }


def _validate_outcome(
    *,
    outcome: str,
    facts,
    rationale: str,
    reason_category: str,
    new_kill_deadline: date | None,
    new_decision_date: date | None,
    today: date,
    superseding: Decision | None,
) -> None:
    gate = facts.gate
    if outcome not in Outcome.values:
        _raise("outcome", "Choose go, kill or extend.")
    errors: dict[str, list[str]] = {}
    if outcome == Outcome.GO and not gate.all_met:
        errors["outcome"] = [
            f"Go is refused: {len(gate.unmet)} of {gate.total} criteria are not met — "
            + "; ".join(c.criterion.title for c in gate.unmet)
            + "."
        ]
    if outcome == Outcome.KILL:
        if reason_category not in KillReason.values:
            errors["reason_category"] = ["Choose why the project is killed."]
        if not rationale:
            errors["rationale"] = ["Say in a sentence or two why it stops."]
    if outcome == Outcome.EXTEND:
        used = gate.extensions_used - (
            1 if superseding is not None and superseding.outcome == Outcome.EXTEND else 0
        )
        if used >= gate.max_extensions:
            errors["outcome"] = [
                f"This gate has already been extended {used}× — the organisation allows "
                f"{gate.max_extensions}. Decide go or kill."
            ]
        if new_kill_deadline is None:
            errors["new_kill_deadline"] = ["Give the new kill deadline."]
        elif new_kill_deadline < today:
            errors["new_kill_deadline"] = ["The new kill deadline cannot be in the past."]
        if new_decision_date is None:
            errors["new_decision_date"] = ["Give the new decision date."]
        elif new_kill_deadline and new_decision_date < new_kill_deadline:
            errors["new_decision_date"] = [
                "The decision date must be on or after the kill deadline."
            ]
        if not rationale:
            errors["rationale"] = ["Say what the extra time is for."]
    if errors:
        raise ValidationError(errors)


def _start_successor(*, project: Project, by: User, name: str, facts) -> Project:
    """A pivot: a new proposed project in the same organisation, with a draft charter copied
    from the killed project's charter."""
    name = (name or "").strip() or f"{project.name} (pivot)"
    successor = Project(
        organisation=project.organisation,
        name=name[:160],
        summary=f"Pivot from {project.name}.",
        business_owner=project.business_owner,
        production_owner=project.production_owner,
        engineering_owner=project.engineering_owner,
        decision_maker=project.decision_maker,
        pm=project.pm,
        created_by=by,
    )
    successor.slug = _unique_slug(organisation=project.organisation, name=successor.name)
    successor.full_clean()
    successor.save()
    audit.record(
        actor=by,
        action="project.created",
        instance=successor,
        changes={"name": [None, successor.name]},
        note=f"Pivot from {project.name}, killed.",
    )
    source = facts.approved or facts.latest
    if source is not None:
        from charters.services import charter_start, user_can_edit_charter

        starter = by if user_can_edit_charter(user=by, project=successor) else successor.pm
        if starter is not None and user_can_edit_charter(user=starter, project=successor):
            charter_start(project=successor, by=starter, copy_from=source)
    return successor


@transaction.atomic
def decision_record(
    *,
    project: Project,
    outcome: str,
    by: User,
    rationale: str = "",
    reason_category: str = "",
    new_kill_deadline: date | None = None,
    new_decision_date: date | None = None,
    pivot: bool = False,
    successor_name: str = "",
    supersedes: Decision | None = None,
    supersede_reason: str = "",
    today: date | None = None,
) -> Decision:
    """Go, kill or extend at the project's current gate, by its named decision-maker only.

    Go needs every criterion met (the refusal lists the unmet ones); kill needs a reason
    category and a rationale and may start a successor project (a pivot); extend needs a new kill
    deadline and decision date and is limited per gate by the organisation's policy. The decision
    keeps a snapshot of the criteria and the latest measurements, and writes the stage change.
    """
    from .selectors import gate_state, project_facts

    project = Project.objects.select_for_update(of=("self",)).with_people().get(pk=project.pk)
    if project.decision_maker_id is None or project.decision_maker_id != by.pk:
        raise PermissionDenied("Only the project's named decision-maker can record a decision.")
    if role_in(by, project.organisation_id) is None:
        raise PermissionDenied("The decision-maker must be a member of the organisation.")
    today = today or timezone.localdate()
    rationale = (rationale or "").strip()
    supersede_reason = (supersede_reason or "").strip()

    if supersedes is not None:
        supersedes = Decision.objects.select_related("gate").get(pk=supersedes.pk)
        if supersedes.project_id != project.pk:
            _raise("supersedes", "That decision belongs to another project.")
        latest = (
            Decision.objects.filter(project=project)
            .in_force()
            .order_by("-decided_at", "-id")
            .first()
        )
        if latest is None or latest.pk != supersedes.pk:
            _raise("supersedes", "Only the latest decision in force can be superseded.")
        if not supersede_reason:
            _raise("supersede_reason", "Say why the earlier decision was a mistake.")
        gate = supersedes.gate
    else:
        gate = gate_open(project=project)
        if gate is None:
            _raise("outcome", f"A project in {project.get_stage_display()} has no gate to decide.")

    # The facts of the gate being decided (for a supersede: the gate of the superseded decision).
    facts = project_facts(project, with_readings=False, today=today, open_missing_gates=False)
    if facts.gate is None or facts.gate.gate.pk != gate.pk:
        facts.gate = gate_state(gate, facts)

    _validate_outcome(
        outcome=outcome,
        facts=facts,
        rationale=rationale,
        reason_category=reason_category,
        new_kill_deadline=new_kill_deadline,
        new_decision_date=new_decision_date,
        today=today,
        superseding=supersedes,
    )
    if pivot and outcome != Outcome.KILL:
        _raise("pivot", "Only a kill can start a successor project.")

    target = {
        Outcome.GO: gate.to_stage,
        Outcome.KILL: Stage.KILLED,
        Outcome.EXTEND: gate.from_stage,
    }[outcome]
    if target != project.stage and target not in STAGE_TRANSITIONS[project.stage]:
        _raise(
            "outcome",
            f"A superseding decision cannot move the project from {project.get_stage_display()} "
            f"back to {Stage(target).label}: "
            + (
                "a killed project stays killed — start a successor project instead."
                if project.stage == Stage.KILLED
                else "kill it, or supersede it with a kill."
            ),
        )

    successor = None
    if pivot:
        successor = _start_successor(project=project, by=by, name=successor_name, facts=facts)

    decision = Decision(
        project=project,
        gate=gate,
        outcome=outcome,
        decided_by=by,
        rationale=rationale,
        reason_category=reason_category if outcome == Outcome.KILL else "",
        new_kill_deadline=new_kill_deadline if outcome == Outcome.EXTEND else None,
        new_decision_date=new_decision_date if outcome == Outcome.EXTEND else None,
        from_stage=project.stage,
        to_stage=target,
        supersedes=supersedes,
        supersede_reason=supersede_reason,
        successor=successor,
        snapshot=_snapshot(facts),
    )
    decision.full_clean()
    decision.save()

    label = Outcome(outcome).label.lower()
    if target != project.stage:
        project_change_stage(
            project=project,
            to_stage=target,
            by=by,
            reason=f"{label} at the {gate.name.lower()}"
            + (f" (supersedes decision #{supersedes.pk})" if supersedes else "")
            + (f": {rationale}" if rationale else ""),
            at=decision.decided_at,
        )
        project.refresh_from_db(fields=["stage"])
        gate_open(project=project, by=by)
    else:
        project_touch(project=project)
    return decision
