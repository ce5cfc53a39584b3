"""Benchmark: the reminder sweep (``decisions.services.reminders_sweep``) at 10,000 and at
100,000 projects, about 5% of them due for something.

Run with ``make bench-sweep`` (throw-away PostgreSQL from scripts/with_services.sh); try a
smaller run first with ``SWEEP_SIZES=1000,5000 make bench-sweep``. It creates its own test
database, fills it to each size and runs the sweep with ``enqueue=None`` (nothing is sent): a
first sweep, which claims everything that is due, then a few repeats, which claim nothing new
(the steady state of a beat that runs every few minutes) — each with PostgreSQL's JIT on (its
default) and off, since the JIT compile of the state annotations turned out to dominate. It
prints, per size, the projects due, the reminders claimed, the query count and the wall time of
each sweep; then, per query, its time at the smallest and the largest size, with the
``EXPLAIN ANALYZE`` of the slowest reads (JIT on) and of those that grow with the portfolio.

The issue asks that the query count be the same at both sizes (or grow only with batches of due
items) and that the time grow with what is due, not with the portfolio. This prints figures; it
is not a test and asserts nothing.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone  # noqa: E402

from charters.models import Charter, CharterVersion, Direction, Status  # noqa: E402
from decisions import states as decision_states  # noqa: E402
from decisions.models import (  # noqa: E402
    Gate,
    GateTemplate,
    LapsePolicy,
    Measurement,
    MeasurementKind,
    OrganisationPolicy,
    Reminder,
)
from decisions.services import reminders_sweep  # noqa: E402
from portfolio.models import Membership, Organisation, Project, Role, Stage, User  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("SWEEP_SIZES", "10000,100000").split(",") if s)
ORGS = 50
PMS, EXECUTIVES, VIEWERS, PARTNERS = 4, 2, 1, 3  # per organisation; partners firm-wide
CHUNK = 5000  # projects built and inserted at a time (and the bulk_create batch size)
REPEATS = 3  # steady-state sweeps after the first one
DUE_EVERY = 20  # one project in 20 is due for something: 5%
# The stages, in tenths: most projects in flight, a few in production or killed.
MIX = [Stage.PROPOSED] * 2 + [Stage.POC] * 4 + [Stage.PILOT] * 2 + [Stage.PRODUCTION, Stage.KILLED]
# What a due project is due for, in turn (see ``project_row``).
DUE_KINDS = ("gate_soon", "gate_lapsed", "kill_soon", "kill_pending", "stalled")


def bulk_insert(model: type[models.Model], rows: list) -> list:
    """Plain ``QuerySet.bulk_create``, on purpose: this is fixture data for timing the sweep
    (like the test factories), not a business write — the audited querysets refuse bulk writes,
    and 100,000 audited service calls would make the benchmark about its setup."""
    return models.QuerySet.bulk_create(model.objects.all(), rows, batch_size=CHUNK)


# --- the portfolio -------------------------------------------------------------------------------


def people() -> dict[int, dict[str, list[int]]]:
    """50 organisations, each with PMs, executives (the decision-makers) and a viewer, and the
    firm's partners. {organisation id: {"pm": [user ids], "executive": [user ids]}}."""
    orgs = bulk_insert(
        Organisation,
        [Organisation(name=f"Sweep Org {o:02d}", slug=f"sweep-org-{o:02d}") for o in range(ORGS)],
    )
    password = make_password(None)  # unusable: nobody logs in
    users, roles = [], []
    for org in orgs:
        for role, count in ((Role.PM, PMS), (Role.EXECUTIVE, EXECUTIVES), (Role.VIEWER, VIEWERS)):
            for n in range(count):
                users.append(
                    User(
                        email=f"{role}{n}.{org.slug}@bench.test",
                        full_name=f"{role.label} {n} of {org.name}",
                        password=password,
                    )
                )
                roles.append((org, role))
    users = bulk_insert(User, users)
    bulk_insert(
        Membership,
        [
            Membership(user=u, organisation=org, role=role)
            for u, (org, role) in zip(users, roles, strict=True)
        ],
    )
    bulk_insert(
        User,
        [
            User(
                email=f"partner{n}@bench.test",
                full_name=f"Partner {n}",
                password=password,
                is_partner=True,
            )
            for n in range(PARTNERS)
        ],
    )
    # One organisation in five escalates a lapsed kill deadline; the others remind only (no
    # automatic kill: it would change the portfolio between the first sweep and the repeats).
    bulk_insert(
        OrganisationPolicy,
        [
            OrganisationPolicy(organisation=org, lapse_policy=LapsePolicy.ESCALATE)
            for org in orgs[::5]
        ],
    )
    staff: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for u, (org, role) in zip(users, roles, strict=True):
        staff[org.pk][role].append(u.pk)
    return staff


