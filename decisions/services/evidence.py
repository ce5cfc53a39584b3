"""Evidence at a gate: readings of the success metric, latency and cost, and the production
owner's acceptance of the handoff."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from charters.models import CharterVersion
from charters.models import Status as CharterStatus
from charters.rules import is_percentage, percentage_problem
from portfolio import audit
from portfolio.models import Project, Stage, User
from portfolio.services import project_touch

from .. import states
from ..models import Measurement, MeasurementKind, MeasurementSource, OwnershipAcceptance
from ..permissions import (
    CANNOT_ACCEPT,
    CANNOT_MEASURE,
    OWNER_NOT_MEMBER,
    can_accept_ownership,
    can_record_measurement,
)
from ..rules import READING_NOT_A_NUMBER, reading_value

FUTURE_SKEW = timedelta(minutes=5)
TEAM_REQUIRED = "Name the team that will run it."


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
        raise PermissionDenied(CANNOT_ACCEPT)
    if not can_accept_ownership(by, project):
        raise PermissionDenied(OWNER_NOT_MEMBER)
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
        action=audit.Action.OWNERSHIP_ACCEPTED,
        instance=acceptance,
        project=project,
        changes={"budget_line": [None, budget_line]},
    )
    project_touch(project=project)
    return acceptance


# --- measurements -------------------------------------------------------------------------


def _local_day(moment: datetime) -> date:
    """The day ``moment`` falls on here; ``date.min`` when it cannot be placed in this time zone
    (``0001-01-01T00:00+14:00`` is before year 1 in UTC), so it reads as before the project."""
    try:
        return timezone.localtime(moment).date()
    except OverflowError:
        return date.min


def _earliest_reading_day(project: Project) -> date:
    """Readings start when the project does: the day it was registered, or its timebox start
    when the PoC began before it was registered here. A reading dated 0001-01-01 is a typo."""
    created = timezone.localtime(project.created_at).date()
    start = project.timebox_start
    return min(created, start) if start else created


@transaction.atomic
def _metric_unit(project: Project) -> str:
    """The success metric's unit: the approved charter's, else the latest draft's."""
    versions = CharterVersion.objects.filter(charter__project=project).order_by("-number")
    units = list(versions.values_list("status", "metric_unit")[:10])
    approved = [unit for status, unit in units if status == CharterStatus.APPROVED]
    return (approved or [unit for _, unit in units] or [""])[0]


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
    if not can_record_measurement(by, project):
        raise PermissionDenied(CANNOT_MEASURE)
    errors: dict[str, list[str]] = {}
    if kind not in MeasurementKind.values:
        errors["kind"] = ["Choose the success metric, latency or cost per call."]
    try:
        value = reading_value(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        errors["value"] = [READING_NOT_A_NUMBER]
    except ValidationError as exc:
        errors["value"] = exc.messages
    else:
        if kind in (MeasurementKind.LATENCY, MeasurementKind.COST) and value < 0:
            errors["value"] = ["Latency and cost cannot be negative."]
        elif (
            kind == MeasurementKind.METRIC
            and is_percentage(_metric_unit(project))
            and (problem := percentage_problem(value))
        ):
            errors["value"] = [problem]
    now = timezone.now()
    measured_at = measured_at or now
    earliest = _earliest_reading_day(project)
    if measured_at > now + FUTURE_SKEW:
        errors["measured_at"] = ["A measurement cannot be in the future."]
    elif _local_day(measured_at) < earliest:
        errors["measured_at"] = [
            f"A measurement cannot be dated before the project began ({earliest:%-d %b %Y})."
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
    if kind == MeasurementKind.METRIC:
        states.refresh(project_ids=[project.pk])
    audit.record(
        actor=by,
        action=audit.Action.MEASUREMENT_RECORDED,
        instance=m,
        project=project,
        changes={kind: [None, f"{m.value:g}"]},
        note=m.note,
    )
    project_touch(project=project)
    return m
