"""Production, booted for real: gunicorn with config.settings.production, a Celery worker and
beat, all three connected to the test PostgreSQL as the restricted application role
(``manage.py db_app_role``) and to the test Redis; static files collected and served by
WhiteNoise, as the Dockerfile does.

Then, over HTTP with the proxy's ``X-Forwarded-Proto: https`` and ``Host`` (HTTPS is forced):
a person logs in through the real login page; a tool records a decision with a token; every
response carries the security headers and the cookies their flags; a hashed, compressed static
file is served; the worker runs a task sent through Redis and beat's sweep runs on it.

The data lives in pytest-django's test database with ``transaction=True``: the rows are
committed, so the separate processes see them, and the database is flushed after the test. The
processes are stopped before that flush (their fixture is torn down first).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import Morsel, SimpleCookie
from pathlib import Path

import pytest
from celery import Celery
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection

from decisions.models import Decision
from decisions.services import gate_open
from portfolio.models import Stage, User
from portfolio.services import token_create
from tests.decisions.helpers import proposed_project
from tests.factories import OrganisationFactory, member

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
HOST = "gatehouse.smoke.test"  # what the proxy passes on; ALLOWED_HOSTS names only it
ORIGIN = f"https://{HOST}"
ROLE = "gatehouse_app_smoke"
PASSWORD = "a-long-smoke-test-passphrase"
BOOT_SECONDS = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the processes -----------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


@dataclass
class Production:
    port: int
    broker_url: str
    processes: dict[str, Process] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict[str, str], workdir: Path) -> None:
        log = workdir / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
        self.processes[name] = Process(name, popen, log)

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes.values())

    def errors(self) -> list[str]:
        """Lines of any process's whole log that report a failure."""
        return [
            f"{process.name}: {line}"
            for process in self.processes.values()
            for line in process.log.read_text(errors="replace").splitlines()
            if "Traceback" in line or "ERROR" in line or "CRITICAL" in line
        ]

    def check_alive(self) -> None:
        for process in self.processes.values():
            if process.popen.poll() is not None:
                raise AssertionError(f"{process.name} exited\n{self.logs()}")


def production_environment(workdir: Path, database_url: str, broker_url: str) -> dict[str, str]:
    """What config/settings/production.py insists on (it refuses to start without it)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        "GATEHOUSE_BASE_URL": ORIGIN,
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "STATIC_ROOT": str(workdir / "static"),
        # Beat sends the reminder sweep every 2 s instead of 5 min, so it is seen within the test.
        "GATEHOUSE_SWEEP_EVERY_SECONDS": "2",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def app_role_database_url() -> str:
    """The test database, reached as the application role rather than the owner."""
    call_command("db_app_role", ROLE, password_env="SMOKE_APP_DB_PASSWORD")
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    netloc = f"{ROLE}:{os.environ['SMOKE_APP_DB_PASSWORD']}@{url.hostname}:{url.port}"
    return urllib.parse.urlunsplit(
        url._replace(netloc=netloc, path="/" + connection.settings_dict["NAME"])
    )


def isolated_broker() -> str:
    """The test Redis, another database number: the worker takes only this test's tasks, not
    whatever other tests left queued."""
    url = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    return urllib.parse.urlunsplit(url._replace(path="/13"))


@pytest.fixture(autouse=True)
def _decisions_purged_before_flush(transactional_db):
    """After the test the runner flushes every table with TRUNCATE, which decisions refuse
    (triggers): empty that table first with the triggers off for this session, as
    tests/decisions/conftest.py does for the transactional tests there. Set up before the
    processes start, so it runs after they have stopped."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute("DELETE FROM decisions_decision")
        finally:
            cursor.execute("SET session_replication_role = origin")


