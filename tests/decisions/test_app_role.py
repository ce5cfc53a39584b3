"""The production application role can append decisions but never rewrite them — even if it
tried to switch off the triggers that guard them (docker-compose.yml connects web, worker and beat
as this role; the migrations run as the owner)."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import errors

from decisions.models import Decision
from tests.decisions.helpers import in_poc


@pytest.fixture(autouse=True)
def _committed(transactional_db):
    """The app role connects separately: it sees only committed rows."""


ROLE = "gatehouse_app_test"
PASSWORD = "app-role-test-password"


def connect_as_app_role() -> psycopg.Connection:
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host"),
        port=params.get("port"),
        dbname=params["dbname"],
        user=ROLE,
        password=PASSWORD,
        autocommit=True,
    )


@pytest.fixture
def app_role(monkeypatch):
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    call_command("db_app_role", ROLE, password_env="APP_DB_PASSWORD")
    with connect_as_app_role() as conn:
        yield conn


@pytest.fixture
def decision(org, pm, executive):
    """The go that passed the charter gate."""
    project, _, _ = in_poc(org, pm, executive)
    return Decision.objects.get(project=project)


def test_the_app_role_reads_writes_and_appends(app_role, decision):
    cur = app_role.cursor()
    cur.execute("SELECT outcome FROM decisions_decision WHERE id = %s", [decision.pk])
    assert cur.fetchone() == ("go",)
    cur.execute(
        "UPDATE portfolio_project SET summary = 'edited by the app' WHERE id = %s",
        [decision.project_id],
    )
    assert cur.rowcount == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decisions_decision SET rationale = 'rewritten'",
        "DELETE FROM decisions_decision",
        "TRUNCATE decisions_decision CASCADE",
    ],
    ids=["update", "delete", "truncate"],
)
def test_the_app_role_has_no_right_to_rewrite_decisions(app_role, decision, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        app_role.execute(statement)
    assert Decision.objects.filter(pk=decision.pk, rationale=decision.rationale).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE decisions_decision DISABLE TRIGGER ALL",
        "DROP TRIGGER decisions_decision_no_update_delete ON decisions_decision",
        "SET session_replication_role = replica",
    ],
    ids=["disable-trigger", "drop-trigger", "replica-mode"],
)
def test_the_app_role_cannot_switch_off_the_guard(app_role, decision, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        app_role.execute(statement)


def test_running_it_again_after_new_tables_is_harmless(monkeypatch):
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    call_command("db_app_role", ROLE, password_env="APP_DB_PASSWORD")
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE later_migration_table (id serial primary key, note text)")
    try:
        call_command("db_app_role", ROLE, password_env="APP_DB_PASSWORD")
        with connect_as_app_role() as conn:
            conn.execute("INSERT INTO later_migration_table (note) VALUES ('hello')")
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE later_migration_table")


def test_it_refuses_an_empty_password(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setenv("APP_DB_PASSWORD", "")
    with pytest.raises(CommandError, match="APP_DB_PASSWORD is empty"):
        call_command("db_app_role", ROLE, password_env="APP_DB_PASSWORD")
