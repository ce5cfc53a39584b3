"""The audit log cannot be rewritten: not through the ORM, not in raw SQL, not by the production
application role, not on the demo's SQLite — and deleting whom or what it names is refused,
so no cascade or SET NULL can erase it either. Runs on real PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from psycopg import errors

from portfolio import audit
from portfolio.models import AuditEvent, Membership
from portfolio.querysets import backdate
from tests.decisions.test_app_role import PASSWORD, ROLE, connect_as_app_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(project, pm):
    return audit.record(
        actor=pm, action=audit.Action.PROJECT_UPDATED, instance=project, note="The original."
    )


def _unchanged(event) -> None:
    row = AuditEvent.objects.get(pk=event.pk)
    assert (row.action, row.note, row.actor_id) == (
        "project.updated",
        "The original.",
        event.actor_id,
    )


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_an_event_keeps_the_names_of_who_and_where(event, pm, org):
    event.refresh_from_db()
    assert (event.actor_name, event.organisation_name) == ("Pat Manager", "Acme Logistics")
    assert event.actor_label == "Pat Manager"


ATTEMPTS = {
    "orm save after change": lambda e: (setattr(e, "note", "Rewritten"), e.save()),
    "orm delete": lambda e: e.delete(),
    "queryset.update": lambda e: AuditEvent.objects.filter(pk=e.pk).update(note="Rewritten"),
    "queryset.delete": lambda e: AuditEvent.objects.filter(pk=e.pk).delete(),
    "move to another actor": lambda e: AuditEvent.objects.filter(pk=e.pk).update(actor=None),
    "raw UPDATE": lambda e: connection.cursor().execute(
        "UPDATE portfolio_auditevent SET note = 'Rewritten' WHERE id = %s", [e.pk]
    ),
    "raw DELETE": lambda e: connection.cursor().execute(
        "DELETE FROM portfolio_auditevent WHERE id = %s", [e.pk]
    ),
}


@pytest.mark.parametrize("route", list(ATTEMPTS), ids=list(ATTEMPTS))
def test_the_database_refuses(event, route):
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        ATTEMPTS[route](event)
    assert "append-only" in str(exc.value)
    _unchanged(event)


def test_the_history_replay_moves_only_the_time(event):
    """``backdate`` (the demo's story, dated when it happened) may move ``at`` — and nothing
    else gets through the same door."""
    then = timezone.now() - timedelta(days=30)
    assert backdate(AuditEvent.objects.filter(pk=event.pk), at=then) == 1
    assert AuditEvent.objects.get(pk=event.pk).at == then
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('gatehouse.history_replay', 'on', true)")
        cursor.execute(
            "UPDATE portfolio_auditevent SET note = 'Rewritten' WHERE id = %s", [event.pk]
        )
    _unchanged(event)
    # The guard is back on after backdate's transaction.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        models.QuerySet(model=AuditEvent).filter(pk=event.pk).update(at=timezone.now())


def test_deleting_a_person_or_an_organisation_with_history_is_refused(event, pm, org):
    """What used to cascade (the organisation's events) or null (the actor) is refused."""
    Membership.objects.filter(user=pm).unaudited_delete()  # only the event protects them now
    with pytest.raises(ProtectedError), transaction.atomic():
        pm.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        event.project.delete()
    # Past the ORM: the foreign key itself refuses (checked at commit, forced here).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM portfolio_membership WHERE user_id = %s", [pm.pk])
        cursor.execute("DELETE FROM portfolio_user WHERE id = %s", [pm.pk])
    _unchanged(event)
    assert AuditEvent.objects.get(pk=event.pk).actor_id == pm.pk


def test_the_backfill_names_the_events_written_before(event, pm, org):
    """Migration 0008 fills the names 0007 added into the events already written."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([("portfolio", "0007_history_protected")])
    with connection.cursor() as cursor:  # the triggers are gone at 0007: blank the names
        cursor.execute(
            "UPDATE portfolio_auditevent SET actor_name = '', organisation_name = '' WHERE id = %s",
            [event.pk],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    row = AuditEvent.objects.get(pk=event.pk)
    assert (row.actor_name, row.organisation_name) == ("Pat Manager", "Acme Logistics")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


class TestTheApplicationRole:
    """docker-compose's web, worker and beat connect as this role."""

    @pytest.fixture(autouse=True)
    def _committed(self, transactional_db):
        """The app role connects separately: it sees only committed rows."""

    @pytest.fixture
    def app_role(self, monkeypatch):
        monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
        call_command("db_app_role", ROLE, password_env="APP_DB_PASSWORD")
        with connect_as_app_role() as conn:
            yield conn

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE portfolio_auditevent SET note = 'rewritten'",
            "UPDATE portfolio_auditevent SET at = now()",
            "DELETE FROM portfolio_auditevent",
            "TRUNCATE portfolio_auditevent CASCADE",
        ],
        ids=["update", "update-at", "delete", "truncate"],
    )
    def test_it_has_no_right_to_rewrite_the_audit(self, app_role, event, statement):
        with pytest.raises(errors.InsufficientPrivilege):
            app_role.execute(statement)
        _unchanged(event)

    def test_not_even_through_the_history_replay(self, app_role, event):
        with app_role.transaction():
            app_role.execute("SELECT set_config('gatehouse.history_replay', 'on', true)")
            with pytest.raises(errors.InsufficientPrivilege):
                app_role.execute("UPDATE portfolio_auditevent SET at = now() - interval '1 day'")

    def test_it_still_appends(self, app_role, event):
        cur = app_role.execute(
            "INSERT INTO portfolio_auditevent (at, actor_name, action, object_type, object_id, "
            "object_repr, organisation_name, changes, note) VALUES "
            "(now(), '', 'project.updated', 'x', '1', 'x', '', '{}', '') RETURNING id"
        )
        assert cur.fetchone()[0] > event.pk

    def test_it_cannot_delete_a_person_with_history(self, app_role, event, pm):
        with pytest.raises(psycopg.errors.ForeignKeyViolation), app_role.transaction():
            app_role.execute("DELETE FROM portfolio_membership WHERE user_id = %s", [pm.pk])
            app_role.execute("DELETE FROM portfolio_user WHERE id = %s", [pm.pk])


def test_sqlite_triggers_refuse_update_and_delete_of_audit_events(migrated_sqlite):
    """The demo runs on SQLite: after every migration, plain SQL cannot touch an event."""
    with sqlite3.connect(migrated_sqlite) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")  # a bare row: the triggers are the subject
        conn.execute(
            "INSERT INTO portfolio_auditevent (id, at, actor_id, actor_name, action, object_type, "
            "object_id, object_repr, organisation_id, organisation_name, project_id, changes, "
            "note) VALUES (1, '2026-01-01 10:00', 1, 'Pat Manager', 'project.updated', "
            "'portfolio.project', '1', 'Invoice triage', 1, 'Acme', 1, '{}', 'The original.')"
        )
        for statement in (
            "UPDATE portfolio_auditevent SET note = 'Rewritten' WHERE id = 1",
            "UPDATE portfolio_auditevent SET actor_id = NULL WHERE id = 1",
            "DELETE FROM portfolio_auditevent WHERE id = 1",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="audit events are append-only"):
                conn.execute(statement)
        rows = conn.execute("SELECT note, actor_id FROM portfolio_auditevent").fetchall()
    assert rows == [("The original.", 1)]
