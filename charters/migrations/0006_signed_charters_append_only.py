"""Signed charters are append-only in the database, on PostgreSQL and on SQLite (the demo), as
decisions are (decisions/migrations/0003). 0002 already froze an approved version's content on
PostgreSQL; this closes what it left open:

- an approved or superseded version cannot be deleted, and its status moves only approved →
  superseded (0002 let it move anywhere, e.g. back to draft); nothing else of it changes;
- a signature is never deleted (withdrawn ones are kept, DOMAIN.md); the one change it knows is
  its withdrawal, once, while its version is in review; none is added to a frozen version;
- the data sources and integrations of a frozen version cannot be removed either (0002 refused
  adding and editing them only);
- TRUNCATE is refused while the tables hold a frozen version or any signature.

So deleting a charter, or a project, with a signed version fails too (the cascade reaches the
version). Only a superuser switching ``session_replication_role`` to ``replica`` bypasses this.
SQLite drops a table's triggers when a later migration rebuilds it: such a migration must create
them again (a test migrates a fresh SQLite database and checks).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FROZEN = "('approved', 'superseded')"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION charters_refuse_frozen_version() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM charters_charterversion WHERE status IN {FROZEN}) THEN
            RAISE EXCEPTION 'signed charters are append-only: TRUNCATE on % is refused',
                TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NULL;
    END IF;
    IF OLD.status IN {FROZEN} THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'signed charters are append-only: charter version % is % and cannot be deleted',
                OLD.id, OLD.status USING ERRCODE = 'restrict_violation';
        END IF;
        IF (to_jsonb(NEW) - 'status') IS DISTINCT FROM (to_jsonb(OLD) - 'status')
           OR NOT (NEW.status = OLD.status
                   OR (OLD.status = 'approved' AND NEW.status = 'superseded')) THEN
            RAISE EXCEPTION 'signed charters are append-only: charter version % is % and cannot be edited; amend it instead',
                OLD.id, OLD.status USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS charters_frozen_version ON charters_charterversion;
CREATE TRIGGER charters_frozen_version
    BEFORE UPDATE OR DELETE ON charters_charterversion
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_frozen_version();
CREATE TRIGGER charters_frozen_version_truncate
    BEFORE TRUNCATE ON charters_charterversion
    FOR EACH STATEMENT EXECUTE FUNCTION charters_refuse_frozen_version();

CREATE OR REPLACE FUNCTION charters_refuse_frozen_rows() RETURNS trigger AS $$
DECLARE
    row_version integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_version := OLD.version_id;
    ELSE
        row_version := NEW.version_id;
    END IF;
    IF EXISTS (SELECT 1 FROM charters_charterversion
               WHERE id = row_version AND status IN {FROZEN}) THEN
        RAISE EXCEPTION 'signed charters are append-only: charter version % is approved; its rows cannot change',
            row_version USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS charters_frozen_datasource ON charters_datasource;
DROP TRIGGER IF EXISTS charters_frozen_integration ON charters_integration;
CREATE TRIGGER charters_frozen_datasource
    BEFORE INSERT OR UPDATE OR DELETE ON charters_datasource
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_frozen_rows();
CREATE TRIGGER charters_frozen_integration
    BEFORE INSERT OR UPDATE OR DELETE ON charters_integration
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_frozen_rows();

CREATE OR REPLACE FUNCTION charters_refuse_signature_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM charters_signature) THEN
            RAISE EXCEPTION 'signed charters are append-only: TRUNCATE on charters_signature is refused'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'signed charters are append-only: signature % cannot be deleted', OLD.id
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A signer withdraws a signature while the version is in review.';
    END IF;
    IF EXISTS (SELECT 1 FROM charters_charterversion
               WHERE id = NEW.version_id AND status IN {FROZEN}) THEN
        RAISE EXCEPTION 'signed charters are append-only: charter version % is approved; its signatures cannot change',
            NEW.version_id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NOT (
        OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
        AND (to_jsonb(NEW) - 'withdrawn_at') = (to_jsonb(OLD) - 'withdrawn_at')
    ) THEN
        RAISE EXCEPTION 'signed charters are append-only: signature % can only be withdrawn, once',
            OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER charters_signature_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON charters_signature
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_signature_change();
CREATE TRIGGER charters_signature_no_truncate
    BEFORE TRUNCATE ON charters_signature
    FOR EACH STATEMENT EXECUTE FUNCTION charters_refuse_signature_change();
"""

