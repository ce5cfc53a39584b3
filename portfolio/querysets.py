"""Querysets that refuse writes which would skip the audit log, and the named ways round. Imports
no models.

Mechanism: every write to an audited model goes through a service, and each service calls
``portfolio.audit.record``. Bulk paths that would skip it — ``QuerySet.update``, ``delete``,
``bulk_create``, ``bulk_update`` — raise ``BulkWriteRefused`` on audited models, so an audit gap
cannot be written by accident.

The ways round it are named, few and greppable; each writes no audit event and is for code that
tells what happened rather than makes it happen — the audit layer itself, data migrations and the
demo's replayed story (``portfolio.demo``, ``charters.demo``, ``decisions.demo``; a test keeps
those modules to services and these names):

- ``AuditedQuerySet.unaudited_update`` / ``unaudited_delete``: change or remove audited rows.
- ``write_history(instance)``: insert a row that tells what existed or happened before Gatehouse
  saw it (a decision taken last spring, a reading of last month, the firm's people), without a
  service, its validation or its audit event.
- ``backdate(queryset, **fields)``: move the date and time fields of rows to when their story
  says — on any model, including ``AuditEvent``, whose plain manager has no refusals to go round.
  Audit events are append-only in the database too (portfolio migration 0008): ``backdate``
  lifts that guard for its one statement, which only the owner of the tables can do — never the
  application role of production, which has no UPDATE on them at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from django.db import connections, models, transaction
from django.db.models.expressions import Combinable

ModelT = TypeVar("ModelT", bound=models.Model)


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


def write_history(instance: ModelT) -> ModelT:
    """Insert ``instance`` as it stands and return it: a row that records what existed or
    happened before Gatehouse saw it. No service, no ``full_clean()``, no audit event — the
    caller vouches for the row, as a data migration does. Insert only: a row already in the
    database is an error (history is added to, not rewritten; ``unaudited_update`` for that).
    """
    instance.save(force_insert=True)
    return instance


def backdate(queryset: models.QuerySet, **fields: date | Combinable | None) -> int:
    """Set date and time ``fields`` (``at=…``, ``created_at=…``) on every row of ``queryset``, in
    one UPDATE with no audit event: history written today, dated when its story says. Any
    other kind of field is refused (``TypeError``): this moves timestamps, nothing else.
    Answers the number of rows changed.
    """
    for name in fields:
        field = queryset.model._meta.get_field(name)
        if not isinstance(field, models.DateField):  # a DateTimeField is a DateField too
            raise TypeError(
                f"backdate() sets dates and times; {queryset.model._meta.label}.{name} is a "
                f"{type(field).__name__}."
            )
    with transaction.atomic(using=queryset.db), _history_replay(queryset):
        # The plain QuerySet's update: an AuditedQuerySet's own refuses (that is the point of it).
        return models.QuerySet.update(queryset, **fields)


@contextmanager
def _history_replay(queryset: models.QuerySet) -> Iterator[None]:
    """Inside ``backdate``'s transaction: let the append-only triggers pass a change of dates.
    PostgreSQL: the audit trigger lets the tables' owner move an event's ``at`` (nothing else)
    while ``gatehouse.history_replay`` is on. SQLite (the demo's file, which its owner can
    rewrite anyway): the table's triggers are dropped and created again from their own SQL.
    Either way a failure rolls the transaction back with the guard in place."""
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('gatehouse.history_replay', 'on', true)")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('gatehouse.history_replay', 'off', true)")
    elif connection.vendor == "sqlite":
        table = queryset.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        yield
        with connection.cursor() as cursor:
            for _, sql in triggers:
                cursor.execute(sql)
    else:
        yield
