"""Every write to a charter. Views, forms, serializers and the demo only call these.

Who may do what:
- edit a draft, submit, amend, add/remove rows: a PM of the project's organisation, or the
  project's named PM (who must be a member of the organisation);
- sign / withdraw a signature: the person named in that role on the version in review;
- request changes: a required signer, or someone who may edit (the PM pulling it back).

Decisions where DOMAIN.md is silent:
- One person holding several signer roles signs once; one Signature row is written per role,
  all with the same time, so each role's signature can be read on its own.
- Requesting changes sends the version back to draft and withdraws the signatures already
  given on it: the content may change, and a signature belongs to what was read.
- The threshold may equal the target but not the baseline (success must be an improvement).
- A person named on a version in review may leave the organisation (or the decision-maker stop
  being an executive) before the last signature. That signature is then refused, saying who
  and what to do (request changes, name someone else): an approval cannot hand the project an
  owner who is not a member.
- The compliance review "by the end of week 1" is an act: the named compliance reviewer's
  signature (sensitive data) or a review they record on a version in review or approved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from portfolio import audit
from portfolio.hooks import project_states
from portfolio.models import OWNER_FIELDS, Project, Stage, User
from portfolio.rules import SCHEDULE_FIELDS, text_errors
from portfolio.scoping import role_in
from portfolio.services import project_apply, project_touch

from . import rules, selectors
from .models import (
    ChangeRequest,
    Charter,
    CharterVersion,
    ComplianceReview,
    DataSource,
    Integration,
    Signature,
    Status,
)
from .permissions import CANNOT_EDIT, CANNOT_SIGN, SIGNER_NOT_MEMBER, can_edit_charter
from .sections import (
    ALL_FIELDS,
    BY_KEY,
    GOALPOST_FIELDS,
    PEOPLE_FIELDS,
    ROW_FIELDS,
    ROW_NAME_FIELDS,
    SECTIONS,
)

ROW_MODELS: dict[str, type[DataSource] | type[Integration]] = {
    "data_sources": DataSource,
    "integrations": Integration,
}


def _verbose_name(model: type[models.Model], name: str) -> str:
    """The verbose name of one of ``model``'s own columns, as refusals name it."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # callers name columns, never a reverse relation
    return str(field.verbose_name)


# --- permissions ------------------------------------------------------------------------


def _require_editor(user: User, project: Project) -> None:
    if not can_edit_charter(user, project):
        raise PermissionDenied(CANNOT_EDIT)


def _lock_version(version: CharterVersion) -> CharterVersion:
    """Re-read the version under a row lock, with what the rules need."""
    CharterVersion.objects.select_for_update().filter(pk=version.pk).first()
    return selectors.versions_full().get(pk=version.pk)


def _require_draft(version: CharterVersion) -> None:
    if version.status != Status.DRAFT:
        if version.is_frozen:
            raise ValidationError(
                {"status": ["This version is approved and cannot be edited; amend it instead."]}
            )
        raise ValidationError(
            {"status": ["This version is waiting for signatures; request changes to edit it."]}
        )


def _touch(version: CharterVersion) -> None:
    version.updated_at = timezone.now()
    project_touch(project=version.charter.project)


# --- start --------------------------------------------------------------------------------


@transaction.atomic
def charter_start(
    *, project: Project, by: User, copy_from: CharterVersion | None = None
) -> Charter:
    """Create the project's charter with a draft version 1, prefilled from the project's
    owners and timebox (or from ``copy_from``, a version of another project — a pivot)."""
    _require_editor(by, project)
    if Charter.objects.filter(project=project).exists():
        raise ValidationError({"project": ["This project already has a charter."]})
    charter = Charter.objects.create(project=project)
    version = CharterVersion(charter=charter, number=1, created_by=by)
    if copy_from is not None:
        copy_from = selectors.versions_full().get(pk=copy_from.pk)
        _copy_content(copy_from, version)
    else:
        for field in (*OWNER_FIELDS, "timebox_start", "timebox_end", "decision_date"):
            setattr(version, field, getattr(project, field))
        if version.pm_id is None:
            version.pm = by
    # People who are not members of this organisation are not carried over.
    members = selectors.member_ids(project.organisation_id)
    for field in PEOPLE_FIELDS:
        if getattr(version, f"{field}_id") not in members:
            setattr(version, field, None)
    version.save()
    if copy_from is not None:
        _copy_rows(copy_from, version)
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_STARTED,
        instance=charter,
        project=project,
        note=f"Prefilled from {copy_from}" if copy_from else "",
    )
    project_touch(project=project)
    return charter


