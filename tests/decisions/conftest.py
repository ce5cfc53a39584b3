import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _decisions_purged_before_flush(request):
    """Decisions refuse DELETE and TRUNCATE (triggers). After a transactional test (browser
    tests) the runner flushes every table with TRUNCATE; empty the decision table first the way a
    DBA would — as superuser with triggers off for this session — then switch them back on."""
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
    if transactional:
        request.getfixturevalue("transactional_db")
    yield
    if transactional and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute("DELETE FROM decisions_decision")
            finally:
                cursor.execute("SET session_replication_role = origin")
