"""On PostgreSQL, refuse edits to an approved or superseded charter version in the database,
not only in the service: its content may not change; only approved → superseded may happen.
Its data sources and integrations may not be added or changed either."""

from django.db import migrations

FORWARD = """
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

BACKWARD = """
DROP TRIGGER IF EXISTS charters_frozen_version ON charters_charterversion;
DROP TRIGGER IF EXISTS charters_frozen_datasource ON charters_datasource;
DROP TRIGGER IF EXISTS charters_frozen_integration ON charters_integration;
DROP FUNCTION IF EXISTS charters_refuse_frozen_version();
DROP FUNCTION IF EXISTS charters_refuse_frozen_rows();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("charters", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
