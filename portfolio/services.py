"""Every write to the portfolio goes through these functions; views, forms, serializers,
admin actions and tasks only parse input and call them."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import audit
from .models import (
    OWNER_FIELDS,
    Membership,
    Organisation,
    PersonalAccessToken,
    Project,
    Role,
    Stage,
    StageChange,
    TokenScope,
    User,
    WorkerHeartbeat,
)
from .scoping import is_pm, role_in

PROJECT_EDITABLE_FIELDS = (
    "name",
    "summary",
    *OWNER_FIELDS,
    "timebox_start",
    "timebox_end",
    "decision_date",
)


def user_role_in(*, user: User, organisation: Organisation) -> str | None:
    return role_in(user, organisation.pk)


def user_can_edit_project(*, user: User, project: Project) -> bool:
    return is_pm(user, project.organisation_id)


def _unique_slug(*, organisation: Organisation, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:170] or "project"
    slug, n = base, 2
    existing = Project.objects.filter(organisation=organisation)
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    taken = set(existing.filter(slug__startswith=base).values_list("slug", flat=True))
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate_project(project: Project) -> None:
    """Model rules plus the tenancy rule: every named owner is a member of the organisation."""
    errors: dict[str, list[str]] = {}
    try:
        # Database constraints are checked with messages about their field: the timebox order
        # below, the slug by _unique_slug; so no generic "constraint violated" text is shown.
        project.full_clean(exclude=["slug"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    people = {f: getattr(project, f"{f}_id") for f in OWNER_FIELDS}
    member_ids = set(
        Membership.objects.filter(
            organisation_id=project.organisation_id,
            user_id__in=[pk for pk in people.values() if pk],
        ).values_list("user_id", flat=True)
    )
    for field, pk in people.items():
        if pk and pk not in member_ids:
            errors.setdefault(field, []).append(
                "This person is not a member of the project's organisation."
            )
    if (
        project.timebox_start
        and project.timebox_end
        and project.timebox_end < project.timebox_start
    ):
        errors.setdefault("timebox_end", []).append("The timebox cannot end before it starts.")
    if (
        project.decision_date
        and project.timebox_start
        and project.decision_date < project.timebox_start
    ):
        errors.setdefault("decision_date", []).append(
            "The decision date cannot be before the timebox starts."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def project_create(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    summary: str = "",
    business_owner: User | None = None,
    production_owner: User | None = None,
    engineering_owner: User | None = None,
    decision_maker: User | None = None,
    pm: User | None = None,
    timebox_start: date | None = None,
    timebox_end: date | None = None,
    decision_date: date | None = None,
) -> Project:
    if user_role_in(user=by, organisation=organisation) != Role.PM:
        raise PermissionDenied("Only a PM of this organisation can register a project.")
    project = Project(
        organisation=organisation,
        name=name.strip(),
        summary=summary,
        business_owner=business_owner,
        production_owner=production_owner,
        engineering_owner=engineering_owner,
        decision_maker=decision_maker,
        pm=pm if pm is not None else by,
        timebox_start=timebox_start,
        timebox_end=timebox_end,
        decision_date=decision_date,
        created_by=by,
    )
    _validate_project(project)
    project.slug = _unique_slug(organisation=organisation, name=project.name)
    project.save()
    audit.record(
        actor=by,
        action="project.created",
        instance=project,
        changes={
            k: [None, v]
            for k, v in audit.snapshot(project, ["name", "summary", *OWNER_FIELDS]).items()
            if v
        },
    )
    return project


@transaction.atomic
def project_update(*, project: Project, by: User, **changes) -> Project:
    unknown = set(changes) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["This field cannot be changed here."] for f in sorted(unknown)})
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not user_can_edit_project(user=by, project=project):
        raise PermissionDenied("Only a PM of this organisation can edit its projects.")
    before = audit.snapshot(project, PROJECT_EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(
            project, field, value.strip() if field == "name" and isinstance(value, str) else value
        )
    _validate_project(project)
    if "name" in changes:
        project.slug = _unique_slug(
            organisation=project.organisation, name=project.name, exclude_pk=project.pk
        )
    changed = audit.diff(before, audit.snapshot(project, PROJECT_EDITABLE_FIELDS))
    if changed:
        project.updated_at = timezone.now()
        project.save()
        audit.record(actor=by, action="project.updated", instance=project, changes=changed)
    return project


def project_touch(*, project: Project) -> None:
    """Mark activity on a project (charters, evidence, measurements count as activity).

    Only the activity time changes, and the event that caused it is audited by its own service.
    """
    Project.objects.filter(pk=project.pk).unaudited_update(updated_at=timezone.now())


# Allowed transitions. Decisions (decisions app) are the only caller of project_change_stage.
STAGE_TRANSITIONS: dict[str, set[str]] = {
    Stage.PROPOSED: {Stage.POC, Stage.KILLED},
    Stage.POC: {Stage.PILOT, Stage.KILLED},
    Stage.PILOT: {Stage.PRODUCTION, Stage.KILLED},
    Stage.PRODUCTION: {Stage.KILLED},
    Stage.KILLED: set(),
}


@transaction.atomic
def project_change_stage(
    *,
    project: Project,
    to_stage: str,
    by: User | None,
    reason: str = "",
    at: datetime | None = None,
) -> StageChange:
    """Move a project to another stage and log it. Not for views: decisions call this."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if to_stage not in STAGE_TRANSITIONS[project.stage]:
        raise ValidationError(
            {"stage": [f"A project cannot move from {project.stage} to {to_stage}."]}
        )
    at = at or timezone.now()
    change = StageChange.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage=to_stage,
        changed_by=by,
        changed_at=at,
        reason=reason,
    )
    before = project.stage
    project.stage = to_stage
    project.updated_at = at
    project.save(update_fields=["stage", "updated_at"])
    audit.record(
        actor=by,
        action="project.stage_changed",
        instance=project,
        changes={"stage": [before, to_stage]},
        note=reason,
    )
    return change


@transaction.atomic
def membership_set(
    *, user: User, organisation: Organisation, role: str, by: User | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [f"Unknown role {role!r}."]})
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        audit.record(
            actor=by,
            action="membership.created",
            instance=membership,
            changes={"role": [None, role]},
        )
    elif membership.role != role:
        old, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        audit.record(
            actor=by,
            action="membership.updated",
            instance=membership,
            changes={"role": [old, role]},
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None) -> None:
    audit.record(
        actor=by,
        action="membership.removed",
        instance=membership,
        changes={"role": [membership.role, None]},
    )
    membership.delete()


def token_create(
    *, user: User, name: str, scope: str = TokenScope.READ, expires_at: datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """Create a token and return it with its secret. The secret is never stored or shown again."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the token a name, e.g. the tool that will use it."]
    if scope not in TokenScope.values:
        errors["scope"] = ["Choose read only or read and write."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    if errors:
        raise ValidationError(errors)
    secret = PersonalAccessToken.PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        key_prefix=secret[:10],
        key_hash=PersonalAccessToken.hash_secret(secret),
    )
    return token, secret


def token_revoke(*, token: PersonalAccessToken, by: User) -> PersonalAccessToken:
    if token.user_id != by.pk:
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, secret: str) -> PersonalAccessToken | None:
    """The usable token for a secret, with its last-used time brought up to date, or None."""
    if not secret:
        return None
    token = (
        PersonalAccessToken.objects.usable()
        .select_related("user")
        .filter(key_hash=PersonalAccessToken.hash_secret(secret))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write at most once a minute: last-used is for humans, not an audit log.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def heartbeat_record(*, name: str = "worker") -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now()}
    )
    return beat
