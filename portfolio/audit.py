"""Who changed what and when: ``record`` writes one ``AuditEvent``.

Every write to an audited model goes through a service, and each service calls ``record`` with
an ``Action``: one typed list of everything that can happen, so a misspelt action is an error
at once instead of a line silently missing from a timeline. Each action's label is what the
actor did, as the timeline and the admin say it. Bulk writes that would skip this are refused
by ``portfolio.querysets.AuditedQuerySet``. Decisions are their own append-only log.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Action(models.TextChoices):
    PROJECT_CREATED = "project.created", "registered the project"
    PROJECT_UPDATED = "project.updated", "edited the project"
    PROJECT_UPDATED_FROM_CHARTER = (
        "project.updated_from_charter",
        "took the owners and dates of the approved charter",
    )
    PROJECT_STAGE_CHANGED = "project.stage_changed", "moved the project to another stage"
    # Before the schedule had its own action, a decision's new date was recorded as this.
    PROJECT_DECISION_DATE_SET = "project.decision_date_set", "set the decision date"
    PROJECT_SCHEDULE_SET = "project.schedule_set", "moved the project's dates"
    CHARTER_STARTED = "charter.started", "started the charter"
    CHARTER_SECTION_SAVED = "charter.section_saved", "saved a charter section"
    CHARTER_ROW_ADDED = "charter.row_added", "added a row to the charter"
    CHARTER_ROW_REMOVED = "charter.row_removed", "removed a row from the charter"
    CHARTER_SUBMITTED = "charter.submitted", "submitted the charter for sign-off"
    CHARTER_SIGNED = "charter.signed", "signed the charter"
    CHARTER_APPROVED = "charter.approved", "completed the sign-off: the charter is approved"
    CHARTER_CHANGES_REQUESTED = "charter.changes_requested", "asked for changes to the charter"
    CHARTER_SIGNATURE_WITHDRAWN = "charter.signature_withdrawn", "withdrew a signature"
    CHARTER_GOALPOSTS_MOVED = "charter.goalposts_moved", "moved the goalposts"
    CHARTER_SUPERSEDED = "charter.superseded", "superseded the previous charter version"
    CHARTER_AMENDMENT_STARTED = "charter.amendment_started", "started an amendment"
    CHARTER_COMPLIANCE_REVIEWED = "charter.compliance_reviewed", "recorded the compliance review"
    GATE_OPENED = "gate.opened", "opened a gate"
    CRITERION_MARKED = "criterion.marked", "marked a criterion"
    MEASUREMENT_RECORDED = "measurement.recorded", "recorded a measurement"
    OWNERSHIP_ACCEPTED = "ownership.accepted", "accepted production ownership"
    MEMBERSHIP_CREATED = "membership.created", "added a member"
    MEMBERSHIP_UPDATED = "membership.updated", "changed a member's role"
    MEMBERSHIP_REMOVED = "membership.removed", "removed a member"
    POLICY_CREATED = "policy.created", "set the organisation's gate and reminder policy"
    POLICY_UPDATED = "policy.updated", "changed the organisation's gate and reminder policy"
    GATE_TEMPLATE_CREATED = "gate_template.created", "added a gate template"
    GATE_TEMPLATE_UPDATED = "gate_template.updated", "changed a gate template or its criteria"
    PERSON_DEACTIVATED = "person.deactivated", "deactivated a person"
    PERSON_REACTIVATED = "person.reactivated", "reactivated a person"
    ORGANISATION_DEACTIVATED = "organisation.deactivated", "deactivated an organisation"
    ORGANISATION_REACTIVATED = "organisation.reactivated", "reactivated an organisation"
    TOKEN_CREATED = "token.created", "created an API token"
    TOKEN_REVOKED = "token.revoked", "revoked an API token"
    CALENDAR_FEED_CREATED = "calendar_feed.created", "made a new calendar feed link"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked", "revoked a calendar feed link"

    @property
    def subject(self) -> str:
        """The badge a timeline line carries: what the action is about."""
        return ACTION_SUBJECTS[self.value.split(".", 1)[0]]


ACTION_SUBJECTS = {
    "project": "Project",
    "charter": "Charter",
    "gate": "Gate",
    "criterion": "Gate",
    "measurement": "Measurement",
    "ownership": "Handoff",
    "membership": "Team",
    "policy": "Policy",
    "gate_template": "Gate template",
    "person": "Person",
    "organisation": "Organisation",
    "token": "Token",
    "calendar_feed": "Token",
}


def plain(value: Any) -> Any:
    """A value as it is kept in an event's ``changes``: ids for objects, ISO text for dates."""
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...] | None = None) -> dict:
    """Field values of ``instance`` (FKs as ids) for comparing before and after a change."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    out = {}
    for name in names:
        field = instance._meta.get_field(name)
        assert isinstance(field, models.Field)  # a snapshot reads columns, never a reverse relation
        out[field.name] = plain(getattr(instance, field.attname))
    return out


def diff(before: dict, after: dict) -> dict[str, list]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    *,
    actor,
    action: Action,
    instance: models.Model,
    changes: dict | None = None,
    project=None,
    note: str = "",
):
    """Write one audit event. ``changes`` is {field: [old, new]}; ``project`` files it on a
    project's timeline (defaults to the instance's ``project`` or the instance itself)."""
    from .models import AuditEvent, Organisation, Project

    if not isinstance(action, Action):
        raise TypeError(f"Audit actions are portfolio.audit.Action members, not {action!r}.")
    if project is None:
        if isinstance(instance, Project):
            project = instance
        else:
            project = getattr(instance, "project", None)
    organisation_id: int | None
    if isinstance(instance, Organisation):
        organisation_id = instance.pk
    else:
        organisation_id = getattr(project, "organisation_id", None) or getattr(
            instance, "organisation_id", None
        )
    person = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent.objects.create(
        actor=person,
        actor_name=(person.get_full_name() if person is not None else "")[:254],
        action=action.value,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        project=project,
        organisation_id=organisation_id,
        organisation_name=_organisation_name(organisation_id, instance, project),
        changes=changes or {},
        note=note,
    )
    if not isinstance(event.organisation_name, str):
        # The name was read by the INSERT: load it on first use rather than keep the expression.
        del event.organisation_name
    return event


def _organisation_name(organisation_id, *holders) -> Any:
    """The organisation's name, kept on the event: from an object already loaded when one is
    (the instance, its project), else read by the INSERT itself (no query of its own)."""
    from django.db.models.functions import Coalesce

    from .models import Organisation

    if organisation_id is None:
        return ""
    for holder in holders:
        if isinstance(holder, Organisation) and holder.pk == organisation_id:
            return holder.name
        field = getattr(type(holder), "organisation", None)
        cached = getattr(field, "is_cached", None)
        if cached is not None and cached(holder):
            loaded = holder.organisation
            if loaded is not None and loaded.pk == organisation_id:
                return loaded.name
    name = Organisation.objects.filter(pk=organisation_id).values("name")[:1]
    return Coalesce(models.Subquery(name), models.Value(""))
