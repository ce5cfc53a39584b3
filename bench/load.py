"""``make bench``: Gatehouse at firm scale (issue 12, and issue 11's dashboard benchmark).

1. Builds the firm (bench/firm.py) in a fresh test database on the PostgreSQL of
   scripts/with_services.sh: first 100 projects, where it counts each page's queries and HTML
   bytes in process (Django's test client, ``CaptureQueriesContext``), then grown to
   ``--projects`` (20,000), where it counts them again.
2. Serves it with gunicorn, 2 sync workers, production settings (bench/settings.py: the app's
   URLs plus two baselines, bench/urls.py), HTTPS forced and requests sent as the proxy would
   (``X-Forwarded-Proto: https``).
3. Loads each URL with wrk (2 connections, ``--duration`` seconds) once the machine is quiet
   (/proc/loadavg's 1-minute figure under ``--quiet-load``, waiting at most ``--quiet-wait``
   seconds), the two baselines first and again last, and prints per URL p50, p95, req/s, the
   ratios to each baseline, the query count and the HTML size at both sizes.

These 2-core machines are shared and their absolute times drift between runs: read the ratios,
and the load each URL started at. ``make bench-smoke`` is the same at 300 projects and one second
per URL; it exits non-zero when a URL answers an error. It prints figures; it asserts nothing
about them. ``BENCH_ARGS="--only dashboard"`` loads only the URLs whose label says so (and the
baselines), e.g. to measure a fix; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SMALL = 100  # the size the query counts and HTML sizes are compared with
WORKERS = 2
CONNECTIONS = 2
LUA = Path(__file__).resolve().parent / "wrk_report.lua"
PROTO = ("X-Forwarded-Proto", "https")


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=None, help="default 20000 (smoke: 300)")
    parser.add_argument("--duration", type=int, default=None, help="seconds per URL (15; smoke 1)")
    parser.add_argument("--quiet-load", type=float, default=0.7, help="1-minute load to wait for")
    parser.add_argument(
        "--quiet-wait", type=float, default=None, help="longest wait for it, s (180; smoke 3)"
    )
    parser.add_argument("--smoke", action="store_true", help="the fast variant: fails on errors")
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="load only the URLs whose label contains TEXT (repeatable), and the baselines",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN (ANALYZE, BUFFERS) of each loaded URL's slowest query over 50 ms",
    )
    args = parser.parse_args(argv)
    args.projects = args.projects or (300 if args.smoke else 20_000)
    args.duration = args.duration or (1 if args.smoke else 15)
    args.quiet_wait = args.quiet_wait if args.quiet_wait is not None else (3 if args.smoke else 180)
    return args


def environment(static_root: str) -> None:
    """What production settings insist on, for this process and gunicorn alike."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("bench/load.py needs DATABASE_URL on PostgreSQL: run it with `make bench`.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("bench/load.py needs REDIS_URL (production settings): run it with `make bench`.")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        GATEHOUSE_BASE_URL="https://gatehouse.bench.test",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- in process: query counts and HTML sizes ---------------------------------------------------


@dataclass
class Count:
    status: int
    queries: int
    size: int
    ms: float = 0.0  # the request in process (one run: a hint, not a figure)
    sql_ms: float = 0.0  # of which in the database, as Django timed its queries
    slowest: tuple[float, str] = (0.0, "")  # the slowest query: (ms, SQL)


