"""Who changed what and when.

Mechanism: every write to an audited model goes through a service, and each service calls
``audit.record``. Bulk paths that would skip it — ``QuerySet.update``, ``delete``,
``bulk_create``, ``bulk_update`` — raise ``BulkWriteRefused`` on audited models (see
``AuditedQuerySet``), so an audit gap cannot be written by accident. Decisions are their own
append-only log and are guarded in the database (decisions app).
"""

from __future__ import annotations

from typing import Any

from django.db import models


class BulkWriteRefused(RuntimeError):
    pass


class AuditedQuerySet(models.QuerySet):
    """A queryset on which writes that bypass the audit are refused."""

    def _refuse(self, what: str):
        raise BulkWriteRefused(
            f"{self.model._meta.label}: {what} would skip the audit log; "
            "change rows one by one through the service layer."
        )

    def update(self, **kwargs):
        self._refuse("QuerySet.update()")

    def delete(self):
        self._refuse("QuerySet.delete()")

    def bulk_create(self, *args, **kwargs):
        self._refuse("bulk_create()")

    def bulk_update(self, *args, **kwargs):
        self._refuse("bulk_update()")

    def update_or_create(self, *args, **kwargs):
        self._refuse("update_or_create()")

    # For the audit layer itself (and data migrations): an explicit, greppable escape hatch.
    def unaudited_update(self, **kwargs) -> int:
        return super().update(**kwargs)

    def unaudited_delete(self):
        return super().delete()


def _plain(value: Any) -> Any:
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
        out[field.name] = _plain(getattr(instance, field.attname))
    return out


def diff(before: dict, after: dict) -> dict[str, list]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    *,
    actor,
    action: str,
    instance: models.Model,
    changes: dict | None = None,
    project=None,
    note: str = "",
):
    """Write one audit event. ``changes`` is {field: [old, new]}; ``project`` files it on a
    project's timeline (defaults to the instance's ``project`` or the instance itself)."""
    from .models import AuditEvent, Project

    if project is None:
        if isinstance(instance, Project):
            project = instance
        else:
            project = getattr(instance, "project", None)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        project=project,
        organisation_id=getattr(project, "organisation_id", None)
        or getattr(instance, "organisation_id", None),
        changes=changes or {},
        note=note,
    )
