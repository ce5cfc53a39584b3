"""A project's story, newest first: charter versions, signatures, criteria marks, measurements,
decisions, stage changes and the audit log.

One UNION ALL query orders (kind, id, time) rows from every source and the paginator slices it
in the database; ``hydrate`` then loads the page's objects with one query per kind. A page costs
the same number of queries at 5 events or 5,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from charters.models import CharterVersion, Signature
from portfolio.audit import Action
from portfolio.models import AuditEvent, Project, StageChange

from .defaults import GATES
from .models import CriterionMark, Decision, Measurement

# Audit actions already told by a row of their own on the timeline.
TOLD_ELSEWHERE = (
    Action.PROJECT_STAGE_CHANGED,
    Action.CRITERION_MARKED,
    Action.MEASUREMENT_RECORDED,
    Action.CHARTER_SIGNED,
    Action.CHARTER_STARTED,
    Action.CHARTER_AMENDMENT_STARTED,
)


def _rows(qs, kind: str, at: str):
    return (
        qs.order_by()
        .annotate(
            tl_kind=Value(kind, output_field=models.CharField()),
            tl_ref=F("pk"),
            tl_at=F(at),
        )
        .values_list("tl_kind", "tl_ref", "tl_at")
    )


def _sources(project: Project) -> list:
    sources = [
        _rows(StageChange.objects.filter(project=project), "stage", "changed_at"),
        _rows(Decision.objects.filter(project=project), "decision", "decided_at"),
        _rows(Measurement.objects.filter(project=project), "measurement", "measured_at"),
        _rows(CriterionMark.objects.filter(criterion__gate__project=project), "mark", "marked_at"),
        _rows(
            AuditEvent.objects.filter(project=project).exclude(action__in=TOLD_ELSEWHERE),
            "audit",
            "at",
        ),
    ]
    sources.append(
        _rows(CharterVersion.objects.filter(charter__project=project), "version", "created_at")
    )
    sources.append(
        _rows(Signature.objects.filter(version__charter__project=project), "signature", "signed_at")
    )
    return sources


def timeline_page(project: Project):
    """A sliceable, countable queryset of (kind, id, at), newest first."""
    first, *rest = _sources(project)
    return first.union(*rest, all=True).order_by("-tl_at", "-tl_kind", "-tl_ref")


def audit_phrase(action: str) -> tuple[str, str]:
    """What an audit action says on the timeline: (badge, what the actor did). Every
    ``Action`` has its words; an unknown code (written before it was renamed) reads as itself."""
    try:
        known = Action(action)
    except ValueError:
        return "Change", action.replace(".", " ").replace("_", " ")
    return known.subject, known.label


# Beyond this many changed fields an event lists them folded.
CHANGES_SHOWN = 4


# Changes that are not a field of the audited model, told in words: the criteria a gate opened
# with (older events list their keys) and the roles a signature was given as.
CRITERION_TITLES = {key: title for g in GATES for key, title, *_ in g["criteria"]}


def _signer_roles() -> dict[str, str]:
    from charters.models import SignerRole

    return dict(SignerRole.choices)


EXTRA_LABELS = {
    "criteria": ("Criteria", lambda: CRITERION_TITLES),
    "signed_as": ("Signed as", _signer_roles),
}


def _field(object_type: str, name: str):
    """The concrete model field an audit change names, or None."""
    try:
        field = apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field if getattr(field, "concrete", False) else None


def _is_person(field) -> bool:
    return field is not None and field.is_relation and field.related_model is get_user_model()


def _value(field, value, people: dict, labels: dict | None = None) -> str:
    """An audited value as a person reads it: a choice's label, a person's name, a date."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_value(field, v, people, labels) for v in value)
    if labels is not None:
        return str(labels.get(value, value))
    if field is not None:
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if _is_person(field):
            return str(people.get(value, value))
        try:
            if isinstance(field, models.DateTimeField):
                when = timezone.localtime(datetime.fromisoformat(str(value)))
                return date_format(when, "j M Y H:i")
            if isinstance(field, models.DateField):
                return date_format(date.fromisoformat(str(value)), "j M Y")
        except ValueError:
            pass
    return str(value)


def people_ids(event: AuditEvent) -> set[int]:
    """The people an audit event's changes name by id (owners, signers...)."""
    ids: set[int] = set()
    for name, pair in (event.changes or {}).items():
        if _is_person(_field(event.object_type, name)) and isinstance(pair, list | tuple):
            ids.update(v for v in pair if isinstance(v, int))
    return ids


