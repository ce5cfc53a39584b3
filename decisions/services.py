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
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portfolio import audit
from portfolio.models import Project, Role, Stage, User
from portfolio.scoping import role_in
from portfolio.services import (
    DECISION_MAKER_NOT_EXECUTIVE,
    STAGE_TRANSITIONS,
    project_change_stage,
    project_register,
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
TEAM_REQUIRED = "Name the team that will run it."


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
        changes={"criteria": [None, [c.title for c in template.criteria.all()]]},
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
    criterion = GateCriterion.objects.select_related("gate").get(pk=criterion.pk)
    gate = criterion.gate
    # Lock the project before reading its stage: ``decision_record`` holds this lock while it
    # moves the stage, so a mark waits for a decision in flight and then sees the gate closed.
    project = Project.objects.select_for_update().get(pk=gate.project_id)
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
    """The production owner's side of the handoff: being named is not consent; this is.

    DOMAIN.md: "one person, in one team, with a budget line for operations" — so the team is
    required as well as the three commitments and the budget line."""
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
    team = (team or "").strip()
    if not team:
        errors["team"] = [TEAM_REQUIRED]
    if errors:
        raise ValidationError(errors)
    acceptance = OwnershipAcceptance(
        project=project,
        owner=by,
        accepts_run_cost=True,
        accepts_on_call=True,
        accepts_budget_line=True,
        budget_line=budget_line,
        team=team,
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

VALUE_PLACES = Decimal("0.0001")  # Measurement.value has 4 decimal places
VALUE_LIMIT = Decimal(10) ** 12  # ... and 16 digits in all


def _earliest_reading_day(project: Project) -> date:
    """Readings start when the project does: the day it was registered, or its timebox start
    when the PoC began before it was registered here. A reading dated 0001-01-01 is a typo."""
    created = timezone.localtime(project.created_at).date()
    start = project.timebox_start
    return min(created, start) if start else created


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
        if abs(value) >= VALUE_LIMIT:
            errors["value"] = ["Enter a number with at most 12 digits before the decimal point."]
        else:
            # A harness reports 0.87654321; the reading keeps the 4 decimal places it stores.
            value = value.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)
            if kind in (MeasurementKind.LATENCY, MeasurementKind.COST) and value < 0:
                errors["value"] = ["Latency and cost cannot be negative."]
    now = timezone.now()
    measured_at = measured_at or now
    earliest = _earliest_reading_day(project)
    if measured_at > now + FUTURE_SKEW:
        errors["measured_at"] = ["A measurement cannot be in the future."]
    elif timezone.localtime(measured_at).date() < earliest:
        errors["measured_at"] = [
            f"A measurement cannot be dated before the project began ({earliest:%d %b %Y})."
        ]
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

# How far ahead a decision may set a date: an extension's kill deadline and decision date, and
# the next gate's decision date set by a go. A year covers any pilot; 9999-12-31 is a typo.
DATE_HORIZON = timedelta(days=365)
GATE_DECIDED = "This gate has already been decided."


def _stage_word(stage: str) -> str:
    """A stage's name inside a sentence: "the pilot", "the PoC"."""
    label = Stage(stage).label
    return label if label.isupper() or label == "PoC" else label.lower()


def _snapshot(facts, *, next_gate: GateTemplate | None, next_decision_date: date | None) -> dict:
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
        "next_gate": (
            {
                "name": next_gate.name,
                "decision_date": next_decision_date.isoformat() if next_decision_date else None,
            }
            if next_gate is not None
            else None
        ),
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


def _kill_deadline_before(facts, *, superseding: Decision | None, today: date) -> date | None:
    """The kill deadline an extension extends: the approved charter's, or the last extension's
    in force — not counting the extension being corrected (a correction of a mistyped date may
    be shorter than the mistake, never shorter than what was in force before it)."""
    from .selectors import _is_superseded, kill_condition

    extend = next(
        (
            d
            for d in facts.decisions
            if d.outcome == Outcome.EXTEND
            and not _is_superseded(d)
            and (superseding is None or d.pk != superseding.pk)
        ),
        None,
    )
    return kill_condition(
        approved=facts.approved, latest_metric=None, extend=extend, today=today
    ).deadline


def _check_date(
    errors: dict, field: str, value: date, *, today: date, project: Project, what: str
) -> None:
    limit = today + DATE_HORIZON
    if value < today:
        errors[field] = [f"The {what} cannot be in the past."]
    elif value > limit:
        errors[field] = [
            f"The {what} can be at most a year ahead: give a date by {limit:%d %b %Y}."
        ]
    elif project.timebox_start and value < project.timebox_start:
        errors[field] = [
            f"The {what} cannot be before the timebox starts ({project.timebox_start:%d %b %Y})."
        ]


def _validate_outcome(
    *,
    outcome: str,
    facts,
    rationale: str,
    reason_category: str,
    new_kill_deadline: date | None,
    new_decision_date: date | None,
    next_gate: GateTemplate | None,
    today: date,
    superseding: Decision | None,
) -> date | None:
    """Raise the rule an outcome breaks, field by field. Returns the decision date the decision
    sets: the gate's new one for an extend, the next gate's for a go (None otherwise)."""
    gate = facts.gate
    project = facts.project
    errors: dict[str, list[str]] = {}
    sets_date = None
    if outcome == Outcome.GO:
        if not gate.all_met:
            errors["outcome"] = [
                f"Go is refused: {len(gate.unmet)} of {gate.total} criteria are not met — "
                + "; ".join(c.criterion.title for c in gate.unmet)
                + "."
            ]
        if next_gate is None:
            if new_decision_date is not None:
                errors["new_decision_date"] = [
                    f"No gate follows {_stage_word(gate.gate.to_stage)}: "
                    "leave the decision date empty."
                ]
        elif new_decision_date is not None:
            sets_date = new_decision_date
            _check_date(
                errors,
                "new_decision_date",
                new_decision_date,
                today=today,
                project=project,
                what=f"decision date of the {next_gate.name.lower()}",
            )
        elif gate.gate.from_stage == Stage.PROPOSED and getattr(
            facts.approved, "decision_date", None
        ):
            # The charter's timebox ends in the decision the PoC leads to: the graduation gate.
            sets_date = facts.approved.decision_date
        else:
            errors["new_decision_date"] = [
                f"Give the decision date of the {next_gate.name.lower()}: "
                f"when the {_stage_word(gate.gate.to_stage)} will be decided."
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
        current = _kill_deadline_before(facts, superseding=superseding, today=today)
        if new_kill_deadline is None:
            errors["new_kill_deadline"] = ["Give the new kill deadline."]
        elif current is not None and new_kill_deadline <= current:
            errors["new_kill_deadline"] = [
                "An extension gives more time: the new kill deadline must be later than the "
                f"current one ({current:%d %b %Y})."
            ]
        else:
            _check_date(
                errors,
                "new_kill_deadline",
                new_kill_deadline,
                today=today,
                project=project,
                what="new kill deadline",
            )
        if new_decision_date is None:
            errors["new_decision_date"] = ["Give the new decision date."]
        elif new_kill_deadline and new_decision_date < new_kill_deadline:
            errors["new_decision_date"] = [
                "The decision date must be on or after the kill deadline."
            ]
        else:
            _check_date(
                errors,
                "new_decision_date",
                new_decision_date,
                today=today,
                project=project,
                what="new decision date",
            )
        sets_date = new_decision_date
        if not rationale:
            errors["rationale"] = ["Say what the extra time is for."]
    if errors:
        raise ValidationError(errors)
    return sets_date


def _set_decision_date(*, project: Project, decision_date: date, by: User, note: str) -> None:
    """The project's decision date is the date of the gate it stands at: every list, badge and
    reminder reads it. A decision that sets a gate's date writes it here, audited."""
    before = project.decision_date
    if before == decision_date:
        return
    project.decision_date = decision_date
    project.updated_at = timezone.now()
    project.save(update_fields=["decision_date", "updated_at"])
    audit.record(
        actor=by,
        action="project.decision_date_set",
        instance=project,
        changes={"decision_date": [audit._plain(before), audit._plain(decision_date)]},
        note=note,
    )


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
    # The owners are valid: a named owner cannot leave the organisation, nor a decision-maker of
    # a live project lose the executive role (portfolio.services.membership_*).
    project_register(project=successor, by=by, note=f"Pivot from {project.name}, killed.")
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
    gate: Gate | None = None,
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
    """Go, kill or extend at the project's current gate, by its named decision-maker only, who
    must be an executive of the organisation.

    ``gate`` is the gate the decision-maker looked at (pages and the API always send it): when
    it is no longer the current gate — a double click, a stale page, a retried request — the
    decision is refused instead of being judged against the next gate.

    Go needs every criterion met (the refusal lists the unmet ones) and sets the decision date
    of the next gate (``new_decision_date``: required after the PoC; at the charter gate it
    defaults to the approved charter's decision date; production has no gate). Kill needs a
    reason category and a rationale and may start a successor project (a pivot). Extend needs a
    kill deadline later than the current one and a decision date on or after it, both within a
    year, and is limited per gate by the organisation's policy. A decision date set by a go or
    an extend becomes the project's decision date. The decision keeps a snapshot of the
    criteria and the latest measurements, and writes the stage change.
    """
    from .selectors import gate_state, project_facts

    project = Project.objects.select_for_update(of=("self",)).with_people().get(pk=project.pk)
    if project.decision_maker_id is None or project.decision_maker_id != by.pk:
        raise PermissionDenied("Only the project's named decision-maker can record a decision.")
    if role_in(by, project.organisation_id) != Role.EXECUTIVE:
        raise PermissionDenied(DECISION_MAKER_NOT_EXECUTIVE)
    today = today or timezone.localdate()
    rationale = (rationale or "").strip()
    supersede_reason = (supersede_reason or "").strip()
    expected_gate = gate

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
        if expected_gate is not None and expected_gate.pk != gate.pk:
            _raise("gate", "The decision you correct was made at another gate.")
    else:
        gate = gate_open(project=project)
        if expected_gate is not None:
            if expected_gate.project_id != project.pk:
                _raise("gate", "That gate belongs to another project.")
            if gate is None or expected_gate.pk != gate.pk:
                _raise("gate", GATE_DECIDED)
        if gate is None:
            _raise("outcome", f"A project in {project.get_stage_display()} has no gate to decide.")

    # The facts of the gate being decided (for a supersede: the gate of the superseded decision).
    facts = project_facts(project, with_readings=False, today=today, open_missing_gates=False)
    if facts.gate is None or facts.gate.gate.pk != gate.pk:
        facts.gate = gate_state(gate, facts)

    if outcome not in Outcome.values:
        _raise("outcome", "Choose go, kill or extend.")
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

    next_gate = facts.gate.next_gate if outcome == Outcome.GO else None
    sets_date = _validate_outcome(
        outcome=outcome,
        facts=facts,
        rationale=rationale,
        reason_category=reason_category,
        new_kill_deadline=new_kill_deadline,
        new_decision_date=new_decision_date,
        next_gate=next_gate,
        today=today,
        superseding=supersedes,
    )
    if pivot and outcome != Outcome.KILL:
        _raise("pivot", "Only a kill can start a successor project.")

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
        new_decision_date=sets_date,
        from_stage=project.stage,
        to_stage=target,
        supersedes=supersedes,
        supersede_reason=supersede_reason,
        successor=successor,
        snapshot=_snapshot(facts, next_gate=next_gate, next_decision_date=sets_date),
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
        project.refresh_from_db(fields=["stage", "updated_at"])
        gate_open(project=project, by=by)
    else:
        project_touch(project=project)
    if sets_date is not None:
        _set_decision_date(
            project=project,
            decision_date=sets_date,
            by=by,
            note=(
                f"Extended at the {gate.name.lower()}."
                if outcome == Outcome.EXTEND
                else f"Decision date of the {next_gate.name.lower()}, set by the go at the "
                f"{gate.name.lower()}."
            ),
        )
    return decision
