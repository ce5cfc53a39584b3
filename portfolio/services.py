"""Every write to the portfolio goes through these functions; views, forms, serializers,
admin actions and tasks only parse input and call them."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from . import audit, rules
from .hooks import project_created, project_schedule_changed, project_states
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
    owner_label,
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


def can_edit_project(user: User, project: Project) -> bool:
    """Edit a project's fields: a PM of its organisation."""
    return is_pm(user, project.organisation_id)


def _admin_may(user: User, action: str) -> bool:
    """An admin working in the Django admin: staff with the model permission (or superuser)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm(f"portfolio.{action}_project")
    )


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


NOT_A_MEMBER = rules.NOT_A_MEMBER
ORGANISATION_INACTIVE = (
    "This organisation is deactivated: it takes no new projects. Reactivate it in the admin first."
)
DECISION_MAKER_NOT_EXECUTIVE = rules.DECISION_MAKER_NOT_EXECUTIVE


def project_validate(project: Project) -> None:
    """Model rules plus the tenancy rules: every named owner is a member of the organisation,
    and the decision-maker is one of its executives (DOMAIN.md)."""
    errors: dict[str, list[str]] = {}
    try:
        # Database constraints are checked with messages about their field: the timebox order
        # below, the slug by _unique_slug; so no generic "constraint violated" text is shown.
        project.full_clean(exclude=["slug"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    text = rules.text_errors(
        {"name": project.name, "summary": project.summary}, names=("name",), texts=("summary",)
    )
    for field, messages in text.items():
        errors.setdefault(field, []).extend(messages)
    if project.pk is None and project.organisation_id and not project.organisation.is_active:
        errors.setdefault("organisation", []).append(ORGANISATION_INACTIVE)
    people = {f: getattr(project, f"{f}_id") for f in OWNER_FIELDS}
    roles = dict(
        Membership.objects.filter(
            organisation_id=project.organisation_id,
            user_id__in=[pk for pk in people.values() if pk],
        ).values_list("user_id", "role")
    )
    for field, pk in people.items():
        if pk and pk not in roles:
            errors.setdefault(field, []).append(NOT_A_MEMBER)
    decision_maker = people["decision_maker"]
    if (
        decision_maker
        and decision_maker in roles
        and roles[decision_maker] != Role.EXECUTIVE
        and _decision_maker_rule_applies(project)
    ):
        errors.setdefault("decision_maker", []).append(DECISION_MAKER_NOT_EXECUTIVE)
    # An absurd date (year 1, 9999) gets one message; the comparisons wait until it is fixed.
    out_of_range = rules.date_range_errors({f: getattr(project, f) for f in rules.SCHEDULE_FIELDS})
    for field, messages in out_of_range.items():
        errors.setdefault(field, []).extend(messages)
    start, end, decision = (
        None if f in out_of_range else getattr(project, f) for f in rules.SCHEDULE_FIELDS
    )
    if start and end and end < start:
        errors.setdefault("timebox_end", []).append("The timebox cannot end before it starts.")
    if decision and start and decision < start:
        errors.setdefault("decision_date", []).append(
            "The decision date cannot be before the timebox starts."
        )
    if errors:
        raise ValidationError(errors)


def _decision_maker_rule_applies(project: Project) -> bool:
    """Whether a non-executive decision-maker is refused on this save.

    Always for a new project, a project still in flight, or a newly named decision-maker. A
    project in production or killed keeps the decision-maker who made its calls, even if they
    have since left the executive role: editing its summary must not fail on history.
    """
    if project.pk is None or project.stage not in (Stage.PRODUCTION, Stage.KILLED):
        return True
    stored = Project.objects.filter(pk=project.pk).values_list("decision_maker_id", flat=True)
    return stored.first() != project.decision_maker_id


def _is_slug_clash(exc: IntegrityError) -> bool:
    text = str(exc)
    return "project_slug_per_org" in text or "portfolio_project.slug" in text


def _save_with_free_slug(project: Project, *, exclude_pk: int | None = None) -> None:
    """Save ``project`` under the first free slug for its name.

    The slug is picked by reading what is taken, so two saves of the same name at the same
    moment can pick the same one; the loser of that race hits the unique constraint. Each try
    runs in a savepoint, so the clash is rolled back alone and the next free slug is tried.
    """
    for attempt in range(5):
        project.slug = _unique_slug(
            organisation=project.organisation, name=project.name, exclude_pk=exclude_pk
        )
        try:
            with transaction.atomic():
                project.save()
            return
        except IntegrityError as exc:
            if not _is_slug_clash(exc) or attempt == 4:
                raise
            if exclude_pk is None:
                project.pk = None  # the failed INSERT must not leave an id behind
                project._state.adding = True


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
    via_admin: bool = False,
) -> Project:
    """Register a project. ``via_admin`` is for the Django admin only: a staff user with the
    add permission may then register a project in an organisation they are not a PM of (the
    PM is not defaulted to them); every other rule, and the audit, stay the same."""
    if via_admin:
        if not _admin_may(by, "add"):
            raise PermissionDenied("Only an admin with the right to add projects can do this.")
    elif role_in(by, organisation.pk) != Role.PM:
        raise PermissionDenied("Only a PM of this organisation can register a project.")
    project = Project(
        organisation=organisation,
        name=name.strip(),
        summary=summary,
        business_owner=business_owner,
        production_owner=production_owner,
        engineering_owner=engineering_owner,
        decision_maker=decision_maker,
        pm=pm if pm is not None or via_admin else by,
        timebox_start=timebox_start,
        timebox_end=timebox_end,
        decision_date=decision_date,
        production_owner_since=timezone.now() if production_owner is not None else None,
        created_by=by,
    )
    return project_register(project=project, by=by, note="In the admin." if via_admin else "")


def project_register(*, project: Project, by: User, note: str = "") -> Project:
    """Validate, save under a free slug, audit and announce (``project_created`` hooks) a new,
    unsaved project. ``project_create`` decides who may register one; another app's service
    that creates a project under its own rule (a pivot after a kill) calls this directly."""
    project_validate(project)
    _save_with_free_slug(project)
    audit.record(
        actor=by,
        action=audit.Action.PROJECT_CREATED,
        instance=project,
        changes={
            k: [None, v]
            for k, v in audit.snapshot(project, ["name", "summary", *OWNER_FIELDS]).items()
            if v
        },
        note=note,
    )
    project_created.run(project=project, by=by)
    return project


@transaction.atomic
def project_update(*, project: Project, by: User, via_admin: bool = False, **changes) -> Project:
    """Change a project's editable fields (PMs). ``via_admin``: see ``project_create``.

    Once the charter is approved (``Project.schedule_locked``) the dates and the signers it
    names are refused here, with a message that says how they move: by a decision or an
    amendment (``project_apply`` is how those write them)."""
    unknown = set(changes) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["This field cannot be changed here."] for f in sorted(unknown)})
    project = Project.objects.select_for_update().get(pk=project.pk)
    if via_admin:
        if not _admin_may(by, "change"):
            raise PermissionDenied("Only an admin with the right to change projects can do this.")
    elif not can_edit_project(by, project):
        raise PermissionDenied("Only a PM of this organisation can edit its projects.")
    changed = project_validate_update(project=project, changes=changes)
    if changed:
        _save_changes(project, changed)
        audit.record(
            actor=by,
            action=audit.Action.PROJECT_UPDATED,
            instance=project,
            changes=changed,
            note="In the admin." if via_admin else "",
        )
        _schedule_moved(project, by=by, changed=set(changed))
    return project


def project_validate_update(*, project: Project, changes: dict) -> dict[str, list]:
    """Apply ``changes`` to ``project`` (unsaved) and check them: what the approved charter
    governs is refused first, with how it moves instead; then the project's rules. Returns the
    audit diff of what changed. ``project_update`` and the admin's form both use it."""
    before = audit.snapshot(project, PROJECT_EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(
            project, field, value.strip() if field == "name" and isinstance(value, str) else value
        )
    changed = audit.diff(before, audit.snapshot(project, PROJECT_EDITABLE_FIELDS))
    locked = rules.locked_field_errors(locked=project.schedule_locked, changed=set(changed))
    if locked:
        raise ValidationError(locked)
    project_validate(project)
    return changed


def _save_changes(project: Project, changed: dict) -> None:
    """Save a project whose fields ``changed``: a new name takes a free slug; a new production
    owner starts their handoff afresh (an acceptance given before being named does not count)."""
    project.updated_at = timezone.now()
    if set(changed) & SCHEDULE_KEYS:
        project.schedule_version += 1
    if "production_owner" in changed:
        project.production_owner_since = project.updated_at if project.production_owner_id else None
    if "name" in changed:
        _save_with_free_slug(project, exclude_pk=project.pk)
    else:
        project.save()


# The dates of a project's schedule: what a decision or an amendment moves.
SCHEDULE_KEYS = frozenset({*rules.SCHEDULE_FIELDS, "kill_deadline"})


def _schedule_moved(project: Project, *, by: User | None, changed: set[str]) -> None:
    moved = changed & SCHEDULE_KEYS
    if moved:
        project_schedule_changed.run(project=project, by=by, changed=moved)


PROJECT_APPLIED_FIELDS = (*OWNER_FIELDS, *rules.SCHEDULE_FIELDS, "kill_deadline")


@transaction.atomic
def project_apply(
    *, project: Project, by: User | None, values: dict, action: audit.Action, note: str
) -> Project:
    """Write what an approved charter or a recorded decision sets on a project — its owners,
    its dates, its kill deadline — whatever the lock: these are the paths by which they move
    once the charter is approved. The caller (``charters``, ``decisions``) has checked who may;
    the tenancy rules still hold (``project_validate``). Audited with ``action``."""
    unknown = set(values) - set(PROJECT_APPLIED_FIELDS)
    if unknown:
        raise ValueError(f"project_apply cannot set {sorted(unknown)}.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = audit.snapshot(project, list(values))
    for field, value in values.items():
        attname = f"{field}_id" if field in OWNER_FIELDS else field
        setattr(project, attname, getattr(value, "pk", value))
    changed = audit.diff(before, audit.snapshot(project, list(values)))
    if not changed:
        return project
    if set(changed) & set(OWNER_FIELDS):
        project_validate(project)
    _save_changes(project, changed)
    audit.record(actor=by, action=action, instance=project, changes=changed, note=note)
    _schedule_moved(project, by=by, changed=set(changed))
    return project


MILESTONE_FIELDS = (
    "poc_started_at",
    "pilot_reached_at",
    "production_reached_at",
    "killed_at",
    "killed_from",
    "kill_reason",
    "killed_by_policy",
    "pivoted",
)


def project_milestones_record(*, project_id: int, values: dict) -> None:
    """Mirror a project's milestones from its in-force decisions (``decisions.services``
    computes them). No audit event of its own: the decisions are their own append-only log, and
    these columns are read from it again whenever a decision is recorded."""
    unknown = set(values) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValueError(f"Not milestones: {sorted(unknown)}.")
    Project.objects.filter(pk=project_id).unaudited_update(**values)


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
    project_states.refresh(project_ids=[project.pk])  # the open gate is the new stage's
    audit.record(
        actor=by,
        action=audit.Action.PROJECT_STAGE_CHANGED,
        instance=project,
        changes={"stage": [before, to_stage]},
        note=reason,
    )
    return change


def _list_projects(named: list[tuple[Project, list[str]]], limit: int = 10) -> str:
    """“Invoice triage (decision-maker, PM), Churn radar (business owner) and 3 more”."""
    parts = [f"{p.name} ({', '.join(roles)})" for p, roles in named[:limit]]
    text = ", ".join(parts)
    if len(named) > limit:
        text += f" and {len(named) - limit} more"
    return text


def _named_on(*, user: User, organisation_id: int) -> list[tuple[Project, list[str]]]:
    """The organisation's projects naming ``user`` as an owner, with the roles they hold."""
    projects = Project.objects.named(user).filter(organisation_id=organisation_id)
    return [
        (p, [owner_label(f) for f in OWNER_FIELDS if getattr(p, f"{f}_id") == user.pk])
        for p in projects.order_by("name", "pk")
    ]


def membership_validate_remove(*, membership: Membership) -> None:
    """Refuse removing someone who is still a named owner of a project of the organisation:
    owners must be members, so they are replaced as owner first."""
    named = _named_on(user=membership.user, organisation_id=membership.organisation_id)
    if named:
        raise ValidationError(
            f"{membership.user} cannot be removed from {membership.organisation}: they are "
            f"still named on {_list_projects(named)}. Replace them as owner there first.",
            code="still_an_owner",
        )


def membership_validate_role(*, membership: Membership, role: str) -> None:
    """Refuse taking the executive role from the decision-maker of a project still in flight."""
    if membership.pk is None or membership.role != Role.EXECUTIVE or role == Role.EXECUTIVE:
        return
    named = [
        (p, ["decision-maker"])
        for p in Project.objects.active()
        .filter(organisation_id=membership.organisation_id, decision_maker_id=membership.user_id)
        .order_by("name", "pk")
    ]
    if named:
        raise ValidationError(
            {
                "role": [
                    f"{membership.user} is the decision-maker of {_list_projects(named)}, and a "
                    "decision-maker must be an executive. Name another decision-maker there "
                    "first."
                ]
            },
            code="still_decision_maker",
        )


@transaction.atomic
def membership_set(
    *, user: User, organisation: Organisation, role: str, by: User | None = None
) -> Membership:
    """Give ``user`` ``role`` in ``organisation`` (a new membership or a changed role)."""
    if role not in Role.values:
        raise ValidationError({"role": [f"Unknown role {role!r}."]})
    membership = (
        Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
    )
    if membership is None:
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        audit.record(
            actor=by,
            action=audit.Action.MEMBERSHIP_CREATED,
            instance=membership,
            changes={"role": [None, role]},
        )
    elif membership.role != role:
        membership_validate_role(membership=membership, role=role)
        old, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        audit.record(
            actor=by,
            action=audit.Action.MEMBERSHIP_UPDATED,
            instance=membership,
            changes={"role": [old, role]},
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None) -> None:
    """Remove a membership; refused while the person is a named owner in the organisation."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "organisation")
        .get(pk=membership.pk)
    )
    membership_validate_remove(membership=membership)
    audit.record(
        actor=by,
        action=audit.Action.MEMBERSHIP_REMOVED,
        instance=membership,
        changes={"role": [membership.role, None]},
    )
    membership.delete()


def token_create(
    *, user: User, name: str, scope: str = TokenScope.READ, expires_at: datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """Create a token and return it with its secret. The secret is never stored or shown again.
    Audited: who made a key, with what scope and until when."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the token a name, e.g. the tool that will use it."]
    errors.update(rules.text_errors({"name": name}, names=("name",)))
    if scope not in TokenScope.values:
        errors["scope"] = ["Choose read only or read and write."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    if errors:
        raise ValidationError(errors)
    secret = PersonalAccessToken.PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = PersonalAccessToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            expires_at=expires_at,
            key_prefix=secret[:10],
            key_hash=PersonalAccessToken.hash_secret(secret),
        )
        audit.record(
            actor=user,
            action=audit.Action.TOKEN_CREATED,
            instance=token,
            changes={
                "name": [None, token.name],
                "scope": [None, token.scope],
                "expires_at": [None, audit.plain(token.expires_at)],
            },
        )
    return token, secret


def token_revoke(
    *, token: PersonalAccessToken, by: User, via_admin: bool = False, note: str = ""
) -> PersonalAccessToken:
    """Revoke a token for good (a revoked token is never usable again). Its owner revokes it on
    their profile page; an admin (staff with the change permission on tokens) in the admin."""
    if via_admin:
        if not (
            getattr(by, "is_authenticated", False)
            and by.is_active
            and by.is_staff
            and by.has_perm("portfolio.change_personalaccesstoken")
        ):
            raise PermissionDenied("Only an admin with the right to change tokens can do this.")
    elif token.user_id != by.pk:
        raise PermissionDenied("You can only revoke your own tokens.")
    with transaction.atomic():
        token = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                actor=by,
                action=audit.Action.TOKEN_REVOKED,
                instance=token,
                changes={"revoked_at": [None, audit.plain(token.revoked_at)]},
                note=note or ("In the admin." if via_admin else ""),
            )
    return token


