"""A signed charter cannot be erased or rewritten: an approved version, its signatures and its
rows — through the ORM, raw SQL, the production application role, the demo's SQLite or the
admin. What the services legitimately do still works: drafts change, a signature is withdrawn
while in review, an amendment supersedes the approved version. Runs on real PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from psycopg import errors

from charters import services
from charters.models import Charter, CharterVersion, DataSource, Signature, Status
from tests.charters.helpers import amend_and_approve, approved, in_review
from tests.decisions.test_app_role import PASSWORD, ROLE, connect_as_app_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(project):
    version, who = approved(project)
    return version


def _intact(version) -> None:
    row = CharterVersion.objects.get(pk=version.pk)
    assert row.status == Status.APPROVED
    assert row.problem == version.problem
    assert row.signatures.count() == 3
    assert row.data_sources.count() == 1


def _plain(model):
    """Django's own QuerySet, without our polite refusals."""
    return models.QuerySet(model=model)


ATTEMPTS = {
    "edit the approved content": lambda v: (
        _plain(CharterVersion).filter(pk=v.pk).update(problem="Rewritten")
    ),
    "send it back to draft": lambda v: (
        _plain(CharterVersion).filter(pk=v.pk).update(status=Status.DRAFT)
    ),
    "delete the version": lambda v: _plain(CharterVersion).filter(pk=v.pk).delete(),
    "delete the whole charter": lambda v: _plain(Charter).filter(pk=v.charter_id).delete(),
    "delete a signature": lambda v: _plain(Signature).filter(version=v).delete(),
    "withdraw a signature": lambda v: (
        _plain(Signature).filter(version=v).update(withdrawn_at=timezone.now())
    ),
    "move a signature to another signer": lambda v: (
        _plain(Signature).filter(version=v).update(signer=UserFactory())
    ),
    "add a signature": lambda v: Signature.objects.create(
        version=v, signer=UserFactory(), role="compliance_reviewer"
    ),
    "delete a data source": lambda v: _plain(DataSource).filter(version=v).delete(),
    "raw DELETE": lambda v: connection.cursor().execute(
        "DELETE FROM charters_charterversion WHERE id = %s", [v.pk]
    ),
}


@pytest.mark.parametrize("route", list(ATTEMPTS), ids=list(ATTEMPTS))
def test_the_database_refuses(signed, route):
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        ATTEMPTS[route](signed)
    assert "append-only" in str(exc.value)
    _intact(signed)


def test_what_the_services_do_still_works(project):
    version, who = in_review(project)
    services.charter_sign(version=version, by=who["business_owner"])
    services.charter_withdraw_signature(version=version, by=who["business_owner"])
    assert not Signature.objects.filter(version=version).active().exists()  # withdrawn, kept
    version.refresh_from_db()
    for role in ("business_owner", "production_owner", "decision_maker"):
        version.refresh_from_db()
        if version.status == Status.IN_REVIEW:
            services.charter_sign(version=version, by=who[role])
    version.refresh_from_db()
    assert version.status == Status.APPROVED
    amended = amend_and_approve(project, who, threshold={"threshold": 70})
    assert amended.status == Status.APPROVED
    version.refresh_from_db()
    assert version.status == Status.SUPERSEDED
    # Superseded is as frozen as approved.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _plain(CharterVersion).filter(pk=version.pk).update(status=Status.APPROVED)


class TestTheApplicationRole:
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
        ("statement", "refusal"),
        [
            ("DELETE FROM charters_charterversion", errors.InsufficientPrivilege),
            ("DELETE FROM charters_charter", errors.InsufficientPrivilege),
            ("DELETE FROM charters_signature", errors.InsufficientPrivilege),
            ("TRUNCATE charters_charterversion CASCADE", errors.InsufficientPrivilege),
            ("UPDATE charters_signature SET role = 'decision_maker'", errors.InsufficientPrivilege),
            # What its grants allow for drafts, the triggers refuse for a signed version.
            ("UPDATE charters_charterversion SET problem = 'Rewritten'", errors.RestrictViolation),
            ("UPDATE charters_signature SET withdrawn_at = now()", errors.RestrictViolation),
        ],
        ids=[
            "delete-version",
            "delete-charter",
            "delete-signature",
            "truncate",
            "update-signature",
            "update-version",
            "withdraw-signed",
        ],
    )
    def test_it_cannot_rewrite_a_signed_charter(self, app_role, signed, statement, refusal):
        with pytest.raises(refusal):
            app_role.execute(statement)
        _intact(signed)

    def test_it_still_edits_a_draft(self, app_role, signed, project):
        draft = services.charter_amend(charter=signed.charter, by=project.pm)
        cur = app_role.execute(
            "UPDATE charters_charterversion SET problem = 'Sharper problem' WHERE id = %s",
            [draft.pk],
        )
        assert cur.rowcount == 1