def _copy_content(source: CharterVersion, target: CharterVersion) -> None:
    for field in ALL_FIELDS:
        attname = f"{field}_id" if field in PEOPLE_FIELDS else field
        setattr(target, attname, getattr(source, attname))


def _copy_rows(source: CharterVersion, target: CharterVersion) -> None:
    for related, fields in ROW_FIELDS.items():
        model = ROW_MODELS[related]
        for row in getattr(source, related).all():
            model.objects.create(version=target, **{f: getattr(row, f) for f in fields})


# --- drafting -----------------------------------------------------------------------------

NON_NEGATIVE_MESSAGE = "Must be zero or more."


def _row_errors(row, *, exclude: list[str] | None = None) -> dict[str, list[str]]:
    """A row's model validation, in the words the charter's own fields use, and no control
    character in its names."""
    names = next(ROW_NAME_FIELDS[k] for k, model in ROW_MODELS.items() if isinstance(row, model))
    text = text_errors({f: getattr(row, f) for f in names}, names=names)
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as exc:
        return {
            field: [
                NON_NEGATIVE_MESSAGE if e.code == "min_value" else e.messages[0] for e in errors
            ]
            for field, errors in exc.error_dict.items()
        } | {f: m for f, m in text.items() if f not in exc.error_dict}
    return text


def _validate_rows(related: str, rows: list[dict]) -> tuple[list, dict]:
    too_many = rules.too_many_rows(related, len(rows))
    if too_many:
        return [], {related: [too_many]}
    model = ROW_MODELS[related]
    built: list[DataSource | Integration] = []
    errors: list[str] = []
    for index, data in enumerate(rows, start=1):
        unknown = set(data) - set(ROW_FIELDS[related])
        row = model(**{k: v for k, v in data.items() if k in ROW_FIELDS[related]})
        for field, messages in _row_errors(row, exclude=["version"]).items():
            label = _verbose_name(model, field)
            errors.extend(f"Row {index} — {label}: {m}" for m in messages)
        errors.extend(f"Row {index}: unknown field {u!r}." for u in sorted(unknown))
        built.append(row)
    return built, ({related: errors} if errors else {})


@transaction.atomic
def charter_save_section(
    *, version: CharterVersion, section: str, data: dict[str, Any], by: User
) -> CharterVersion:
    """Save one section of a draft. Other sections may still be empty; invalid values in this
    section are refused with per-field messages and nothing is stored."""
    if section not in BY_KEY:
        raise ValidationError({"section": [f"Unknown section {section!r}."]})
    spec = BY_KEY[section]
    allowed = set(spec.fields) | ({spec.rows} if spec.rows else set())
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            {f: ["This field belongs to another section."] for f in sorted(unknown)}
        )
    return charter_save_sections(version=version, data=data, by=by)


