"""Go, kill and extend at a gate, and what a decision does to the project's schedule.

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

The schedule (DOMAIN.md "Dates are moved by decisions"): an extend gives the gate a new due date
and the project a new kill deadline; a go sets the next gate's due date (the project's decision
date) and, into the pilot, makes it the kill deadline; production and a kill end the kill
condition. A decided gate keeps the due date it was decided against — except when the
extension that moved it is itself superseded: then the date it had before comes back.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portfolio import audit
from portfolio.models import KillStatus, Project, Stage, User
from portfolio.rules import DECISION_MAKER_NOT_EXECUTIVE
from portfolio.services import (
    STAGE_TRANSITIONS,
    project_apply,
    project_change_stage,
    project_milestones_record,
    project_register,
    project_touch,
)

from .. import rules, states
from ..models import PERSON_KILL_REASONS, Decision, Gate, GateTemplate, KillReason, Outcome
from ..permissions import CANNOT_DECIDE, can_decide, is_decision_maker
from ..selectors import ProjectFacts, gate_state, project_facts
from .gates import gate_open

GATE_DECIDED = rules.GATE_DECIDED


def _raise(field: str, message: str) -> NoReturn:
    raise ValidationError({field: [message]})


def _snapshot(
    facts: ProjectFacts, *, next_gate: GateTemplate | None, next_decision_date: date | None
) -> dict:
    gate = facts.gate
    k = facts.kill_condition
    assert gate is not None  # decision_record sets the state of the gate being decided
    assert k is not None  # load_facts sets every project's kill condition
    return {
        "taken_at": timezone.now().isoformat(),
        "gate": {
            "id": gate.gate.pk,
            "name": gate.gate.name,
            "from": gate.gate.from_stage,
            "to": gate.gate.to_stage,
            # The date the gate was due when the decision was made.
            "decision_date": gate.due_date.isoformat() if gate.due_date else None,
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
            "label": k.label,
            "threshold": str(k.threshold) if k.threshold is not None else None,
            "direction": k.direction,
            # The kill deadline in force when the decision was made.
            "deadline": facts.project.kill_deadline.isoformat()
            if facts.project.kill_deadline
            else None,
            "kill_pending": facts.kill_pending,
        },
        "charter_version": getattr(facts.approved, "number", None),
    }


def _snapshot_date(decision: Decision, *path: str) -> date | None:
    value: object = decision.snapshot or {}
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _start_successor(*, project: Project, by: User, name: str, facts: ProjectFacts) -> Project:
    """A pivot: a new proposed project in the same organisation, with a draft charter copied
    from the killed project's charter."""
    from charters.permissions import can_edit_charter
    from charters.services import charter_start

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
        production_owner_since=timezone.now() if project.production_owner_id else None,
        created_by=by,
    )
    # The owners are valid: a named owner cannot leave the organisation, nor a decision-maker of
    # a live project lose the executive role (portfolio.services.membership_*).
    project_register(project=successor, by=by, note=f"Pivot from {project.name}, killed.")
    source = facts.approved or facts.latest
    if source is not None:
        starter = by if can_edit_charter(by, successor) else successor.pm
        if starter is not None and can_edit_charter(starter, successor):
            charter_start(project=successor, by=starter, copy_from=source)
    return successor


