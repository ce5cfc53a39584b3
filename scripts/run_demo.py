#!/usr/bin/env python3
"""Run Gatehouse on this machine: the web server, a Celery worker and Celery beat, together.

``make demo`` calls it after migrating and loading the demo; ``make run`` calls it alone.
Each child runs in its own process group and its output is prefixed with its name. Ctrl-C
(or SIGTERM) stops all of them; if one dies, the others are stopped and this exits non-zero.

Without REDIS_URL / CELERY_BROKER_URL Celery uses the filesystem broker under var/celery/
(config/settings/base.py); with DATABASE_URL / REDIS_URL set, those are used. Stdlib only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 8
PORT_SEARCH = 50

_print_lock = threading.Lock()


def say(line: str = "", name: str = "demo") -> None:
    with _print_lock:
        sys.stdout.write(f"{name:<6} | {line}\n" if name else f"{line}\n")
        sys.stdout.flush()


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def choose_port(wanted: int) -> int:
    for port in range(wanted, wanted + PORT_SEARCH):
        if port_is_free(port):
            return port
    raise SystemExit(f"No free port between {wanted} and {wanted + PORT_SEARCH - 1}.")


def wait_for_port(port: int, child: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def demo_logins() -> str:
    """The login table from portfolio.demo (the single source), without setting Django up."""
    sys.path.insert(0, str(ROOT))
    try:
        from portfolio.demo import format_logins
    except Exception as exc:  # a broken checkout should not stop the servers from starting
        return f"(demo logins unavailable: {exc}; see the output of manage.py load_demo)"
    return format_logins()


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if this runner is killed outright (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str]):
        self.name = name
        self.argv = argv
        self.proc = subprocess.Popen(  # noqa: S603 -- argv is built in this file
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a Ctrl-C reaches only this runner
            preexec_fn=_die_with_parent,  # safe: every child is forked before any thread starts
        )
        self.reader = threading.Thread(target=self._relay, daemon=True)
        self.ready = threading.Event()
        self.ready_marker: str | None = None

    def _relay(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            say(line, self.name)
            if self.ready_marker and self.ready_marker in line:
                self.ready.set()

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)


class Runner:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stop_requested = 0

    def on_signal(self, signum, frame) -> None:
        self.stop_requested += 1
        if self.stop_requested > 1:  # a second Ctrl-C: no more waiting
            for child in self.children:
                child.signal_group(signal.SIGKILL)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, env)
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        started = time.monotonic()
        for child in self.children:
            if child.proc.poll() is None:
                child.signal_group(signal.SIGTERM)
        deadline = started + STOP_GRACE_SECONDS
        running = list(self.children)
        while running and time.monotonic() < deadline:
            for child in [c for c in running if c.proc.poll() is not None]:
                running.remove(child)
                say(f"{child.name} stopped after {time.monotonic() - started:.1f} s")
            time.sleep(0.1)
        for child in self.children:
            if child.proc.poll() is None:
                say(f"{child.name} did not stop within {STOP_GRACE_SECONDS} s: killing it")
            # SIGKILL the whole group: also reaps grandchildren a child may have left behind.
            child.signal_group(signal.SIGKILL)
            child.proc.wait()
            child.reader.join(timeout=2)

    def first_dead(self) -> Child | None:
        return next((c for c in self.children if c.proc.poll() is not None), None)


def main() -> int:
    os.chdir(ROOT)
    started = time.monotonic()
    port = choose_port(int(os.environ.get("PORT", "8000")))
    python = sys.executable
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Links in reminder emails point at this server; the demo sweeps every minute.
    env.setdefault("GATEHOUSE_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("GATEHOUSE_SWEEP_EVERY_SECONDS", "60")
    for folder in ("queue", "processed", "results", "control"):  # the filesystem broker's folders
        (ROOT / "var" / "celery" / folder).mkdir(parents=True, exist_ok=True)
    broker = env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or "filesystem (var/celery/)"
    database = env.get("DATABASE_URL") or "SQLite (var/gatehouse.sqlite3)"

    runner = Runner()
    signal.signal(signal.SIGINT, runner.on_signal)
    signal.signal(signal.SIGTERM, runner.on_signal)

    web = runner.start(
        "web",
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env,
    )
    worker = runner.start(
        "worker",
        [python, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "info"],
        env,
    )
    worker.ready_marker = " ready."  # "celery@host ready." once it consumes
    runner.start(
        "beat",
        [
            python, "-m", "celery", "-A", "config", "beat", "-l", "info",
            "-s", str(ROOT / "var" / "celery" / "beat-schedule"),
        ],
        env,
    )  # fmt: skip

    for child in runner.children:
        child.reader.start()

    announced = False
    exit_code = 0
    while not runner.stop_requested:
        dead = runner.first_dead()
        if dead is not None:
            say(f"{dead.name} exited with status {dead.proc.returncode}: stopping everything")
            exit_code = 1
            break
        # Announce once the site answers and the worker is up (or has taken too long), so the
        # banner is not buried under the worker's start-up output.
        worker_settled = worker.ready.is_set() or time.monotonic() - started > 30
        if not announced and worker_settled and wait_for_port(port, web.proc, timeout=0.5):
            announced = True
            url = f"http://127.0.0.1:{port}/"
            banner = [
                "",
                "=" * 72,
                f"Gatehouse is running at  {url}   (ready in {time.monotonic() - started:.1f} s)",
                f"Admin:                   {url}admin/",
                f"Database: {database}    Celery broker: {broker}",
                f"Reminders: beat sweeps every {env['GATEHOUSE_SWEEP_EVERY_SECONDS']} s; "
                "emails print below (console), and show in each person's bell.",
                "",
                demo_logins(),
                "",
                "Ctrl-C stops everything (web, worker, beat).",
                "=" * 72,
                "",
            ]
            for line in banner:
                say(line, "")
        time.sleep(0.2)

    if runner.stop_requested:
        say("stopping web, worker and beat…")
    runner.stop_all()
    say("stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