def count_pages(firm) -> tuple[list, dict[str, Count | None]]:
    """Each target once in process, after one warming request: its status, query count and
    body size. None for a pending URL that does not resolve yet."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.firm import targets

    client = Client()

    def fetch(path: str, headers: dict[str, str]):
        response = client.get(path, headers=headers, secure=True)
        return response.json() if response.status_code == 200 else {}

    found = targets(firm, fetch)
    counts: dict[str, Count | None] = {}
    for t in found:
        if t.pending and not resolves(t.path):
            counts[t.label] = None
            continue
        headers = dict(t.headers)
        client.get(t.path, headers=headers, secure=True)
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(t.path, headers=headers, secure=True)
            ms = (time.perf_counter() - started) * 1000
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        counts[t.label] = Count(
            response.status_code,
            len(timed),
            len(response.content),
            ms=ms,
            sql_ms=sum(q for q, _ in timed),
            slowest=max(timed, default=(0.0, "")),
        )
    return found, counts


def where_time_goes(targets, full: dict[str, Count | None], runs: dict, args) -> None:
    """For each URL measured: one request in process, how much of it the database took,
    and its slowest query — where a fix would start (the profile is another engineer's job)."""
    print(f"\nWhere the time goes at {args.projects:,} projects (one request in process each):")
    for t in targets:
        c, run = full.get(t.label), runs.get(t.label)
        if c is None or run is None or t.baseline:
            continue
        ms, sql = c.slowest
        text = re.sub(r"\s+", " ", sql)
        shown = text if len(text) <= 240 else f"{text[:160]} … {text[-70:]}"
        print(
            f"  {t.label}: {c.ms:.0f} ms, {c.queries} queries taking {c.sql_ms:.0f} ms; "
            f"slowest {ms:.1f} ms: {shown}"
        )
        if args.explain and ms >= EXPLAIN_FROM_MS and sql.lstrip().upper().startswith("SELECT"):
            print(f"\n--- {t.label}: its slowest query\n{sql}\n--- its plan\n{explain(sql)}\n")


EXPLAIN_FROM_MS = 50


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(path).path)
    except Resolver404:
        return False
    return True


# --- gunicorn ----------------------------------------------------------------------------------