def describe_audit(event: AuditEvent, people: dict | None = None) -> dict:
    """The badge, the sentence and the readable changes of one audit event: field labels and
    value labels, never codes ("Status: Draft → In review", "Decision-maker: Eve Executive")."""
    people = people or {}
    badge, phrase = audit_phrase(event.action)
    changes = []
    for name, pair in (event.changes or {}).items():
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            continue
        field = _field(event.object_type, name)
        label, labels = None, None
        if name in EXTRA_LABELS:
            label, make = EXTRA_LABELS[name]
            labels = make()
        elif field is not None:
            label = capfirst(str(field.verbose_name))
        label = label or name.replace("_", " ").capitalize()
        changes.append(
            (
                label,
                _value(field, pair[0], people, labels),
                _value(field, pair[1], people, labels),
            )
        )
    return {
        "badge": badge,
        "phrase": phrase,
        "changes": changes,
        "folded": len(changes) > CHANGES_SHOWN,
    }


@dataclass
class Event:
    kind: str
    at: datetime
    obj: Any  # the instance of the model `kind` names (StageChange, Decision, AuditEvent…)
    people: dict = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"decisions/timeline/{self.kind}.html"

    @property
    def audit(self) -> dict | None:
        return describe_audit(self.obj, self.people) if self.kind == "audit" else None


def _loaders():
    loaders = {
        "stage": StageChange.objects.select_related("changed_by"),
        "decision": Decision.objects.select_related(
            "decided_by", "gate", "successor", "supersedes"
        ),
        "measurement": Measurement.objects.select_related("recorded_by"),
        "mark": CriterionMark.objects.select_related(
            "marked_by", "criterion", "evidence_measurement"
        ),
        "audit": AuditEvent.objects.select_related("actor"),
    }
    loaders["version"] = CharterVersion.objects.select_related("created_by", "charter")
    loaders["signature"] = Signature.objects.select_related("signer", "version")
    return loaders


def hydrate(rows) -> list[Event]:
    """The page's (kind, id, at) rows as Events with their objects: one query per kind."""
    rows = list(rows)
    wanted: dict[str, list[int]] = {}
    for kind, ref, _at in rows:
        wanted.setdefault(kind, []).append(ref)
    # One query per kind whether or not the page holds that kind, so every page costs the same.
    objects = {
        kind: {o.pk: o for o in qs.filter(pk__in=wanted.get(kind) or [0])}
        for kind, qs in _loaders().items()
    }
    # The people audit changes name by id, by name: one query, whatever the page holds.
    ids = set().union(*(people_ids(o) for o in objects["audit"].values()))
    people = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids or [0])}
    return [
        Event(kind=kind, at=at, obj=objects[kind][ref], people=people)
        for kind, ref, at in rows
        if ref in objects.get(kind, {})
    ]


def _actor(kind: str, o) -> object:
    return {
        "stage": lambda: o.changed_by,
        "decision": lambda: o.maker,
        "measurement": lambda: o.recorded_by,
        "mark": lambda: o.marked_by,
        "audit": lambda: o.actor_name or o.actor,  # the name kept on the event
        "version": lambda: o.created_by,
        "signature": lambda: o.signer,
    }[kind]()


def summary(event: Event) -> str:
    """One line saying what happened (the API's text; the page uses templates)."""
    o, k = event.obj, event.kind
    if k == "stage":
        return f"Stage {o.from_stage} → {o.to_stage}. {o.reason}".strip()
    if k == "decision":
        extra = f" ({o.get_reason_category_display()})" if o.reason_category else ""
        return f"Decision: {o.outcome}{extra} at the {o.gate.name.lower()}. {o.rationale}".strip()
    if k == "measurement":
        return f"{o.get_kind_display()} {o.value.normalize():f} ({o.source})."
    if k == "mark":
        return f"“{o.criterion.title}” marked {o.get_state_display().lower()}."
    if k == "audit":
        d = describe_audit(o)
        return f"{d['phrase'][0].upper()}{d['phrase'][1:]}: {o.object_repr}."
    if k == "version":
        return f"Charter version {o.number} started ({o.get_status_display().lower()} now)."
    return f"{o.signer} signed charter v{o.version.number} as {o.get_role_display().lower()}."


def event_dict(event: Event) -> dict:
    actor = _actor(event.kind, event.obj)
    return {
        "kind": event.kind,
        "id": event.obj.pk,
        "at": event.at,
        "actor": str(actor) if actor else None,
        "summary": summary(event),
    }