def due_kind(i: int) -> str | None:
    return DUE_KINDS[(i // DUE_EVERY) % len(DUE_KINDS)] if i % DUE_EVERY == 0 else None


def project_row(i: int, org_id: int, staff: dict, today: date, now: datetime) -> dict:
    """Project ``i``: its stage, its gate's due date, its kill deadline, whether its metric meets
    the threshold and when it was last active. One in 20 is due for something (``due_kind``);
    the others have their dates weeks ahead and were active in the last ten days."""
    kind = due_kind(i)
    stage = MIX[(i // DUE_EVERY + 3 * i) % len(MIX)]
    if kind in ("kill_soon", "kill_pending"):
        stage = Stage.POC  # a kill deadline is chased in the PoC
    elif kind and stage in (Stage.PRODUCTION, Stage.KILLED):
        stage = Stage.POC
    gate_due = today + timedelta(days=30 + i % 300)
    kill_deadline = gate_due - timedelta(days=7 + i % 14)
    updated = now - timedelta(days=i % 10, minutes=i % 1440)
    met = i % 3 != 0  # most PoCs on their way meet the threshold; it does not matter for them
    if kind == "gate_soon":
        gate_due = today + timedelta(days=(i // 100) % 8)  # today … a week ahead
        kill_deadline = gate_due + timedelta(days=60)
    elif kind == "gate_lapsed":
        gate_due = today - timedelta(days=1 + (i // 100) % 20)  # some escalate (> 7 days)
        kill_deadline = None if stage == Stage.PROPOSED else today + timedelta(days=60)
    elif kind == "kill_soon":
        kill_deadline, met = today + timedelta(days=(i // 100) % 8), False
        gate_due = kill_deadline + timedelta(days=14)
    elif kind == "kill_pending":
        kill_deadline, met = today - timedelta(days=1 + (i // 100) % 20), False
        gate_due = kill_deadline + timedelta(days=28)
    elif kind == "stalled":
        updated = now - timedelta(days=22 + i % 40)
    approved = stage != Stage.PROPOSED or i % 2 == 0  # half the proposed ones: charter approved
    if not approved or stage in (Stage.PRODUCTION, Stage.KILLED):
        kill_deadline = None
    if stage == Stage.PILOT and kind not in ("gate_lapsed",):
        kill_deadline = gate_due  # in pilot the production gate's date is the deadline
    people = staff[org_id]
    return {
        "stage": stage,
        "gate_due": gate_due,
        "kill_deadline": kill_deadline,
        "approved": approved,
        "met": met,
        "updated_at": updated,
        "pm": people[Role.PM][i % PMS],
        "decision_maker": people[Role.EXECUTIVE][i % EXECUTIVES],
    }


PATH = [Stage.PROPOSED, Stage.POC, Stage.PILOT]  # the stages a gate leads out of, in order


def gate(project: Project, t: GateTemplate, due: date, back: int, now: datetime) -> Gate:
    """The gate of template ``t``: open when ``back`` is 0, else decided ``back`` gates ago."""
    return Gate(
        project=project,
        template=t,
        name=t.name,
        from_stage=t.from_stage,
        to_stage=t.to_stage,
        opened_at=now - timedelta(days=60 + 90 * back),
        due_date=due - timedelta(days=90 * back),
        decided_at=now - timedelta(days=90 * back) if back else None,
    )


def fill(upto: int, staff: dict, templates: dict[str, GateTemplate]) -> None:
    """Top the portfolio up to ``upto`` projects, ``CHUNK`` at a time so that no more than a
    chunk of model instances is ever held: each project with its gates (the decided ones it
    passed and the open one of its stage), one charter whose version is
    approved (threshold, direction, kill deadline) or, for half the proposed ones, a draft, and
    two readings of the success metric, the newer one deciding whether the threshold is met."""
    have = Project.objects.count()
    now = timezone.now()
    today = timezone.localdate(now)
    org_ids = sorted(staff)
    left_by = {Stage.PRODUCTION: Stage.PILOT, Stage.KILLED: Stage.POC}
    for start in range(have, upto, CHUNK):
        facts = []
        projects = []
        for i in range(start, min(start + CHUNK, upto)):
            org_id = org_ids[(i + i // DUE_EVERY) % ORGS]  # the due ones spread over all
            f = project_row(i, org_id, staff, today, now)
            facts.append(f)
            start_day = f["gate_due"] - timedelta(weeks=8)
            projects.append(
                Project(
                    organisation_id=org_id,
                    name=f"Sweep project {i:06d}",
                    slug=f"sweep-project-{i:06d}",
                    summary="Classify inbound support tickets and route them to the right queue.",
                    stage=f["stage"],
                    pm_id=f["pm"],
                    decision_maker_id=f["decision_maker"],
                    business_owner_id=f["pm"],
                    timebox_start=start_day,
                    timebox_end=start_day + timedelta(weeks=6),
                    decision_date=f["gate_due"],
                    kill_deadline=f["kill_deadline"],
                    created_at=now - timedelta(days=90),
                    updated_at=f["updated_at"],
                )
            )
        projects = bulk_insert(Project, projects)
        gates = []
        for p, f in zip(projects, facts, strict=True):
            # The gates the project passed (decided, their dates behind it), then the one it
            # stands at: open, due on ``gate_due``. Production and killed projects stand at none.
            passed = PATH[: PATH.index(left_by.get(p.stage, p.stage)) + (p.stage in left_by)]
            for back, from_stage in enumerate(reversed(passed), start=1):
                gates.append(gate(p, templates[from_stage], f["gate_due"], back, now))
            if p.stage not in left_by:
                gates.append(gate(p, templates[p.stage], f["gate_due"], 0, now))
        bulk_insert(Gate, gates)
        charters = bulk_insert(Charter, [Charter(project=p) for p in projects])
        versions, readings = [], []
        for p, c, f in zip(projects, charters, facts, strict=True):
            lower = p.pk % 4 == 0  # a quarter measure something where lower is better (latency)
            threshold = Decimal("200") if lower else Decimal("80")
            versions.append(
                CharterVersion(
                    charter=c,
                    number=1,
                    status=Status.APPROVED if f["approved"] else Status.DRAFT,
                    created_by_id=f["pm"],
                    created_at=now - timedelta(days=80),
                    updated_at=now - timedelta(days=70),
                    submitted_at=now - timedelta(days=75) if f["approved"] else None,
                    approved_at=now - timedelta(days=70) if f["approved"] else None,
                    metric_name="p95 latency" if lower else "Routing accuracy",
                    metric_unit="ms" if lower else "%",
                    metric_direction=Direction.LOWER if lower else Direction.HIGHER,
                    threshold=threshold if f["approved"] else None,
                    kill_deadline=f["kill_deadline"],
                    decision_maker_id=f["decision_maker"],
                    pm_id=f["pm"],
                    business_owner_id=f["pm"],
                    timebox_start=p.timebox_start,
                    timebox_end=p.timebox_end,
                    decision_date=p.decision_date,
                )
            )
            if not f["approved"]:
                continue
            good, bad = (
                (Decimal("150"), Decimal("260")) if lower else (Decimal("86"), Decimal("71"))
            )
            for days, value in ((20, bad), (3, good if f["met"] else bad)):
                readings.append(
                    Measurement(
                        project=p,
                        kind=MeasurementKind.METRIC,
                        value=value,
                        measured_at=now - timedelta(days=days),
                        recorded_by_id=f["pm"],
                        created_at=now - timedelta(days=days),
                    )
                )
        bulk_insert(CharterVersion, versions)
        bulk_insert(Measurement, readings)
    decision_states.refresh()  # the derived states' inputs, as the services would keep them
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum would have them on a database that grew slowly
        # (and so that it does not start analysing in the middle of a timed sweep).
        cursor.execute("ANALYZE")


# --- the sweep -----------------------------------------------------------------------------------


def sweep() -> tuple[int, float, list[dict]]:
    """(reminders claimed, wall ms, the queries) of one sweep; ``enqueue=None``: nothing sent."""
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = reminders_sweep(enqueue=None)
        ms = (time.perf_counter() - started) * 1000
    return result.claimed, ms, list(ctx.captured_queries)


def shape(sql: str) -> str:
    """A query with its literals taken out, so that the same query at two sizes groups."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?(?:::\w+(?:\[\])?)?,?\s*)+\)", "(…)", sql)


def depth_zero(sql: str, word: str) -> int:
    """Where ``word`` first occurs outside any parentheses (-1: nowhere)."""
    depth = 0
    for at, ch in enumerate(sql):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and sql.startswith(word, at):
            return at
    return -1


def label(sql: str) -> str:
    """What a query is, in a line: its verb, its outer table and the columns of that table its
    outer WHERE reads."""
    verb = sql.split(None, 1)[0].upper()
    at = {"INSERT": sql.find("INTO "), "UPDATE": 0}.get(verb, depth_zero(sql, " FROM "))
    table = re.match(r'\s*(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql[at:]) if at >= 0 else None
    if table is None:
        return verb
    where = depth_zero(sql, " WHERE ")
    columns = re.findall(rf'"{table.group(1)}"\."(\w+)"', sql[where:]) if where >= 0 else []
    read = ", ".join(dict.fromkeys(columns))
    order = depth_zero(sql, " ORDER BY ")
    by = re.sub(r'"(\w+)"\."(\w+)"', r"\1.\2", sql[order + 10 :]) if order >= 0 else ""
    return (
        f"{verb} {table.group(1)}"
        + (f" where {read}" if read else "")
        + (f" order by {by.strip()[:60]}" if by else "")
    )


def by_shape(queries: list[dict]) -> dict[str, tuple[int, float, str]]:
    """{shape: (how many, total ms, one example)}."""
    out: dict[str, tuple[int, float, str]] = {}
    for q in queries:
        key = shape(q["sql"])
        n, ms, _ = out.get(key, (0, 0.0, q["sql"]))
        out[key] = (n + 1, ms + float(q["time"]) * 1000, q["sql"])
    return out


def explain(sql: str, *, jit: bool = True) -> str:
    with connection.cursor() as cursor:
        if not jit:
            cursor.execute("SET jit = off")
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET jit")


def settings_line() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('server_version', 'jit', 'jit_above_cost', 'jit_inline_above_cost', "
            "'jit_optimize_above_cost', 'work_mem') ORDER BY name"
        )
        return ", ".join(f"{name}={value}" for name, value in cursor.fetchall())


def run(size: int, due: int, mode: str) -> dict:
    """A first sweep on no reminders, then ``REPEATS`` repeats, with the JIT on (PostgreSQL's
    default) or off for the session."""
    # Reminders are not append-only: clear them so that each first sweep claims everything.
    models.QuerySet.delete(Reminder.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off" if mode == "off" else "RESET jit")
    try:
        first = sweep()
        reminded = (
            Reminder.objects.filter(project__isnull=False).values("project").distinct().count()
        )
        repeats = [sweep() for _ in range(REPEATS)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    row = {"size": size, "due": due, "reminded": reminded, "jit": mode, "first": first}
    row["repeats"] = repeats
    print(
        f"… {size:,} projects, jit {mode}: first sweep {first[1]:,.0f} ms, repeat "
        f"{statistics.median(r[1] for r in repeats):,.0f} ms",
        flush=True,
    )
    return row


def main() -> int:
    began = time.perf_counter()
    if connection.vendor != "postgresql":
        print(f"note: running on {connection.vendor}; the figures that matter are PostgreSQL's.")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"PostgreSQL: {settings_line()}", flush=True)
        staff = people()
        templates = {t.from_stage: t for t in GateTemplate.objects.all()}
        rows = []
        for size in SIZES:
            started = time.perf_counter()
            fill(size, staff, templates)
            print(
                f"… {size:,} projects filled in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            due = sum(1 for i in range(size) if due_kind(i))
            rows += [run(size, due, "on"), run(size, due, "off")]
        report(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"\ntotal run time {time.perf_counter() - began:.0f} s")
    return 0


def report(rows: list[dict]) -> None:
    print(
        f"\nThe reminder sweep, {ORGS} organisations, one project in {DUE_EVERY} due. First "
        f"sweep: no reminder yet, it claims everything due (and the week's digests); repeat: "
        f"median of {REPEATS}, it claims nothing new. jit: PostgreSQL's JIT on (its default) or "
        "off for the session.\n"
    )
    left = f"{'projects':>8}  {'due':>5}  {'reminded':>8}  {'jit':>3}"
    sweep_cols = f"{'claimed':>7}  {'queries':>7}  {'wall ms':>8}"
    print(f"{'':{len(left)}}  | {'first sweep':<{len(sweep_cols)}}  | repeat sweep")
    head = f"{left}  | {sweep_cols}  | {sweep_cols}"
    print(head)
    print("-" * len(head))
    for r in rows:
        claimed, ms, queries = r["first"]
        repeat_counts = "/".join(str(n) for n in sorted({len(x[2]) for x in r["repeats"]}))
        repeat_ms = statistics.median(x[1] for x in r["repeats"])
        print(
            f"{r['size']:>8,}  {r['due']:>5,}  {r['reminded']:>8,}  {r['jit']:>3}  | "
            f"{claimed:>7,}  {len(queries):>7}  {ms:>8,.0f}  | "
            f"{r['repeats'][-1][0]:>7,}  {repeat_counts:>7}  {repeat_ms:>8,.0f}"
        )
    print("(due: projects the fixture made due; reminded: projects with a reminder after it)")
    shown: set[str] = set()  # the query texts printed so far (each is printed once)
    for mode in ("on", "off"):
        runs = [r for r in rows if r["jit"] == mode]
        if len(runs) >= 2:
            analyse(runs[0], runs[-1], mode, shown)


def analyse(small: dict, large: dict, mode: str, shown: set[str]) -> None:
    """Per query shape, the time at the smallest and the largest size, and the plans worth
    reading: with the JIT on, the slowest reads (where their time goes); with it off, the reads
    that grew with the portfolio (the whole plan, node by node)."""
    growth = large["size"] / small["size"]
    explained: set[str] = set()
    for which, pick in (
        ("first", lambda r: r["first"][2]),
        ("repeat", lambda r: r["repeats"][-1][2]),
    ):
        a, b = by_shape(pick(small)), by_shape(pick(large))
        print(
            f"\n{which} sweep, jit {mode}: the queries by time at {large['size']:,} projects "
            f"({small['size']:,} for comparison; the portfolio and what is due grew {growth:g}×)"
        )
        at_small, at_large = f"ms @{small['size']:,}", f"ms @{large['size']:,}"
        print(f"{'×':>5}  {at_small:>11}  {at_large:>12}  {'grew':>6}  query")
        ranked = sorted(b.items(), key=lambda kv: -kv[1][1])
        for key, (n, ms, example) in ranked[:8]:
            n_small, ms_small, _ = a.get(key, (0, 0.0, ""))
            count = f"{n}" if n == n_small else f"{n_small}→{n}"
            grew = f"{ms / ms_small:.1f}×" if ms_small >= 1 else "-"
            print(f"{count:>5}  {ms_small:>11,.0f}  {ms:>12,.0f}  {grew:>6}  {label(example)}")
        for key in sorted(set(a) | set(b)):
            n_small, n_large = a.get(key, (0,))[0], b.get(key, (0,))[0]
            if n_small != n_large:
                example = (b.get(key) or a.get(key))[2]
                print(f"  count {n_small} → {n_large}: {label(example)}")
        reads = [
            (key, n, ms, a.get(key, (0, 0.0))[1], example)
            for key, (n, ms, example) in ranked
            if ms >= 50 and example.lstrip().upper().startswith("SELECT") and key not in explained
        ]
        if mode == "on":
            picked = reads[:2]  # the slowest two
        else:
            # Grew with the portfolio, and each run takes a while (not 50 quick ones).
            picked = [r for r in reads if r[2] > r[3] * growth / 2 and r[2] / r[1] >= 5][:2]
        for key, n, ms, ms_small, example in picked:
            explained.add(key)
            print(
                f"\n--- EXPLAIN (ANALYZE, BUFFERS), jit {mode} ({which} sweep, {large['size']:,} "
                f"projects): {label(example)}; {n}× in the sweep, {ms:,.0f} ms "
                f"({ms_small:,.0f} ms at {small['size']:,})"
            )
            if shape(example) not in shown:
                shown.add(shape(example))
                print(example)
            else:
                print("(its text is printed above)")
            lines = explain(example, jit=mode == "on").splitlines()
            if mode == "on":
                # The plan's first lines and where the time went; the whole plan, node by node,
                # follows for the queries that grow with the portfolio (jit off).
                tail = lines[next(i for i, x in enumerate(lines) if x.startswith("Planning")) :]
                print("\n".join([*lines[:4], "  …", *tail]))
                summary = [
                    x
                    for x in explain(example, jit=False).splitlines()
                    if x.startswith(("Planning Time", "Execution Time"))
                ]
                print(f"--- the same with jit off: {'; '.join(summary)}")
            else:
                print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