def test_the_admin_shows_charters_read_only(client, signed):
    admin = UserFactory(email="admin@firm.test", is_staff=True, is_superuser=True)
    client.force_login(admin)
    signature = signed.signatures.first()
    pages = {
        "admin:charters_charter_change": signed.charter_id,
        "admin:charters_charterversion_change": signed.pk,
        "admin:charters_signature_change": signature.pk,
    }
    for name, pk in pages.items():
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code == 200
        assert b'name="_save"' not in response.content  # view-only: no Save button
        assert b"deletelink" not in response.content
        assert client.post(reverse(name, args=[pk]), {}).status_code == 403
    for name, pk in {
        "admin:charters_charter_delete": signed.charter_id,
        "admin:charters_charterversion_delete": signed.pk,
        "admin:charters_signature_delete": signature.pk,
    }.items():
        assert client.post(reverse(name, args=[pk]), {"post": "yes"}).status_code == 403
    # "Delete selected" is not offered, and posting it anyway deletes nothing (and is no 500).
    changelist = reverse("admin:charters_charterversion_changelist")
    assert b"delete_selected" not in client.get(changelist).content
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [signed.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    _intact(signed)


def test_sqlite_triggers_keep_a_signed_charter(migrated_sqlite):
    """The demo runs on SQLite: after every migration, plain SQL cannot rewrite or delete an
    approved version or a signature, and can still do what the services do."""
    with sqlite3.connect(migrated_sqlite) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")  # bare rows: the triggers are the subject
        info = conn.execute("PRAGMA table_info(charters_charterversion)").fetchall()
        row = {name: _filler(kind) if not_null else None for _, name, kind, not_null, *_ in info}
        row |= {"id": 1, "charter_id": 1, "number": 1, "status": "in_review"}
        row |= {"problem": "Invoices wait", "currency": "EUR"}
        conn.execute(
            f"INSERT INTO charters_charterversion ({', '.join(row)}) "  # noqa: S608 - the table's own columns
            f"VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        conn.execute(
            "INSERT INTO charters_signature (id, version_id, signer_id, role, signed_at) "
            "VALUES (1, 1, 1, 'decision_maker', '2026-01-02')"
        )
        conn.execute(
            "INSERT INTO charters_datasource (id, version_id, name, owner_name, from_production, "
            "sensitivity, residency) VALUES (1, 1, 'CRM', '', 1, 'internal', '')"
        )
        conn.execute("UPDATE charters_charterversion SET status = 'approved' WHERE id = 1")
        for statement in (
            "UPDATE charters_charterversion SET problem = 'Rewritten' WHERE id = 1",
            "UPDATE charters_charterversion SET status = 'draft' WHERE id = 1",
            "DELETE FROM charters_charterversion WHERE id = 1",
            "DELETE FROM charters_signature WHERE id = 1",
            "UPDATE charters_signature SET withdrawn_at = '2026-01-03' WHERE id = 1",
            "UPDATE charters_signature SET signer_id = 2 WHERE id = 1",
            "INSERT INTO charters_signature (id, version_id, signer_id, role, signed_at) "
            "VALUES (2, 1, 2, 'business_owner', '2026-01-02')",
            "DELETE FROM charters_datasource WHERE id = 1",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="signed charters are append-only"):
                conn.execute(statement)
        # approved → superseded is the one move left to it.
        conn.execute("UPDATE charters_charterversion SET status = 'superseded' WHERE id = 1")
        assert conn.execute("SELECT problem, status FROM charters_charterversion").fetchall() == [
            ("Invoices wait", "superseded")
        ]


def _filler(sqlite_type: str):
    """A value for a NOT NULL column of a bare row, by its declared type."""
    kind = sqlite_type.lower()
    if "date" in kind:
        return "2026-01-01 10:00"
    if "char" in kind or "text" in kind:
        return ""
    return 0