@transaction.atomic
def charter_save_sections(
    *, version: CharterVersion, data: dict[str, Any], by: User
) -> CharterVersion:
    """Save any fields of a draft at once (the API's PATCH); each touched section is checked
    as if it were saved on its own, and nothing is stored if any of them is refused."""
    by_section = {
        s.key: s
        for s in SECTIONS
        if any(f in data for f in s.fields) or (s.rows and s.rows in data)
    }
    known = {f for s in SECTIONS for f in s.fields} | {s.rows for s in SECTIONS if s.rows}
    unknown = set(data) - known
    if unknown:
        raise ValidationError({f: ["There is no such charter field."] for f in sorted(unknown)})
    version = _lock_version(version)
    project = version.charter.project
    _require_editor(by, project)
    _require_draft(version)

    fields = [f for s in by_section.values() for f in s.fields]
    before = audit.snapshot(version, fields) if fields else {}
    for field in fields:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            if field == "currency":
                value = (value or "EUR").upper()
            if field in PEOPLE_FIELDS:
                # A user or a user id (the API): the membership rule below answers both alike,
                # so an id of someone elsewhere reads the same as an id of nobody.
                setattr(version, f"{field}_id", getattr(value, "pk", value))
            else:
                setattr(version, field, value)

    roles = selectors.member_roles(project.organisation_id)
    members, executives = set(roles), selectors.executives_of(roles)
    errors: dict[str, list[str]] = {}
    for key in by_section:
        checked = rules.check(version, members, saving=key, executive_ids=executives)
        for field, messages in checked.items():
            errors.setdefault(field, [])
            errors[field].extend(m for m in messages if m not in errors[field])
    if fields:
        try:
            version.clean_fields(exclude=[f for f in _all_concrete() if f not in fields])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in errors:
                    errors[field] = messages
    new_rows: dict[str, list] = {}
    for spec in by_section.values():
        if spec.rows and spec.rows in data:
            rows, row_errors = _validate_rows(spec.rows, list(data[spec.rows] or []))
            new_rows[spec.rows] = rows
            errors.update(row_errors)
    if errors:
        raise ValidationError(errors)

    _touch(version)
    version.save()
    changes = audit.diff(before, audit.snapshot(version, fields)) if fields else {}
    for related, rows in new_rows.items():
        manager = getattr(version, related)
        old = [str(r) for r in manager.all()]
        for row in manager.all():
            row.delete()
        for row in rows:
            row.version = version
            row.save()
        changes[related] = [old, [str(r) for r in rows]]
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_SECTION_SAVED,
        instance=version,
        project=project,
        changes=changes,
        note=", ".join(s.title for s in by_section.values()),
    )
    return selectors.versions_full().get(pk=version.pk)


def _all_concrete() -> list[str]:
    return [f.name for f in CharterVersion._meta.concrete_fields]


@transaction.atomic
def charter_add_row(
    *, version: CharterVersion, kind: str, data: dict[str, Any], by: User
) -> DataSource | Integration:
    """Add one data source or integration to a draft."""
    if kind not in ROW_MODELS:
        raise ValidationError({"kind": [f"Unknown row kind {kind!r}."]})
    version = _lock_version(version)
    _require_editor(by, version.charter.project)
    _require_draft(version)
    too_many = rules.too_many_rows(kind, getattr(version, kind).count() + 1)
    if too_many:
        raise ValidationError({kind: [too_many]})
    model = ROW_MODELS[kind]
    row = model(version=version, **{k: v for k, v in data.items() if k in ROW_FIELDS[kind]})
    if isinstance(getattr(row, ROW_FIELDS[kind][0]), str):
        setattr(row, ROW_FIELDS[kind][0], getattr(row, ROW_FIELDS[kind][0]).strip())
    errors = _row_errors(row)
    if errors:
        raise ValidationError(errors)
    row.save()
    _touch(version)
    version.save(update_fields=["updated_at"])
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_ROW_ADDED,
        instance=version,
        project=version.charter.project,
        changes={kind: [None, str(row)]},
    )
    return row


@transaction.atomic
def charter_remove_row(*, row: DataSource | Integration, by: User) -> None:
    version = _lock_version(row.version)
    _require_editor(by, version.charter.project)
    _require_draft(version)
    kind = "data_sources" if isinstance(row, DataSource) else "integrations"
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_ROW_REMOVED,
        instance=version,
        project=version.charter.project,
        changes={kind: [str(row), None]},
    )
    row.delete()
    _touch(version)
    version.save(update_fields=["updated_at"])


