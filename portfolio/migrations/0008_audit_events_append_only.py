"""Audit events are append-only, in the database and not only in the application — as decisions
are (decisions/migrations/0003).

First the names 0007 added are filled in for the events already written: who acted and in which
organisation, as they are called today (the closest to "when it happened" that is left).

PostgreSQL: a row trigger raises on UPDATE and DELETE of ``portfolio_auditevent``, and a
statement trigger raises on TRUNCATE while the table holds any event (truncating an empty table
destroys nothing, which keeps the test runner's flush working). One narrow exception, for the
demo's story told today and dated when it happened (``portfolio.querysets.backdate``): the
owner of the table — never the application role, which has no UPDATE on it at all
(``db_app_role``) — may move an event's ``at``, and nothing else, inside a transaction that set
``gatehouse.history_replay``. Only a superuser switching ``session_replication_role`` to
``replica`` bypasses the rest.

SQLite (the demo): triggers raise on UPDATE and DELETE. SQLite drops a table's triggers when a
later migration rebuilds the table: such a migration must recreate them (a test migrates a fresh
SQLite database and checks).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

PG_FORWARD = """
CREATE OR REPLACE FUNCTION portfolio_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF NOT EXISTS (SELECT 1 FROM portfolio_auditevent) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE'
        AND current_setting('gatehouse.history_replay', true) = 'on'
        AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
        AND (to_jsonb(NEW) - 'at') = (to_jsonb(OLD) - 'at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on portfolio_auditevent is refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Deactivate a person or an organisation instead of deleting it.';
END;
$$;
CREATE TRIGGER portfolio_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON portfolio_auditevent
    FOR EACH ROW EXECUTE FUNCTION portfolio_auditevent_refuse_change();
CREATE TRIGGER portfolio_auditevent_no_truncate
    BEFORE TRUNCATE ON portfolio_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION portfolio_auditevent_refuse_change();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS portfolio_auditevent_no_truncate ON portfolio_auditevent;
DROP TRIGGER IF EXISTS portfolio_auditevent_no_update_delete ON portfolio_auditevent;
DROP FUNCTION IF EXISTS portfolio_auditevent_refuse_change();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER IF NOT EXISTS portfolio_auditevent_no_update
       BEFORE UPDATE ON portfolio_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE on portfolio_auditevent is refused'); END;""",
    """CREATE TRIGGER IF NOT EXISTS portfolio_auditevent_no_delete
       BEFORE DELETE ON portfolio_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE on portfolio_auditevent is refused'); END;""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS portfolio_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS portfolio_auditevent_no_delete;",
]


def backfill_names(apps, schema_editor):
    AuditEvent = apps.get_model("portfolio", "AuditEvent")
    User = apps.get_model("portfolio", "User")
    Organisation = apps.get_model("portfolio", "Organisation")
    people = User.objects.filter(pk=OuterRef("actor_id"))
    AuditEvent.objects.filter(actor__isnull=False, actor_name="").update(
        actor_name=Subquery(people.values("full_name")[:1])
    )
    AuditEvent.objects.filter(actor__isnull=False, actor_name="").update(
        actor_name=Subquery(people.values("email")[:1])
    )
    AuditEvent.objects.filter(organisation__isnull=False, organisation_name="").update(
        organisation_name=Subquery(
            Organisation.objects.filter(pk=OuterRef("organisation_id")).values("name")[:1]
        )
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0007_history_protected")]

    operations = [
        migrations.RunPython(backfill_names, migrations.RunPython.noop),
        migrations.RunPython(forward, backward),
    ]
