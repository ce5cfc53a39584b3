"""Fixtures shared by every test: organisations and people in each role, and the browser."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import OrganisationFactory, ProjectFactory, UserFactory, member

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    """Throttle and rate-limit counters (the cache, config/settings/test.py) start at zero in
    every test: no test is throttled for the calls of the tests before it."""
    from django.core.cache import cache

    cache.clear()


# Tables the database keeps append-only (triggers: decisions 0003, portfolio 0008, charters 0006).
HISTORY_TABLES = (
    "decisions_decision",
    "portfolio_auditevent",
    "charters_signature",
    "charters_datasource",
    "charters_integration",
    "charters_charterversion",
)


@pytest.fixture(autouse=True)
def _history_purged_before_flush(request):
    """History refuses DELETE and TRUNCATE (triggers). After a transactional test (browser
    tests) the runner flushes every table with TRUNCATE; empty the history tables first the way a
    DBA would — as superuser with triggers off for this session — then switch them back on."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    yield
    if transactional and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            try:
                for table in HISTORY_TABLES:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own constant names
            finally:
                cursor.execute("SET session_replication_role = origin")


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """A fresh SQLite database migrated for real (every migration, as ``make demo`` does), once
    per run: a later migration that rebuilds a table and drops its triggers is caught."""
    db = tmp_path_factory.mktemp("sqlite") / "demo.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return db


@pytest.fixture
def migrated_sqlite(_migrated_sqlite, tmp_path) -> Path:
    """A copy of the migrated SQLite database for one test (the demo's own engine)."""
    copy = tmp_path / "demo.sqlite3"
    shutil.copy(_migrated_sqlite, copy)
    return copy


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Acme Logistics", slug="acme-logistics")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Globex Retail", slug="globex-retail")


@pytest.fixture
def pm(org):
    return member(org, "pm", email="pm@acme.test", full_name="Pat Manager")


@pytest.fixture
def executive(org):
    return member(org, "executive", email="exec@acme.test", full_name="Erin Executive")


@pytest.fixture
def viewer(org):
    return member(org, "viewer", email="viewer@acme.test", full_name="Vic Viewer")


@pytest.fixture
def outsider(other_org):
    """A PM — the most powerful role — but in the other organisation."""
    return member(other_org, "pm", email="pm@globex.test", full_name="Olga Outsider")


@pytest.fixture
def partner(db):
    return UserFactory(email="partner@firm.test", full_name="Paula Partner", is_partner=True)


@pytest.fixture
def project(org, pm, executive):
    return ProjectFactory(
        organisation=org,
        name="Invoice triage",
        slug="invoice-triage",
        pm=pm,
        decision_maker=executive,
        business_owner=executive,
    )


@pytest.fixture
def other_project(other_org, outsider):
    return ProjectFactory(organisation=other_org, name="Globex pricing bot", pm=outsider)


# --- Playwright: Debian's Chromium, never a downloaded browser -------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
        ],
    }


@pytest.fixture
def login(live_server, page):
    """Log a user in through the real login form; returns the page."""

    def _login(user, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _login


# --- axe-core on the pages the browser tests visit ----------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call":
        item.gatehouse_call_failed = report.failed
    return report


AXE_CHECKED = {"tests": 0, "pages": 0, "swapped": 0}


def pytest_terminal_summary(terminalreporter):
    if AXE_CHECKED["tests"]:
        terminalreporter.write_line(
            f"axe-core: {AXE_CHECKED['pages']} pages checked as they were sent, "
            f"{AXE_CHECKED['swapped']} as htmx swaps left them, and the last page of each of "
            f"{AXE_CHECKED['tests']} browser tests as it was left"
        )


@pytest.fixture(autouse=True)
def _axe_after_each_browser_test(request):
    """axe-core checks every page a browser test visits (tests/axe.py): each HTML document the
    browser was sent, each state htmx's swaps left a page in, and the page the test ended on as
    the person left it. The suite fails on
    a serious or critical violation. A test that failed is not checked again. Tests that open a
    second browser context attach a ``tests.axe.Recorder`` to it; tests that assert
    accessibility at other moments call ``tests.axe.assert_accessible``."""
    if "page" not in request.fixturenames:
        yield
        return
    from tests import axe

    recorder = axe.Recorder().attach(request.getfixturevalue("context"))
    request.node.gatehouse_axe = recorder
    # Asked for before the test runs, so that the page is closed after these checks, not before.
    page = request.getfixturevalue("page")
    yield
    if getattr(request.node, "gatehouse_call_failed", True):
        return
    if not page.is_closed() and page.url.startswith("http") and axe.ours(page.url):
        axe.assert_accessible(page)
    found = axe.check_documents(request.getfixturevalue("browser"), recorder.everything)
    AXE_CHECKED["pages"] += len(recorder.documents)
    AXE_CHECKED["swapped"] += len(recorder.swapped)
    AXE_CHECKED["tests"] += 1
    assert not found, "axe-core found serious violations on pages this test visited:\n" + (
        axe.found_described(found)
    )