# --- workflow -----------------------------------------------------------------------------


@transaction.atomic
def charter_submit(*, version: CharterVersion, by: User) -> CharterVersion:
    """Send a complete draft for signatures. Refused with the list of what is missing."""
    version = _lock_version(version)
    project = version.charter.project
    _require_editor(by, project)
    _require_draft(version)
    missing = selectors.missing_items(version)
    if missing:
        raise ValidationError({"missing": missing})
    version.status = Status.IN_REVIEW
    version.submitted_at = timezone.now()
    _touch(version)
    version.save()
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_SUBMITTED,
        instance=version,
        project=project,
        changes={"status": [Status.DRAFT, Status.IN_REVIEW]},
    )
    return version


@transaction.atomic
def charter_sign(
    *, version: CharterVersion, by: User, at: datetime | None = None
) -> list[Signature]:
    """Sign every role ``by`` holds on a version in review; approve when it is the last."""
    version = _lock_version(version)
    project = version.charter.project
    if version.status != Status.IN_REVIEW:
        raise ValidationError({"status": ["Only a version in review can be signed."]})
    roles = [
        role for role, person in selectors.required_signers(version).items() if person.pk == by.pk
    ]
    if not roles:
        raise PermissionDenied(CANNOT_SIGN)
    if role_in(by, project.organisation_id) is None:
        raise PermissionDenied(SIGNER_NOT_MEMBER)
    already = {s.role for s in selectors.active_signatures(version)}
    todo = [r for r in roles if r not in already]
    if not todo:
        raise ValidationError({"signature": ["You have already signed this version."]})
    at = at or timezone.now()
    created = [
        Signature.objects.create(version=version, signer=by, role=r, signed_at=at) for r in todo
    ]
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_SIGNED,
        instance=version,
        project=project,
        changes={"signed_as": [None, todo]},
    )
    _touch(version)
    version.save(update_fields=["updated_at"])
    version = selectors.versions_full().get(pk=version.pk)
    if selectors.all_signed(version):
        _require_people_still_fit(version)
        _approve(version, by=by, at=at)
    return created


def _require_people_still_fit(version: CharterVersion) -> None:
    """Before approving: everyone named is still a member, the decision-maker still an
    executive. Said per person, with what to do, since the signer cannot edit the charter."""
    organisation = version.charter.project.organisation
    roles = selectors.member_roles(organisation.pk)
    problems = rules.check(
        version, set(roles), executive_ids=selectors.executives_of(roles), saving=None
    )
    errors: dict[str, list[str]] = {}
    for field in PEOPLE_FIELDS:
        if field not in problems:
            continue
        person = getattr(version, field)
        label = _verbose_name(CharterVersion, field)
        what = (
            f"is no longer an executive of {organisation}"
            if rules.NOT_AN_EXECUTIVE in problems[field]
            else f"is no longer a member of {organisation}"
        )
        errors[field] = [
            f"Not signed: {person}, named as {label}, {what}, so this charter cannot be "
            "approved. Request changes so the PM can name someone else, then sign the new "
            "submission."
        ]
    if errors:
        raise ValidationError(errors)


