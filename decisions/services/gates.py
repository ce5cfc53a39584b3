"""Gates: opened from their template, due on the date the schedule gives, marked with evidence."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portfolio import audit
from portfolio.models import Project, Stage, User
from portfolio.services import project_touch

from .. import rules, states
from ..models import (
    CriterionKind,
    CriterionMark,
    Gate,
    GateCriterion,
    GateTemplate,
    MarkState,
    Measurement,
)
from ..permissions import CANNOT_MARK, can_mark_criterion


def _raise(field: str, message: str):
    raise ValidationError({field: [message]})


@transaction.atomic
def gate_open(*, project: Project, by: User | None = None, stage: str | None = None) -> Gate | None:
    """The gate of the project's current stage, opened from its template if it is not yet.

    Criteria are copied from the template so later template edits leave this gate alone. The
    gate opens with the due date the schedule gives (``rules.gate_due_date``). Returns None for
    a stage with no gate (production, killed). ``stage`` opens the gate of another stage (the
    demo replays history with it)."""
    stage = stage or project.stage
    existing = Gate.objects.filter(project=project, from_stage=stage).first()
    if existing is not None:
        return existing
    template = GateTemplate.objects.filter(from_stage=stage).prefetch_related("criteria").first()
    if template is None:
        return None
    # Lock the project so two requests cannot open the same gate twice.
    project = Project.objects.select_for_update().get(pk=project.pk)
    existing = Gate.objects.filter(project=project, from_stage=stage).first()
    if existing is not None:
        return existing
    gate = Gate.objects.create(
        project=project,
        template=template,
        name=template.name,
        from_stage=template.from_stage,
        to_stage=template.to_stage,
        due_date=rules.gate_due_date(
            stage=stage, timebox_start=project.timebox_start, decision_date=project.decision_date
        ),
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
    states.refresh(project_ids=[project.pk])
    audit.record(
        actor=by,
        action=audit.Action.GATE_OPENED,
        instance=gate,
        project=project,
        changes={"criteria": [None, [c.title for c in template.criteria.all()]]},
    )
    return gate


def gate_due_follow(*, project: Project, by: User | None, changed: set[str]) -> Gate | None:
    """The open gate's due date follows the project's schedule when it moves: the charter
    gate's the PoC's start, the graduation and production gates' the decision date. A decided
    gate keeps the date it was decided against. Called through ``project_schedule_changed``
    (a date edited before approval, an approved charter, a decision)."""
    if project.stage == Stage.PROPOSED:
        follows = "timebox_start"
    else:
        follows = "decision_date"
    if follows not in changed:
        return None
    gate = Gate.objects.filter(project=project, from_stage=project.stage).first()
    if gate is None:
        return None
    due = rules.gate_due_date(
        stage=project.stage,
        timebox_start=project.timebox_start,
        decision_date=project.decision_date,
    )
    if gate.due_date != due:
        gate.due_date = due
        gate.save(update_fields=["due_date"])
        states.refresh(project_ids=[project.pk])
    return gate


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
    if not can_mark_criterion(by, project):
        raise PermissionDenied(CANNOT_MARK)
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
        action=audit.Action.CRITERION_MARKED,
        instance=criterion,
        project=project,
        changes={"state": [previous.state if previous else None, state]},
        note=evidence_text or evidence_url,
    )
    project_touch(project=project)
    return mark