def user_login_unlock(*, user: User) -> int:
    """Let ``user`` log in again at once: forget the failed logins that lock their account out
    (django-axes' attempts for their email). Answers how many attempt records were cleared."""
    from axes.utils import reset

    return reset(username=user.email.lower())


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


# --- People and organisations: deactivated, never deleted once they have history ----------------

HISTORY_REFUSAL = (
    "{name} has history in Gatehouse ({what}) and cannot be deleted: deleting would erase or "
    "orphan that history. Deactivate {them} instead."
)


def history_of(obj: User | Organisation) -> list[str]:
    """What ``obj`` is named in that must outlive it ("12 audit events", "2 projects"…): the rows
    that protect it from deletion, and for an organisation its memberships (removing them is
    itself recorded against the organisation). Empty when it may be deleted."""
    from django.db import router
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

    counts: dict[type[models.Model], int] = {}
    collector = Collector(using=router.db_for_write(type(obj)), origin=obj)
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError) as exc:
        rows = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        for row in rows:
            counts[type(row)] = counts.get(type(row), 0) + 1
    if isinstance(obj, Organisation):
        members = obj.memberships.count()
        if members:
            counts[Membership] = members
    said = [
        f"{n} {model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural}"
        for model, n in counts.items()
    ]
    return sorted(said, key=lambda text: text.split(" ", 1)[1])


