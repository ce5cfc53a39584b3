"""Querysets that refuse writes which would skip the audit log. Imports no models.

Mechanism: every write to an audited model goes through a service, and each service calls
``portfolio.audit.record``. Bulk paths that would skip it — ``QuerySet.update``, ``delete``,
``bulk_create``, ``bulk_update`` — raise ``BulkWriteRefused`` on audited models, so an audit gap
cannot be written by accident. The one way round it is named and greppable:
``unaudited_update`` / ``unaudited_delete``, for the audit layer itself, data migrations and the
demo's back-dating of its story.
"""

from __future__ import annotations

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

    # The explicit, greppable escape hatch (see the module docstring).
    def unaudited_update(self, **kwargs) -> int:
        return super().update(**kwargs)

    def unaudited_delete(self):
        return super().delete()