class Server:
    """gunicorn, 2 sync workers, production settings, on a free loopback port."""

    def __init__(self, database_url: str, log: Path):
        self.port = free_port()
        self.log = log
        env = dict(os.environ, DATABASE_URL=database_url)
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
            "--chdir", str(ROOT), "--log-level", "warning", "--timeout", "60",
        ]  # fmt: skip
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
            try:
                if self.get("/bench/plain/", {})[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 60 s:\n{self.tail()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, int, str]:
        """(status, body bytes, Location) without following a redirect."""
        request = urllib.request.Request(self.url(path), headers={**dict([PROTO]), **headers})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, len(response.read()), ""
        except urllib.error.HTTPError as error:
            return error.code, len(error.read()), error.headers.get("Location", "")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the arbiter stops its workers gracefully
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- load --------------------------------------------------------------------------------------


def load_1min() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def wait_quiet(limit: float, cap: float) -> tuple[float, float]:
    """Wait until the 1-minute load is under ``limit`` (at most ``cap`` seconds): (load, waited)."""
    started = time.monotonic()
    load = load_1min()
    while load >= limit and time.monotonic() - started < cap:
        time.sleep(2)
        load = load_1min()
    return load, time.monotonic() - started


@dataclass
class Run:
    p50: float  # ms
    p95: float
    rps: float
    requests: int
    errors: int  # status >= 400, and socket errors
    load: float
    waited: float


def wrk(server: Server, path: str, headers: dict[str, str], seconds: int) -> dict[str, int]:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    command += ["-s", str(LUA)]
    for name, value in {**dict([PROTO]), **headers}.items():
        command += ["-H", f"{name}: {value}"]
    command.append(server.url(path))
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("bench-result ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def measure(server: Server, path: str, headers: dict[str, str], args) -> Run:
    for _ in range(4):  # each worker has loaded its templates and connected
        server.get(path, headers)
    load, waited = wait_quiet(args.quiet_load, args.quiet_wait)
    r = wrk(server, path, headers, args.duration)
    errors = r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"]
    errors += r["timeouts"]
    return Run(
        p50=r["p50"] / 1000,
        p95=r["p95"] / 1000,
        rps=r["requests"] / (r["duration"] / 1e6),
        requests=r["requests"],
        errors=errors,
        load=load,
        waited=waited,
    )


# --- the report --------------------------------------------------------------------------------


def ratio(value: float, base: float | None) -> str:
    return f"{value / base:.1f}×" if base else "-"


def verdict(goal: str, run: Run, drf: tuple[float, float] | None) -> str:
    if goal.startswith("p95<"):
        return "ok" if run.p95 < float(goal[4:]) else f"over {goal[4:]} ms"
    if goal == "api" and drf:
        ok = run.p50 <= 1.5 * drf[0] and run.p95 <= 1.5 * drf[1]
        return "ok" if ok else "over 1.5× DRF"
    return ""


def report(args, targets, runs, small, full, problems) -> None:
    baselines = {}
    for t in targets:
        if not t.baseline or t.name in baselines:
            continue
        found = [runs[k] for k in (t.label, t.label + " again") if k in runs]
        if found:
            baselines[t.name] = (
                statistics.fmean(r.p50 for r in found),
                statistics.fmean(r.p95 for r in found),
            )
    plain, drf = baselines.get("plain template"), baselines.get("bare DRF cursor list")
    width = max(len(t.label) for t in targets) + 1
    big = f"{args.projects:,}"
    head = (
        f"{'URL (who)':<{width}} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6}  "
        f"{'p50/plain':>9} {'p95/plain':>9} {'p50/DRF':>7} {'p95/DRF':>7}  "
        f"{'queries':>7} {'queries':>7}  {'KB':>6} {'KB':>6}  {'load':>4}  target (issue 12)"
    )
    under = (
        f"{'':<{width}} {'':>7} {'':>7} {'':>6}  {'':>9} {'':>9} {'':>7} {'':>7}  "
        f"{'@' + str(SMALL):>7} {'@' + big:>7}  {'@' + str(SMALL):>6} {'@' + big:>6}"
    )
    print(f"\n{head}\n{under}\n{'-' * len(head)}")
    seen = set()
    for t in targets:
        run = runs.get(t.label) if t.label not in seen else runs.get(t.label + " again")
        seen.add(t.label)
        a, b = small.get(t.label), full.get(t.label)
        counts = (
            f"{(a.queries if a else '-'):>7} {(b.queries if b else '-'):>7}  "
            f"{(f'{a.size / 1024:.1f}' if a else '-'):>6} {(f'{b.size / 1024:.1f}' if b else '-'):>6}"
        )
        if run is None:
            why = "not measured: " + (problems.get(t.label) or "-")
            print(f"{t.label:<{width}} {why:<68}  {counts}")
            continue
        print(
            f"{t.label:<{width}} {run.p50:>7.1f} {run.p95:>7.1f} {run.rps:>6.0f}  "
            f"{ratio(run.p50, plain and plain[0]):>9} {ratio(run.p95, plain and plain[1]):>9} "
            f"{ratio(run.p50, drf and drf[0]):>7} {ratio(run.p95, drf and drf[1]):>7}  "
            f"{counts}  {run.load:>4.2f}  {verdict(t.goal, run, drf)}"
        )
    print(
        f"\nwrk 4.1, {CONNECTIONS} connections (1 thread), {args.duration} s per URL; gunicorn "
        f"{WORKERS} sync workers, production settings; ratios to the mean of the baseline's two "
        "runs (first and last). load: the 1-minute load average when the URL's run started "
        f"(waited for < {args.quiet_load}, at most {args.quiet_wait:.0f} s). queries and KB: "
        f"one request in process at {SMALL} projects and at {big}."
    )
    for t in targets:
        if t.note:
            print(f"{t.label}: {t.note} at {big} projects.")


def print_build(firm, label: str, seconds: float) -> None:
    from bench.firm import decisions_facts, describe, row_counts

    print(f"\n{label}: built in {seconds:.0f} s", flush=True)
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in firm.seconds.items())
    print(f"  builder time by step (cumulative): {steps}")
    counts = row_counts()
    print("  rows: " + ", ".join(f"{k.split('.')[1]} {v:,}" for k, v in counts.items()))
    print("  decisions: " + ", ".join(f"{k} {v:,}" for k, v in decisions_facts().items()))
    print("  firm: " + ", ".join(f"{k} {v}" for k, v in describe(firm).items()), flush=True)


def terminate(signum, frame):
    """The first SIGTERM stops the run through its ``finally`` (gunicorn, the test database);
    a second one while that cleans up is ignored."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    args = arguments(argv)
    began = time.perf_counter()
    signal.signal(signal.SIGTERM, terminate)  # so that gunicorn and the test database go too
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (bench/system_deps.sh).")
    workdir = Path(tempfile.mkdtemp(prefix="gatehouse-bench-"))
    environment(str(workdir / "static"))

    import django

    # The config package first: its __init__ (Celery) reads the settings, and bench.settings
    # imports from inside that package — entered the other way round, the settings module would
    # be read half-initialised. gunicorn's config.wsgi enters it this way too.
    import config  # noqa: F401

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from bench.firm import firm_analyse, firm_create, firm_grow

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest pages need
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    server = None
    problems: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            print(f"{cursor.fetchone()[0].split(',')[0]}; {os.cpu_count()} cores", flush=True)
        started = time.perf_counter()
        firm = firm_create(people=args.people)
        small_size = min(SMALL, args.projects)
        firm_grow(firm, small_size)
        firm_analyse(vacuum=True)
        print_build(firm, f"{small_size} projects", time.perf_counter() - started)
        _, small = count_pages(firm)
        firm_grow(firm, args.projects)
        firm_analyse(vacuum=True)
        print_build(firm, f"{args.projects:,} projects", time.perf_counter() - started)
        targets, full = count_pages(firm)
        if args.only:
            targets = [t for t in targets if t.baseline or any(o in t.label for o in args.only)]
        targets = [*targets, *[t for t in targets if t.baseline]]  # baselines again, last

        url = urlsplit(os.environ["DATABASE_URL"])._replace(
            path="/" + connection.settings_dict["NAME"]
        )
        server = Server(url.geturl(), workdir / "gunicorn.log")
        print(f"\ngunicorn on 127.0.0.1:{server.port}; wrk on each URL:", flush=True)
        runs: dict[str, Run] = {}
        for t in targets:
            key = t.label if t.label not in runs else t.label + " again"
            count = full.get(t.label)
            if count is None and t.pending:
                problems[t.label] = f"{t.path} does not exist yet (404; being built)"
                print(f"  {t.label}: {problems[t.label]}", flush=True)
                continue
            status, size, location = server.get(t.path, dict(t.headers))
            if status != 200:
                where = f" to {location}" if location else ""
                problems[t.label] = f"answered {status}{where}"
                print(f"  {t.label}: {problems[t.label]}\n{server.tail(10)}", flush=True)
                continue
            run = measure(server, t.path, dict(t.headers), args)
            runs[key] = run
            if run.errors:
                problems[t.label] = f"{run.errors} errors under load"
            print(
                f"  {t.label}: p50 {run.p50:.1f} ms, p95 {run.p95:.1f} ms, {run.rps:.0f} req/s, "
                f"{run.requests} requests, {run.errors} errors; load {run.load:.2f} after "
                f"{run.waited:.0f} s",
                flush=True,
            )
        report(args, targets, runs, small, full, problems)
        where_time_goes(targets, full, runs, args)
    finally:
        if server is not None:
            server.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(workdir, ignore_errors=True)
    failures = {k: v for k, v in problems.items() if "does not exist yet" not in v}
    for label, why in failures.items():
        print(f"error: {label} {why}", file=sys.stderr)
    print(f"\ntotal run time {time.perf_counter() - began:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
