"""Fixtures shared by every test: organisations and people in each role, and the browser."""

import os

import pytest

from tests.factories import OrganisationFactory, ProjectFactory, UserFactory, member

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    """Throttle and rate-limit counters (the cache, config/settings/test.py) start at zero in
    every test: no test is throttled for the calls of the tests before it."""
    from django.core.cache import cache

    cache.clear()


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