# Back to 0002's guard.
PG_BACKWARD = """
DROP TRIGGER IF EXISTS charters_signature_no_truncate ON charters_signature;
DROP TRIGGER IF EXISTS charters_signature_append_only ON charters_signature;
DROP FUNCTION IF EXISTS charters_refuse_signature_change();
DROP TRIGGER IF EXISTS charters_frozen_version_truncate ON charters_charterversion;
DROP TRIGGER IF EXISTS charters_frozen_version ON charters_charterversion;
DROP TRIGGER IF EXISTS charters_frozen_datasource ON charters_datasource;
DROP TRIGGER IF EXISTS charters_frozen_integration ON charters_integration;
CREATE OR REPLACE FUNCTION charters_refuse_frozen_version() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('approved', 'superseded')
       AND (to_jsonb(NEW) - 'status') IS DISTINCT FROM (to_jsonb(OLD) - 'status') THEN
        RAISE EXCEPTION 'charter version % is % and cannot be edited; amend it instead',
            OLD.id, OLD.status;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER charters_frozen_version
    BEFORE UPDATE ON charters_charterversion
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_frozen_version();
CREATE OR REPLACE FUNCTION charters_refuse_frozen_rows() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM charters_charterversion
               WHERE id = NEW.version_id AND status IN ('approved', 'superseded')) THEN
        RAISE EXCEPTION 'charter version % is approved; its rows cannot change', NEW.version_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER charters_frozen_datasource
    BEFORE INSERT OR UPDATE ON charters_datasource
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_frozen_rows();
CREATE TRIGGER charters_frozen_integration
    BEFORE INSERT OR UPDATE ON charters_integration
    FOR EACH ROW EXECUTE FUNCTION charters_refuse_frozen_rows();
"""


def _sqlite_forward(apps) -> list[str]:
    """SQLite has no ``to_jsonb``: the "nothing else changed" test names every column of the
    version and of the signature as they stand at this migration."""
    version = apps.get_model("charters", "CharterVersion")
    signature = apps.get_model("charters", "Signature")
    version_changed = " OR ".join(
        f'OLD."{f.column}" IS NOT NEW."{f.column}"'
        for f in version._meta.concrete_fields
        if f.column != "status"
    )
    signature_changed = " OR ".join(
        f'OLD."{f.column}" IS NOT NEW."{f.column}"'
        for f in signature._meta.concrete_fields
        if f.column != "withdrawn_at"
    )
    frozen_version = (
        "EXISTS (SELECT 1 FROM charters_charterversion "
        f"WHERE id = {{row}}.version_id AND status IN {FROZEN})"
    )
    statements = [
        f"""CREATE TRIGGER IF NOT EXISTS charters_version_frozen_update
           BEFORE UPDATE ON charters_charterversion
           WHEN OLD.status IN {FROZEN} AND (
               NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'superseded'))
               OR {version_changed})
           BEGIN SELECT RAISE(ABORT, 'signed charters are append-only: an approved charter version cannot be edited; amend it instead'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS charters_version_frozen_delete
           BEFORE DELETE ON charters_charterversion
           WHEN OLD.status IN {FROZEN}
           BEGIN SELECT RAISE(ABORT, 'signed charters are append-only: an approved charter version cannot be deleted'); END;""",
        """CREATE TRIGGER IF NOT EXISTS charters_signature_no_delete
           BEFORE DELETE ON charters_signature
           BEGIN SELECT RAISE(ABORT, 'signed charters are append-only: a signature cannot be deleted'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS charters_signature_frozen_insert
           BEFORE INSERT ON charters_signature
           WHEN {frozen_version.format(row="NEW")}
           BEGIN SELECT RAISE(ABORT, 'signed charters are append-only: an approved charter version takes no new signature'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS charters_signature_withdraw_only
           BEFORE UPDATE ON charters_signature
           WHEN {frozen_version.format(row="OLD")}
               OR NOT (OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL)
               OR {signature_changed}
           BEGIN SELECT RAISE(ABORT, 'signed charters are append-only: a signature can only be withdrawn, once, while its version is in review'); END;""",
    ]
    for table in ("charters_datasource", "charters_integration"):
        for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            statements.append(
                f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_{op.lower()}
                   BEFORE {op} ON {table}
                   WHEN {frozen_version.format(row=row)}
                   BEGIN SELECT RAISE(ABORT, 'signed charters are append-only: an approved charter version''s rows cannot change'); END;"""
            )
    return statements


SQLITE_TRIGGERS = [
    "charters_version_frozen_update",
    "charters_version_frozen_delete",
    "charters_signature_no_delete",
    "charters_signature_frozen_insert",
    "charters_signature_withdraw_only",
    *(
        f"{table}_frozen_{op}"
        for table in ("charters_datasource", "charters_integration")
        for op in ("insert", "update", "delete")
    ),
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in _sqlite_forward(apps):
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("charters", "0005_bar_moved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="charterversion",
            name="created_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