def _approve(version: CharterVersion, *, by: User, at: datetime) -> None:
    charter = (
        Charter.objects.select_for_update().select_related("project").get(pk=version.charter_id)
    )
    previous = (
        CharterVersion.objects.filter(charter=charter, status=Status.APPROVED)
        .exclude(pk=version.pk)
        .first()
    )
    applies = _fields_applied(charter.project, version, previous)
    moved: list[str] = []
    if previous is not None:
        # Locked criteria changed, or the PoC's dates moved: goalposts moved, counted and shown.
        moved = [
            f
            for f in GOALPOST_FIELDS + SCHEDULE_FIELDS
            if getattr(previous, f) != getattr(version, f)
            and (f in GOALPOST_FIELDS or f in applies)
        ]
        previous.status = Status.SUPERSEDED
        previous.save(update_fields=["status"])
        audit.record(
            actor=by,
            action=audit.Action.CHARTER_SUPERSEDED,
            instance=previous,
            project=charter.project,
            changes={"status": [Status.APPROVED, Status.SUPERSEDED]},
        )
    version.status = Status.APPROVED
    version.approved_at = at
    version.save(update_fields=["status", "approved_at"])
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_APPROVED,
        instance=version,
        project=charter.project,
        changes={"status": [Status.IN_REVIEW, Status.APPROVED]},
    )
    if moved and previous is not None:
        charter.goalposts_moved += 1
        bar = rules.bar_moved(
            previous.threshold, version.threshold, version.metric_direction or "higher"
        )
        if bar == "lowered":
            charter.bar_lowered += 1
        elif bar == "raised":
            charter.bar_raised += 1
        charter.save(update_fields=["goalposts_moved", "bar_lowered", "bar_raised"])
        audit.record(
            actor=by,
            action=audit.Action.CHARTER_GOALPOSTS_MOVED,
            instance=charter,
            project=charter.project,
            changes={
                f: [audit.plain(getattr(previous, f)), audit.plain(getattr(version, f))]
                for f in moved
            },
            note=f"Amendment v{version.number} changed locked criteria.",
        )
    _project_apply_charter(project=charter.project, version=version, fields=applies, by=by)
    # The project's kill threshold and direction are the approved version's now.
    project_states.refresh(project_ids=[charter.project_id])


# The charter's dates, as the project carries them. They are the PoC's: once the project has
# passed the graduation gate, the pilot's dates come from decisions, and an amendment approved
# later does not put the PoC's back.
CHARTER_DATES = (*SCHEDULE_FIELDS, "kill_deadline")


def _fields_applied(project: Project, version: CharterVersion, previous) -> list[str]:
    """What an approval writes onto the project. The first approval: every owner, and the dates
    while the PoC has not passed its gates. An amendment: only what it changed — an owner it
    names anew, a date it moves — so an extension decided since the last approval, or an owner
    edited on the project, is not quietly undone by values the amendment merely carried over."""
    dated = project.stage in (Stage.PROPOSED, Stage.POC)
    fields = [*OWNER_FIELDS, *(CHARTER_DATES if dated else ())]
    if previous is None:
        return fields
    return [f for f in fields if _value(previous, f) != _value(version, f)]


def _value(version: CharterVersion, field: str):
    return getattr(version, f"{field}_id" if field in OWNER_FIELDS else field)


def _project_apply_charter(
    *, project: Project, version: CharterVersion, fields: list[str], by: User
) -> None:
    """Bring the project's named owners and dates in line with the approved charter, through
    ``project_apply`` (the path that may move what the approval locks). The last signer cannot
    fix the project: a refusal says which of the charter's values it could not take."""
    try:
        project_apply(
            project=project,
            by=by,
            values={f: _value(version, f) for f in fields},
            action=audit.Action.PROJECT_UPDATED_FROM_CHARTER,
            note=f"Charter v{version.number} approved.",
        )
    except ValidationError as exc:

        def label(field: str) -> str:
            return _verbose_name(Project, field) if field in fields else "values"

        raise ValidationError(
            {
                "signature": [
                    f"Not signed: the project cannot take the charter's {label(field)} — "
                    f"{message} Request changes so the PM can correct it."
                    for field, messages in exc.message_dict.items()
                    for message in messages
                ]
            }
        ) from exc