def history_validate_delete(obj: User | Organisation) -> None:
    """Refuse deleting a person or an organisation with history, saying to deactivate it."""
    what = history_of(obj)
    if what:
        raise ValidationError(
            HISTORY_REFUSAL.format(
                name=str(obj),
                what=", ".join(what),
                them="them" if isinstance(obj, User) else "it",
            )
        )


def _admin_of_people(by: User, model: str) -> None:
    if not (
        getattr(by, "is_authenticated", False)
        and by.is_active
        and by.is_staff
        and by.has_perm(f"portfolio.change_{model}")
    ):
        raise PermissionDenied("Only an admin with the right to change these can do this.")


@transaction.atomic
def person_set_active(*, person: User, active: bool, by: User) -> User:
    """Deactivate (or reactivate) a person. A deactivated person cannot log in, their open
    sessions stop working (Django's ModelBackend refuses an inactive user on every request) and
    their API tokens are revoked; everything they did stays, under their name."""
    _admin_of_people(by, "user")
    if active is False and person.pk == by.pk:
        raise ValidationError("You cannot deactivate yourself.")
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_active == active:
        return person
    person.is_active = active
    person.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action=audit.Action.PERSON_REACTIVATED if active else audit.Action.PERSON_DEACTIVATED,
        instance=person,
        changes={"is_active": [not active, active]},
    )
    if not active:
        for token in PersonalAccessToken.objects.usable().filter(user=person):
            token_revoke(token=token, by=by, via_admin=True, note="Its owner was deactivated.")
    return person


@transaction.atomic
def organisation_set_active(*, organisation: Organisation, active: bool, by: User) -> Organisation:
    """Deactivate (or reactivate) an organisation. A deactivated one leaves the organisation
    switcher and takes no new projects; its members and the partners still read its projects,
    charters, decisions and timeline — history stays readable."""
    _admin_of_people(by, "organisation")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_active == active:
        return organisation
    organisation.is_active = active
    organisation.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action=(
            audit.Action.ORGANISATION_REACTIVATED
            if active
            else audit.Action.ORGANISATION_DEACTIVATED
        ),
        instance=organisation,
        changes={"is_active": [not active, active]},
    )
    return organisation