def _apply_schedule(
    *,
    project: Project,
    decision: Decision,
    gate: Gate,
    next_gate: GateTemplate | None,
    sets_date: date | None,
    superseded: Decision | None,
    by: User,
) -> Project:
    """What the decision does to the dates (see the module docstring), written and audited."""
    outcome = decision.outcome
    if outcome == Outcome.EXTEND:
        due = sets_date
        note = f"Extended at the {gate.name.lower()}."
    elif superseded is not None and superseded.outcome == Outcome.EXTEND:
        # The extension was a mistake: the gate is judged against the date it had before it.
        due = _snapshot_date(superseded, "gate", "decision_date") or gate.due_date
        note = f"The extension at the {gate.name.lower()} was superseded."
    else:
        due = gate.due_date
        note = f"{outcome.capitalize()} at the {gate.name.lower()}."
    closes = outcome in (Outcome.GO, Outcome.KILL) and gate.decided_at is None
    if closes:
        gate.decided_at = decision.decided_at
    if gate.due_date != due or closes:
        gate.due_date = due
        gate.save(update_fields=["due_date", "decided_at"])
        states.refresh(project_ids=[project.pk])
    values: dict[str, date | None] = {
        "kill_deadline": rules.kill_deadline_after(
            outcome=outcome,
            to_stage=decision.to_stage,
            current=project.kill_deadline,
            new_kill_deadline=decision.new_kill_deadline,
            new_decision_date=sets_date,
        )
    }
    if sets_date is not None:
        values["decision_date"] = sets_date
        if outcome == Outcome.GO and next_gate is not None:
            note = (
                f"Decision date of the {next_gate.name.lower()}, set by the go at the "
                f"{gate.name.lower()}."
            )
    return project_apply(
        project=project, by=by, values=values, action=audit.Action.PROJECT_SCHEDULE_SET, note=note
    )


def milestones_refresh(*, project_id: int) -> None:
    """Mirror the project's milestones (PoC started, reached pilot and production, killed: when,
    where, why, by whom) from its in-force decisions onto the project, for the dashboard."""
    in_force = (
        Decision.objects.filter(project_id=project_id, superseded_by__isnull=True)
        .select_related("gate")
        .order_by("decided_at", "id")
    )
    project_milestones_record(project_id=project_id, values=rules.milestones(in_force))