@pytest.fixture
def production(tmp_path, monkeypatch) -> Iterator[Production]:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.fail("The production smoke test needs PostgreSQL: run it through `make test`.")
    monkeypatch.setenv("SMOKE_APP_DB_PASSWORD", secrets.token_urlsafe(16))
    broker_url = isolated_broker()
    env = production_environment(tmp_path, app_role_database_url(), broker_url)
    stack = Production(port=free_port(), broker_url=broker_url)
    python = sys.executable
    try:
        # Worker and beat boot while the static files are collected (gunicorn needs them first:
        # WhiteNoise reads STATIC_ROOT when it starts).
        stack.start(
            "worker",
            [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
             "--pool", "solo", "--without-gossip", "--without-mingle", "-n", "smoke@%h"],
            env, tmp_path,
        )  # fmt: skip
        stack.start(
            "beat",
            [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
             "--schedule", str(tmp_path / "beat-schedule")],
            env, tmp_path,
        )  # fmt: skip
        collected = subprocess.run(  # noqa: S603
            [python, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=BOOT_SECONDS,
        )  # fmt: skip
        assert collected.returncode == 0, collected.stderr
        stack.start(
            "gunicorn",
            [python, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
             "--bind", f"127.0.0.1:{stack.port}", "--timeout", "30", "--access-logfile", "-"],
            env, tmp_path,
        )  # fmt: skip
        deadline = time.monotonic() + BOOT_SECONDS
        while True:
            stack.check_alive()
            try:
                if Browser(stack.port).get("/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not answer\n{stack.logs()}")
            time.sleep(0.2)
        yield stack
    finally:
        for process in reversed(stack.processes.values()):
            process.stop()


# --- the browser: cookies, redirects, the proxy's headers --------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    set_cookies: dict[str, Morsel]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """What a browser behind the TLS proxy sends: Host, X-Forwarded-Proto, its cookies (Secure
    ones too: the browser's side is HTTPS), Origin and Referer on a POST. A redirect is followed
    by hand so each hop's cookies and headers are seen."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        proto: str | None = "https",
    ) -> Answer:
        sent = {"Host": HOST, **(headers or {})}
        if proto:
            sent["X-Forwarded-Proto"] = proto
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, headers=sent, method=method
        )
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            body = response.read()
            set_cookies: dict[str, Morsel] = {}
            for line in response.headers.get_all("Set-Cookie") or []:
                parsed: SimpleCookie = SimpleCookie()
                parsed.load(line)
                for name, morsel in parsed.items():
                    set_cookies[name] = morsel
                    self.cookies[name] = morsel.value
            return Answer(response.status, dict(response.headers.items()), set_cookies, body)

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def follow(self, answer: Answer, limit: int = 5) -> Answer:
        while answer.status in (301, 302, 303) and limit:
            location = urllib.parse.urlsplit(answer.headers["Location"])
            assert location.netloc in ("", HOST), answer.headers["Location"]
            answer = self.get(urllib.parse.urlunsplit(("", "", location.path, location.query, "")))
            limit -= 1
        return answer


def csrf_token(page: Answer) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return html.unescape(found.group(1))


# --- the checks --------------------------------------------------------------------------------