@transaction.atomic
def charter_withdraw_signature(*, version: CharterVersion, by: User) -> list[Signature]:
    version = _lock_version(version)
    if version.status != Status.IN_REVIEW:
        raise ValidationError(
            {"status": ["Signatures can only be withdrawn while the version is in review."]}
        )
    mine = [s for s in selectors.active_signatures(version) if s.signer_id == by.pk]
    if not mine:
        raise PermissionDenied("You have not signed this version.")
    now = timezone.now()
    for signature in mine:
        signature.withdrawn_at = now
        signature.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_SIGNATURE_WITHDRAWN,
        instance=version,
        project=version.charter.project,
        changes={"signed_as": [[s.role for s in mine], None]},
    )
    _touch(version)
    version.save(update_fields=["updated_at"])
    return mine


@transaction.atomic
def charter_request_changes(*, version: CharterVersion, by: User, comment: str) -> ChangeRequest:
    """A signer (or the PM) sends a version in review back to draft, with a comment."""
    version = _lock_version(version)
    project = version.charter.project
    is_signer = any(p.pk == by.pk for p in selectors.required_signers(version).values())
    if not (is_signer and role_in(by, project.organisation_id)) and not can_edit_charter(
        by, project
    ):
        raise PermissionDenied("Only the signers or the PM can send this charter back.")
    if version.status != Status.IN_REVIEW:
        raise ValidationError({"status": ["Only a version in review can be sent back."]})
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": ["Say what needs to change."]})
    now = timezone.now()
    request = ChangeRequest.objects.create(version=version, by=by, comment=comment, at=now)
    for signature in selectors.active_signatures(version):
        signature.withdrawn_at = now
        signature.save(update_fields=["withdrawn_at"])
    version.status = Status.DRAFT
    version.submitted_at = None
    _touch(version)
    version.save()
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_CHANGES_REQUESTED,
        instance=version,
        project=project,
        changes={"status": [Status.IN_REVIEW, Status.DRAFT]},
        note=comment,
    )
    return request


@transaction.atomic
def charter_amend(*, charter: Charter, by: User) -> CharterVersion:
    """Start an amendment: a new draft copied from the approved version."""
    charter = Charter.objects.select_for_update().select_related("project").get(pk=charter.pk)
    _require_editor(by, charter.project)
    if charter.versions.filter(status__in=[Status.DRAFT, Status.IN_REVIEW]).exists():
        raise ValidationError(
            {"status": ["An amendment is already being drafted or reviewed; finish it first."]}
        )
    approved = selectors.approved_version(charter.project)
    if approved is None:
        raise ValidationError({"status": ["Only an approved charter can be amended."]})
    number = (
        charter.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = CharterVersion(charter=charter, number=number, created_by=by)
    _copy_content(approved, version)
    version.save()
    _copy_rows(approved, version)
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_AMENDMENT_STARTED,
        instance=version,
        project=charter.project,
        note=f"Copied from v{approved.number}.",
    )
    project_touch(project=charter.project)
    return version


@transaction.atomic
def charter_record_compliance_review(
    *, version: CharterVersion, by: User, note: str = "", at: datetime | None = None
) -> ComplianceReview:
    """The named compliance reviewer records that they reviewed a version in review or an
    approved one (the PoC may have started: the review is due by the end of week 1)."""
    version = _lock_version(version)
    project = version.charter.project
    if version.compliance_reviewer_id != by.pk or role_in(by, project.organisation_id) is None:
        raise PermissionDenied(
            "Only the compliance reviewer named in this charter can record its review."
        )
    if version.status not in (Status.IN_REVIEW, Status.APPROVED):
        raise ValidationError(
            {"status": ["Only a version in review or an approved one can be reviewed."]}
        )
    if version.compliance_reviews.exists():
        raise ValidationError({"review": ["You already recorded your review of this version."]})
    review = ComplianceReview.objects.create(
        charter=version.charter,
        version=version,
        reviewer=by,
        reviewed_at=at or timezone.now(),
        note=(note or "").strip(),
    )
    audit.record(
        actor=by,
        action=audit.Action.CHARTER_COMPLIANCE_REVIEWED,
        instance=version,
        project=project,
        note=review.note,
    )
    project_touch(project=project)
    return review
