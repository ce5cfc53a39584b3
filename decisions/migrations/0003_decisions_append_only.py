"""Decisions are append-only, in the database and not only in the application.

PostgreSQL: a row trigger raises on UPDATE and DELETE of ``decisions_decision``, and a statement
trigger raises on TRUNCATE while the table holds any decision (truncating an empty table destroys
nothing, which keeps the test runner's flush of empty tables working). Only a superuser switching
``session_replication_role`` to ``replica`` — a DBA's deliberate act, never the application's —
bypasses them.

SQLite (the demo): triggers raise on UPDATE and DELETE. Note that SQLite drops a table's
triggers when a later migration rebuilds the table: such a migration must recreate them.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION decisions_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF NOT EXISTS (SELECT 1 FROM decisions_decision) THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'decisions are append-only: % on decisions_decision is refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a new decision that supersedes the mistaken one.';
END;
$$;
CREATE TRIGGER decisions_decision_no_update_delete
    BEFORE UPDATE OR DELETE ON decisions_decision
    FOR EACH ROW EXECUTE FUNCTION decisions_refuse_change();
CREATE TRIGGER decisions_decision_no_truncate
    BEFORE TRUNCATE ON decisions_decision
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_refuse_change();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS decisions_decision_no_truncate ON decisions_decision;
DROP TRIGGER IF EXISTS decisions_decision_no_update_delete ON decisions_decision;
DROP FUNCTION IF EXISTS decisions_refuse_change();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER IF NOT EXISTS decisions_decision_no_update
       BEFORE UPDATE ON decisions_decision
       BEGIN SELECT RAISE(ABORT, 'decisions are append-only: UPDATE on decisions_decision is refused'); END;""",
    """CREATE TRIGGER IF NOT EXISTS decisions_decision_no_delete
       BEFORE DELETE ON decisions_decision
       BEGIN SELECT RAISE(ABORT, 'decisions are append-only: DELETE on decisions_decision is refused'); END;""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS decisions_decision_no_update;",
    "DROP TRIGGER IF EXISTS decisions_decision_no_delete;",
]


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
    dependencies = [("decisions", "0002_seed_gate_templates")]

    operations = [migrations.RunPython(forward, backward)]