def assert_security_headers(answer: Answer) -> None:
    h = {k.lower(): v for k, v in answer.headers.items()}
    assert h["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    csp = h["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'",
                      "form-action 'self'"):  # fmt: skip
        assert directive in csp, (directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert "camera=()" in h["permissions-policy"]
    assert "geolocation=()" in h["permissions-policy"]
    assert h["x-frame-options"] == "DENY"
    assert h["cross-origin-opener-policy"] == "same-origin"


@pytest.fixture
def portfolio(transactional_db):
    org = OrganisationFactory(name="Smoke Holdings", slug="smoke-holdings")
    pm = member(org, "pm", email="pm@smoke.test", full_name="Pia Smoke")
    executive = member(org, "executive", email="exec@smoke.test", full_name="Eli Smoke")
    # The test settings hash with MD5, which production does not accept: a PBKDF2 hash (few
    # iterations, so it is quick; Django upgrades it at the first login, a write as the app role).
    executive.password = PBKDF2PasswordHasher().encode(PASSWORD, "smokesalt", iterations=1000)
    executive.save(update_fields=["password"])
    project = proposed_project(org, pm, executive, name="Smoke detector")
    gate = gate_open(project=project)
    assert gate is not None
    _, secret = token_create(user=executive, name="Smoke harness", scope="write")
    return executive, project, gate, secret


def test_production_boots_serves_securely_and_runs_background_work(
    production, portfolio, monkeypatch
):
    executive, project, gate, secret = portfolio
    browser = Browser(production.port)

    # Plain HTTP is sent to HTTPS (SECURE_SSL_REDIRECT), as the proxy's port 80 would be.
    plain = browser.get("/accounts/login/", proto="http")
    assert plain.status == 301
    assert plain.headers["Location"] == f"{ORIGIN}/accounts/login/"

    # The login page, and its cookie.
    login_page = browser.get("/accounts/login/")
    assert login_page.status == 200, login_page.text[:500]
    assert_security_headers(login_page)
    csrf_cookie = login_page.set_cookies["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["samesite"] == "Lax"

    # Log in through the form, as a person would.
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf_token(login_page),
            "username": executive.email,
            "password": PASSWORD,
        }
    ).encode()
    posted = browser.request(
        "POST",
        "/accounts/login/",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": ORIGIN,
            "Referer": f"{ORIGIN}/accounts/login/",
        },
    )
    assert posted.status == 302, posted.text[:1000]
    session = posted.set_cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    home = browser.follow(posted)
    assert home.status == 200
    assert executive.full_name in home.text
    assert_security_headers(home)
    # Django upgraded the few-iteration hash at login: the app role may write users.
    algorithm, iterations, *_ = User.objects.get(pk=executive.pk).password.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) > 1000

    # The API docs: behind the login in production, there for the signed-in person.
    assert Browser(production.port).get("/api/schema/").status == 401
    assert browser.get("/api/docs/").status == 200

    # A static file, hashed by the manifest, compressed and cached for a year by WhiteNoise.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login_page.text)
    assert stylesheet, "the page does not link the hashed stylesheet"
    css = browser.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers.get("Content-Encoding") == "gzip"
    assert "immutable" in css.headers["Cache-Control"]

    # A tool records a decision with its token: the app role appends to decisions_decision.
    decided = browser.request(
        "POST",
        "/api/v1/decisions/",
        data=json.dumps(
            {
                "project": project.pk,
                "gate": gate.pk,
                "outcome": "kill",
                "reason_category": "other",
                "rationale": "Smoke test: no business case.",
            }
        ).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    assert decided.status == 201, decided.text
    decision = Decision.objects.get(project=project)
    assert decision.outcome == "kill" and decision.decided_by_id == executive.pk
    project.refresh_from_db()
    assert project.stage == Stage.KILLED

    # The worker: a task sent through Redis runs and writes as the app role; the page shows it.
    assert "Background worker has not run yet" in home.text
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", production.broker_url)
    sender = Celery(broker=production.broker_url)
    sender.send_task("portfolio.tasks.record_heartbeat")
    sender.close()
    deadline = time.monotonic() + 20
    while "Background worker last ran" not in browser.get("/").text:
        production.check_alive()
        assert time.monotonic() < deadline, f"no heartbeat\n{production.logs()}"
        time.sleep(0.5)

    # Beat: its reminder sweep (every 2 s here) reached the worker through Redis and ran.
    worker_log = production.processes["worker"].log
    deadline = time.monotonic() + 20
    while not re.search(
        r"Task decisions\.tasks\.sweep_reminders\[[^\]]+\] succeeded", worker_log.read_text()
    ):
        production.check_alive()
        assert time.monotonic() < deadline, f"beat's sweep never ran\n{production.logs()}"
        time.sleep(0.5)
    assert production.errors() == [], production.logs()