def _kill_pending(facts: ProjectFacts, *, superseded: Decision | None, today: date) -> bool:
    """Whether the lapse default binds this decision. Correcting an extension puts back the
    kill deadline it replaced: if that one has passed with the threshold still not met, the PoC
    is kill pending again."""
    if superseded is None:
        return facts.kill_pending
    if superseded.outcome != Outcome.EXTEND or facts.project.stage != Stage.POC:
        return False
    restored = _snapshot_date(superseded, "kill_condition", "deadline")
    k = facts.kill_condition
    assert k is not None  # load_facts sets every project's kill condition
    return bool(
        restored and restored < today and k.status not in (KillStatus.MET, KillStatus.UNDEFINED)
    )


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

    The outcome rule is ``rules.validate_outcome``: go needs every criterion met and, unless
    after the pilot, the next gate's decision date (at the charter gate it defaults to the
    approved charter's); kill needs a reason category and a rationale and may start a successor
    project (a pivot); extend needs a later kill deadline and a decision date on or after it,
    within a year, and is limited per gate by the organisation's policy. A PoC that is kill
    pending cannot go: it is killed, or extended with a reason. The decision keeps a snapshot of
    the criteria and the latest measurements, writes the stage change and moves the schedule.
    """
    project = Project.objects.select_for_update(of=("self",)).with_people().get(pk=project.pk)
    if not is_decision_maker(by, project):
        raise PermissionDenied(CANNOT_DECIDE)
    if not can_decide(by, project):
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
        gate = gate_open(project=project, by=by)
        if expected_gate is not None:
            if expected_gate.project_id != project.pk:
                _raise("gate", "That gate belongs to another project.")
            if gate is None or expected_gate.pk != gate.pk:
                _raise("gate", GATE_DECIDED)
        if gate is None:
            _raise("outcome", f"A project in {project.get_stage_display()} has no gate to decide.")

    # The facts of the gate being decided (for a supersede: the gate of the superseded decision).
    facts = project_facts(project, with_readings=False, today=today)
    if facts.gate is None or facts.gate.gate.pk != gate.pk:
        facts.gate = gate_state(gate, facts)

    if outcome not in Outcome.values:
        _raise("outcome", "Choose go, kill or extend.")
    targets: dict[str, str] = {
        Outcome.GO: gate.to_stage,
        Outcome.KILL: Stage.KILLED,
        Outcome.EXTEND: gate.from_stage,
    }
    target = targets[outcome]
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

    superseding_extend = supersedes is not None and supersedes.outcome == Outcome.EXTEND
    next_gate = facts.gate.next_gate if outcome == Outcome.GO else None
    sets_date = rules.validate_outcome(
        outcome=outcome,
        context=rules.OutcomeContext(
            gate=facts.gate,
            next_gate_name=next_gate.name if next_gate is not None else None,
            timebox_start=project.timebox_start,
            charter_decision_date=getattr(facts.approved, "decision_date", None),
            # An extension moves the kill deadline in force — for a corrected extension, the
            # one it replaced (a correction may be shorter than the mistake, never shorter than
            # what was in force before it).
            kill_deadline=(
                _snapshot_date(supersedes, "kill_condition", "deadline")
                if supersedes is not None and superseding_extend
                else project.kill_deadline
            ),
            kill_pending=_kill_pending(facts, superseded=supersedes, today=today),
            kill_pending_since=project.kill_deadline,
            today=today,
            superseding_extend=superseding_extend,
        ),
        rationale=rationale,
        reason_category=reason_category,
        kill_reasons=[value for value, _ in PERSON_KILL_REASONS],
        new_kill_deadline=new_kill_deadline,
        new_decision_date=new_decision_date,
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
    else:
        project_touch(project=project)
    project = _apply_schedule(
        project=project,
        decision=decision,
        gate=gate,
        next_gate=next_gate,
        sets_date=sets_date,
        superseded=supersedes,
        by=by,
    )
    if target != decision.from_stage:
        gate_open(project=project, by=by)
    milestones_refresh(project_id=project.pk)
    return decision


@transaction.atomic
def decision_record_lapsed(
    *, project_id: int, policy: str, grace_days: int, today: date | None = None
) -> Decision | None:
    """Kill a PoC whose kill deadline lapsed, by its organisation's policy: an append-only
    decision whose maker is the policy (``decided_by_policy``), not a person, with the reason
    "decision lapsed". Only while the PoC is still kill pending past its grace period — checked
    again under the project's lock, so two sweeps kill it once; returns None otherwise."""
    today = today or timezone.localdate()
    project = Project.objects.select_for_update(of=("self",)).with_people().get(pk=project_id)
    facts = project_facts(project, with_readings=False, today=today)
    deadline = project.kill_deadline
    if (
        not facts.kill_pending
        or facts.gate is None
        or deadline is None
        or deadline + timedelta(days=grace_days) >= today
    ):
        return None
    gate = facts.gate.gate
    rationale = (
        f"Nobody decided: the kill deadline passed on {deadline:%-d %b %Y} with the success "
        f"metric below the sign-off threshold, and {grace_days} days later the PoC was still "
        f"neither killed nor extended. {policy}."
    )
    decision = Decision(
        project=project,
        gate=gate,
        outcome=Outcome.KILL,
        decided_by=None,
        decided_by_policy=policy[:200],
        rationale=rationale,
        reason_category=KillReason.DECISION_LAPSED,
        from_stage=project.stage,
        to_stage=Stage.KILLED,
        snapshot=_snapshot(facts, next_gate=None, next_decision_date=None),
    )
    decision.full_clean()
    decision.save()
    gate.decided_at = decision.decided_at
    gate.save(update_fields=["decided_at"])
    project_change_stage(
        project=project,
        to_stage=Stage.KILLED,
        by=None,
        reason=f"kill at the {gate.name.lower()} by the lapse policy: {rationale}",
        at=decision.decided_at,
    )
    project.refresh_from_db(fields=["stage", "updated_at"])
    project_apply(
        project=project,
        by=None,
        values={"kill_deadline": None},
        action=audit.Action.PROJECT_SCHEDULE_SET,
        note="Killed by the lapse policy.",
    )
    milestones_refresh(project_id=project.pk)
    return decision
