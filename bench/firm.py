"""The firm-scale portfolio of issue 12, for timing reads: 20,000 projects in 50 organisations
of uneven sizes, ~1,500 people, and a few years of history — charters and their amendments,
gates with their criteria, marks and due dates, hundreds of thousands of measurements, go /
kill / extend decisions (some late, some superseded, some by policy), stage changes, handoffs,
reminders and audit events — with the stored milestones and schedule consistent with the
decisions in force (they are computed by ``decisions.rules.milestones``, as
``decisions.services.milestones_refresh`` does).

Everything is written with the plain ``models.QuerySet.bulk_create``, on purpose: this is
fixture data for timing (like the test factories), not a business write. The audited querysets
refuse bulk writes, and a million audited service calls would make the benchmark about its
setup. Decisions are only INSERTed (the append-only triggers allow nothing else); a charter
version is inserted as a draft, given its data sources and integrations, then moved to its
status (the frozen-version triggers allow exactly that).

Use::

    firm = firm_create(people=1500)   # organisations, people, memberships, partners, policies
    firm_grow(firm, 100)              # projects 0‥99 with their history
    firm_grow(firm, 20_000)           # … and up to 20,000: the same firm, grown
    firm_analyse(vacuum=True)

``targets(firm, fetch)`` lists the URLs the benchmark measures, with who asks and how they log
in; ``tests/test_bench_smoke.py`` builds a small firm and requests each of them once.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from charters.models import (
    Charter,
    CharterVersion,
    DataSource,
    Direction,
    Integration,
    IntegrationDirection,
    Sensitivity,
    Signature,
    SignerRole,
    Status,
)
from decisions import rules as decision_rules
from decisions import states as decision_states
from decisions.models import (
    CriterionKind,
    CriterionMark,
    CriterionTemplate,
    Decision,
    Gate,
    GateCriterion,
    GateTemplate,
    KillReason,
    LapsePolicy,
    MarkState,
    Measurement,
    MeasurementKind,
    MeasurementSource,
    OrganisationPolicy,
    OwnershipAcceptance,
    Reminder,
    ReminderKind,
)
from portfolio.models import (
    AuditEvent,
    Membership,
    Organisation,
    Project,
    Role,
    Stage,
    StageChange,
    User,
)
from portfolio.services import token_create

ORGS = 50
PEOPLE = 1500
PARTNERS = 5
CHUNK = 2000  # projects generated and inserted at a time
BATCH = 5000  # rows per INSERT
BIG_ORG_SHARE = 0.28  # one holding company with >5,000 projects: 100 API pages for its members
FIRST_IN_BIG_ORG = 30  # of the first projects built, in the big organisation
# Roles of an organisation's people: ~15% executives gives each about 55 projects in flight to
# decide (issue 12's executive "with 55 gates due").
ROLE_SHARES = ((Role.EXECUTIVE, 0.15), (Role.PM, 0.55), (Role.VIEWER, 0.30))
# Where each project's story ends, in percent. Gates ≈ 2.06 per project, go/kill decisions ≈ 1.46,
# plus extensions and corrections: ~42k gates and ~31k decisions at 20,000 projects.
FATES = (
    ("proposed", 18),
    ("poc", 30),
    ("pilot", 12),
    ("production", 10),
    ("killed:proposed", 4),
    ("killed:poc", 20),
    ("killed:pilot", 6),
)
# Readings per week while a PoC or pilot runs: ~470k measurements at 20,000 projects.
READINGS_PER_WEEK = {
    MeasurementKind.METRIC: 1.27,
    MeasurementKind.LATENCY: 0.7,
    MeasurementKind.COST: 0.7,
}
READINGS_CAP = 90  # per kind and project
KILL_REASONS = (
    (KillReason.METRIC_NOT_REACHED, 34),
    (KillReason.COST_TARGET_MISSED, 10),
    (KillReason.LATENCY_TARGET_MISSED, 5),
    (KillReason.DATA_NOT_AVAILABLE, 11),
    (KillReason.INTEGRATION_TOO_COSTLY, 8),
    (KillReason.COMPLIANCE_BLOCKED, 5),
    (KillReason.NO_PRODUCTION_OWNER, 8),
    (KillReason.BUSINESS_CASE_NOT_MADE, 10),
    (KillReason.SPONSOR_CHANGED_DIRECTION, 5),
    (KillReason.OTHER, 4),
)
POLICY_TEXT = "Kill automatically after 7 days' grace (organisation policy)"
NEXT_STAGE = {Stage.PROPOSED: Stage.POC, Stage.POC: Stage.PILOT, Stage.PILOT: Stage.PRODUCTION}
SUBJECTS = (
    "Invoice triage", "Claims intake", "Contract review", "Churn signals", "Ticket routing",
    "Demand forecast", "Supplier risk", "KYC screening", "Call summaries", "Price matching",
    "Fraud alerts", "Shift planning", "Returns grading", "Lead scoring", "Policy Q&A",
)  # fmt: skip
SLOW_METRIC = ("Answer latency", "ms", Direction.LOWER, Decimal(1500), Decimal(800), Decimal(500))
QUALITY_METRIC = ("Routing accuracy", "%", Direction.HIGHER, Decimal(62), Decimal(80), Decimal(90))


@dataclass
class Firm:
    """The organisations and people of the benchmark portfolio, and how far it has grown."""

    org_ids: list[int]
    weights: list[float]
    # {organisation id: {role: [user ids]}}; people with a single membership come first.
    staff: dict[int, dict[str, list[int]]]
    partners: list[int]
    templates: dict[str, GateTemplate]
    criteria: dict[str, list[CriterionTemplate]]
    rng: random.Random
    now: datetime
    today: date
    built: int = 0
    rows: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    dm_turn: Counter = field(default_factory=Counter)
    _logins: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def big_org(self) -> int:
        return self.org_ids[0]

    @property
    def member(self) -> int:
        """A PM of the biggest organisation and of no other."""
        return self.staff[self.big_org][Role.PM][0]

    @property
    def executive(self) -> int:
        """An executive of the biggest organisation: the decision-maker of ~55 projects in flight."""
        return self.staff[self.big_org][Role.EXECUTIVE][0]

    @property
    def partner(self) -> int:
        return self.partners[0]


def insert(model: type[models.Model], rows: list, firm: Firm | None = None) -> list:
    """Plain ``QuerySet.bulk_create``: fixture data for timing reads, not a business write (the
    audited querysets refuse bulk writes, on purpose)."""
    if firm is not None:
        firm.rows[model._meta.label] += len(rows)
    return models.QuerySet.bulk_create(model.objects.all(), rows, batch_size=BATCH)


def set_status(ids_by_status: dict[str, list[int]]) -> None:
    """Move inserted draft charter versions to their status (a status-only change is what the
    frozen-version trigger allows)."""
    for status, ids in ids_by_status.items():
        if status != Status.DRAFT and ids:
            models.QuerySet.update(CharterVersion.objects.filter(pk__in=ids), status=status)


def org_weights(n: int) -> list[float]:
    """Uneven organisation sizes: one big holding company, the rest falling off like k^-0.9
    (at 20,000 projects: 5,700, then 2,700, 1,400 … 75)."""
    if n == 1:
        return [1.0]
    rest = [k**-0.9 for k in range(1, n)]
    total = sum(rest)
    return [BIG_ORG_SHARE] + [(1 - BIG_ORG_SHARE) * w / total for w in rest]


# --- organisations and people ----------------------------------------------------------------


def firm_create(
    *, orgs: int = ORGS, people: int = PEOPLE, partners: int = PARTNERS, seed: int = 12
) -> Firm:
    """Organisations of uneven sizes, their people (executives, PMs, viewers; one in twenty
    viewers also reads a second organisation), the firm's partners, and the gate policy of one
    organisation in five."""
    started = time.perf_counter()
    rng = random.Random(seed)
    weights = org_weights(orgs)
    organisations = insert(
        Organisation,
        [Organisation(name=f"Bench Org {o:02d}", slug=f"bench-org-{o:02d}") for o in range(orgs)],
    )
    password = make_password(None)  # unusable: sessions are made with force_login
    users, roles = [], []
    for o, (org, weight) in enumerate(zip(organisations, weights, strict=True)):
        size = max(6, round(people * weight))
        counts = {role: max(1, round(size * share)) for role, share in ROLE_SHARES}
        for role, count in counts.items():
            for n in range(count):
                users.append(
                    User(
                        email=f"{role}{n}.{org.slug}@bench.test",
                        full_name=f"{role.label} {n:03d} of org {o:02d}",
                        password=password,
                    )
                )
                roles.append((org.pk, role))
    users = insert(User, users)
    memberships = [
        Membership(user=u, organisation_id=org_id, role=role)
        for u, (org_id, role) in zip(users, roles, strict=True)
    ]
    staff: dict[int, dict[str, list[int]]] = {org.pk: defaultdict(list) for org in organisations}
    for u, (org_id, role) in zip(users, roles, strict=True):
        staff[org_id][role].append(u.pk)
    org_ids = [org.pk for org in organisations]
    if len(org_ids) > 1:
        for u, (org_id, role) in zip(users, roles, strict=True):
            if role == Role.VIEWER and rng.random() < 0.05:
                other = rng.choice([o for o in org_ids if o != org_id])
                memberships.append(Membership(user=u, organisation_id=other, role=Role.VIEWER))
                staff[other][Role.VIEWER].append(u.pk)  # after the org's own: never [0]
    insert(Membership, memberships)
    firm_partners = insert(
        User,
        [
            User(
                email=f"partner{n}@bench.test",
                full_name=f"Partner {n}",
                password=password,
                is_partner=True,
            )
            for n in range(partners)
        ],
    )
    insert(
        OrganisationPolicy,
        [
            OrganisationPolicy(
                organisation_id=org_id,
                max_extensions_per_gate=2,
                lapse_policy=LapsePolicy.KILL if n % 2 else LapsePolicy.ESCALATE,
            )
            for n, org_id in enumerate(org_ids[1::5])
        ],
    )
    now = timezone.now()
    firm = Firm(
        org_ids=org_ids,
        weights=weights,
        staff=staff,
        partners=[p.pk for p in firm_partners],
        templates={t.from_stage: t for t in GateTemplate.objects.all()},
        criteria=defaultdict(list),
        rng=rng,
        now=now,
        today=timezone.localdate(now),
    )
    for c in CriterionTemplate.objects.select_related("gate_template").order_by("order", "id"):
        firm.criteria[c.gate_template.from_stage].append(c)
    firm.rows.update(
        {
            "portfolio.Organisation": len(organisations),
            "portfolio.User": len(users) + len(firm_partners),
            "portfolio.Membership": len(memberships),
        }
    )
    firm.seconds["people"] += time.perf_counter() - started
    return firm


# --- one project's story ---------------------------------------------------------------------


@dataclass
class D:
    """A decision of a story. Times are days from the project's creation until ``place``."""

    gate: str  # the from_stage of its gate
    outcome: str
    at: float
    by: int | None
    reason: str = ""
    new_kill: float | None = None
    new_date: float | None = None
    from_stage: str = ""
    to_stage: str = ""
    supersedes: int | None = None  # index of the decision it corrects
    superseded: bool = False
    pivot: bool = False
    successor: int | None = None  # a project index in the chunk
    pk: int | None = None


@dataclass
class V:
    number: int
    status: str
    created: float
    submitted: float | None
    approved: float | None
    threshold: Decimal
    pk: int | None = None


@dataclass
class G:
    opened: float
    due: float
    decided: float | None = None


@dataclass
class Story:
    i: int
    org: int
    stage: str
    pm: int
    dm: int
    business_owner: int
    production_owner: int | None
    engineering_owner: int | None
    metric: tuple
    versions: list[V] = field(default_factory=list)
    gates: dict[str, G] = field(default_factory=dict)
    decisions: list[D] = field(default_factory=list)
    stage_changes: list[tuple[float, str, str, int | None]] = field(default_factory=list)
    timebox: tuple[float, float] = (0.0, 0.0)
    decision_date: float = 0.0
    kill_deadline: float | None = None
    charter_kill: float = 0.0  # the kill deadline the charter set (before any extension)
    measuring: tuple[float, float] | None = None  # (from, to): readings are taken in between
    met: bool = False
    accepted: float | None = None
    marks: dict[str, float] = field(default_factory=dict)  # gate stage → marked when
    last: float = 0.0  # the last activity
    base: datetime | None = None  # day 0

    def at(self, days: float) -> datetime:
        assert self.base is not None
        return self.base + timedelta(days=days)

    def day(self, days: float) -> date:
        return self.at(days).date()


def lateness(rng: random.Random) -> float:
    """When a gate is decided against its due date: mostly on time, some late, a few very late."""
    x = rng.random()
    if x < 0.7:
        return -rng.uniform(0, 5)
    if x < 0.9:
        return rng.uniform(0.5, 10)
    return rng.uniform(10, 35)


def story(firm: Firm, i: int, org: int) -> Story:
    """Project ``i``'s history in days from its creation, then placed in time: a project in
    flight so that its open gate is due in the coming weeks (one in six overdue), a finished one
    ended up to two and a half years ago."""
    rng = firm.rng
    people = firm.staff[org]
    execs, pms = people[Role.EXECUTIVE], people[Role.PM]
    members = execs + pms + people[Role.VIEWER]
    fate = rng.choices([f for f, _ in FATES], [w for _, w in FATES])[0]
    stage, _, killed_from = fate.partition(":")
    # Round robin over the executives; the benchmark's executive also decides the first few of
    # the big organisation, so that it has gates to decide at 100 projects too (query counts
    # compared at 100 and 20,000 projects then compare a list with a list).
    turn = firm.dm_turn[org]
    dm = (
        execs[0]
        if org == firm.big_org and turn < FIRST_IN_BIG_ORG // 3
        else execs[turn % len(execs)]
    )
    firm.dm_turn[org] += 1
    s = Story(
        i=i,
        org=org,
        stage=stage,
        pm=rng.choice(pms),
        dm=dm,
        business_owner=rng.choice(execs + pms),
        production_owner=rng.choice(members),
        engineering_owner=rng.choice(pms) if rng.random() < 0.8 else None,
        metric=SLOW_METRIC if i % 4 == 0 else QUALITY_METRIC,
    )
    reached_poc = stage not in (Stage.PROPOSED,) and killed_from != Stage.PROPOSED

    # The charter: every project past the charter gate has an approved one.
    if reached_poc:
        status = Status.APPROVED
    elif rng.random() < (0.75 if stage == Stage.PROPOSED else 0.6):
        status = rng.choices([Status.DRAFT, Status.IN_REVIEW, Status.APPROVED], [40, 25, 35])[0]
    else:
        status = None
    if status is None and stage == Stage.PROPOSED:
        s.production_owner = s.production_owner if rng.random() < 0.5 else None
    c_start = rng.uniform(1, 4)
    c_submit = c_start + rng.uniform(5, 15)
    c_approve = c_submit + rng.uniform(2, 10)
    threshold = s.metric[4]
    if status is not None:
        s.versions.append(
            V(
                1,
                status,
                c_start,
                c_submit if status != Status.DRAFT else None,
                c_approve if status == Status.APPROVED else None,
                threshold,
            )
        )
    tb_start = (c_approve if status == Status.APPROVED else c_start + 25) + rng.uniform(3, 12)
    weeks = rng.choices([6, 7, 8, 10], [40, 30, 25, 5])[0]
    tb_end = tb_start + 7 * weeks
    kill_dl = tb_end - rng.randint(0, 5)
    grad_due = tb_end + rng.randint(0, 7)
    s.timebox, s.decision_date, s.charter_kill = (tb_start, tb_end), grad_due, kill_dl
    s.kill_deadline = kill_dl if status == Status.APPROVED else None
    s.gates[Stage.PROPOSED] = G(opened=0.0, due=tb_start)
    ds = s.decisions

    def decide(gate: str, outcome: str, at: float, **more) -> D:
        to = {"go": NEXT_STAGE.get(gate, gate), "kill": Stage.KILLED, "extend": gate}[outcome]
        d = D(gate=gate, outcome=outcome, at=at, by=dm, from_stage=gate, to_stage=to, **more)
        ds.append(d)
        if to != gate:
            s.stage_changes.append((at, gate, to, d.by))
        return d

    def kill(gate: str, at: float) -> None:
        reason = rng.choices([r for r, _ in KILL_REASONS], [w for _, w in KILL_REASONS])[0]
        decide(gate, "kill", at, reason=reason, pivot=rng.random() < 0.06)
        s.gates[gate].decided = at

    # The charter gate.
    if killed_from == Stage.PROPOSED:
        kill(Stage.PROPOSED, tb_start + lateness(rng))
    elif stage != Stage.PROPOSED:
        p0 = max(tb_start + lateness(rng), c_approve + 1)
        decide(Stage.PROPOSED, "go", p0, new_date=grad_due)
        s.gates[Stage.PROPOSED].decided = p0
        s.gates[Stage.POC] = G(opened=p0, due=grad_due)
        s.measuring = (p0, p0)
        # The graduation gate: an extension first for one PoC in eight.
        if rng.random() < 0.125:
            ext = max(kill_dl + rng.uniform(-3, 4), p0 + 3)
            new_kill = kill_dl + rng.randint(14, 35)
            first = decide(
                Stage.POC, "extend", ext, new_kill=new_kill, new_date=new_kill + rng.randint(0, 7)
            )
            if rng.random() < 0.1:  # the extension was corrected a few days later
                first.superseded = True
                new_kill += 7
                decide(
                    Stage.POC,
                    "extend",
                    ext + rng.uniform(1, 5),
                    new_kill=new_kill,
                    new_date=new_kill + rng.randint(0, 7),
                    supersedes=len(ds) - 1,
                )
            kill_dl, grad_due = new_kill, ds[-1].new_date or new_kill
            s.gates[Stage.POC].due = grad_due
        s.kill_deadline, s.decision_date = kill_dl, grad_due
        if stage in (Stage.PILOT, Stage.PRODUCTION) or killed_from in (Stage.PILOT, Stage.POC):
            g = max(grad_due + lateness(rng), p0 + 14)
            corrected = killed_from == Stage.POC and rng.random() < 0.04
            if killed_from == Stage.POC and not corrected:
                if rng.random() < 0.12:  # the lapse policy killed it, nobody decided
                    at = kill_dl + 7 + rng.uniform(0, 3)
                    d = decide(Stage.POC, "kill", at, reason=KillReason.DECISION_LAPSED)
                    d.by = None
                    s.stage_changes[-1] = (at, Stage.POC, Stage.KILLED, None)
                    s.gates[Stage.POC].decided = at
                else:
                    kill(Stage.POC, g)
            else:
                s.accepted = g - rng.uniform(2, 20)
                prod_due = g + rng.randint(60, 120)
                go = decide(Stage.POC, "go", g, new_date=prod_due)
                s.gates[Stage.POC].decided = g
                s.gates[Stage.PILOT] = G(opened=g, due=prod_due)
                s.kill_deadline, s.decision_date = prod_due, prod_due
                if corrected:  # a go into the pilot, corrected into a kill
                    go.superseded = True
                    at = g + rng.uniform(3, 20)
                    reason = KillReason.NO_PRODUCTION_OWNER
                    decide(Stage.POC, "kill", at, reason=reason, supersedes=len(ds) - 1)
                    s.stage_changes[-1] = (at, Stage.PILOT, Stage.KILLED, dm)
                    ds[-1].from_stage = Stage.PILOT
                    s.gates[Stage.POC].decided = at
                elif stage == Stage.PRODUCTION or killed_from == Stage.PILOT:
                    end = prod_due + lateness(rng)
                    if stage == Stage.PRODUCTION:
                        decide(Stage.PILOT, "go", end)
                        s.gates[Stage.PILOT].decided = end
                    else:
                        kill(Stage.PILOT, end)
        elif stage == Stage.POC and rng.random() < 0.3:
            s.accepted = p0 + rng.uniform(5, 30)
        # Readings run from the PoC's start to its end (or today: ``place`` clips them).
        ended = max((d.at for d in ds if d.outcome != "extend" and not d.superseded), default=p0)
        s.measuring = (p0, ended if stage in (Stage.KILLED, Stage.PRODUCTION) else math.inf)
        s.met = (
            stage in (Stage.PILOT, Stage.PRODUCTION)
            or (stage == Stage.POC and rng.random() < 0.55)
            or (stage == Stage.KILLED and rng.random() < 0.25)
        )
        # Amendments: one approved charter in five moved its threshold (down more often).
        if rng.random() < 0.2:
            span = max(s.measuring[1] if stage == Stage.KILLED else p0 + 60, p0 + 10)
            number, when = 1, p0 + rng.uniform(3, 20)
            while when < span and number < 4:
                s.versions[-1].status = Status.SUPERSEDED
                number += 1
                threshold = threshold + (-1 if rng.random() < 0.6 else 1) * Decimal(5) * (
                    1 if s.metric[2] == Direction.HIGHER else -20
                )
                s.versions.append(V(number, Status.APPROVED, when, when + 2, when + 5, threshold))
                when += rng.uniform(10, 40)
                if rng.random() < 0.75:
                    break
        if stage in (Stage.POC, Stage.PILOT) and rng.random() < 0.06:  # an amendment under way
            v = len(s.versions) + 1
            s.versions.append(V(v, Status.DRAFT, p0 + rng.uniform(5, 30), None, None, threshold))
        # Manual criteria marked before their gate was decided (or, open, lately).
        for gate_stage, gate in s.gates.items():
            if gate_stage != Stage.PROPOSED and (gate.decided or rng.random() < 0.5):
                s.marks[gate_stage] = (gate.decided or gate.opened + 20) - rng.uniform(1, 10)
    place(firm, s)
    return s


def place(firm: Firm, s: Story) -> None:
    """Put day 0 in time and make the story end before now."""
    rng = firm.rng
    now = firm.now
    open_gate = s.gates.get(s.stage)
    if open_gate is not None:
        ahead = rng.uniform(0, 75) if rng.random() < 0.83 else -rng.uniform(1, 35)
        base = now + timedelta(days=ahead - open_gate.due)
    else:
        last = max(d.at for d in s.decisions)
        base = now - timedelta(days=last + 2 + 900 * rng.random() ** 1.4)
    done = [d.at for d in s.decisions] + [
        t for v in s.versions for t in (v.created, v.submitted, v.approved) if t is not None
    ]
    done += [t for t in (s.accepted, *s.marks.values()) if t is not None]
    latest = max(done, default=0.0)
    if base + timedelta(days=latest) > now - timedelta(hours=1):
        base = now - timedelta(hours=1) - timedelta(days=latest)
    s.base = base
    today = (now - base).total_seconds() / 86400  # now, in the story's days
    if s.measuring is not None:
        start, end = s.measuring
        end = min(end, today)
        if s.stage in (Stage.POC, Stage.PILOT) and rng.random() < 0.08:
            end = min(end, today - rng.uniform(22, 60))  # quiet for weeks: stalled
        s.measuring = (start, max(start, end))
    s.last = max([*done, s.measuring[1] if s.measuring else 0.0])


# --- a chunk of projects ---------------------------------------------------------------------


def firm_grow(firm: Firm, upto: int, *, chunk: int = CHUNK) -> None:
    """Add projects until the firm has ``upto``, ``chunk`` at a time (each with its whole
    history), so that no more than a chunk of rows is held in memory."""
    while firm.built < upto:
        n = min(chunk, upto - firm.built)
        grow_chunk(firm, range(firm.built, firm.built + n))
        firm.built += n


def tick(firm: Firm, what: str, started: float) -> float:
    now = time.perf_counter()
    firm.seconds[what] += now - started
    return now


def grow_chunk(firm: Firm, indexes: range) -> None:
    rng = firm.rng
    t = time.perf_counter()
    orgs = rng.choices(firm.org_ids, firm.weights, k=len(indexes))
    if indexes.start == 0:
        # The member's organisation fills its first list page from 100 projects on (so that
        # the HTML sizes at 100 and 20,000 compare full pages), and every organisation has a
        # project from the first chunk on.
        first = [firm.big_org] * FIRST_IN_BIG_ORG + firm.org_ids
        orgs[: len(first)] = first[: len(orgs)]
    stories = [story(firm, i, org) for i, org in zip(indexes, orgs, strict=True)]
    by_org = defaultdict(list)
    for n, s in enumerate(stories):
        by_org[s.org].append(n)
    for n, s in enumerate(stories):  # a pivot starts another project of the organisation
        for d in s.decisions:
            if d.pivot:
                others = [m for m in by_org[s.org] if m != n]
                d.pivot = bool(others)
                d.successor = rng.choice(others) if others else None
    t = tick(firm, "stories", t)

    projects = insert(Project, [project_row(firm, s) for s in stories], firm)
    t = tick(firm, "projects", t)
    charters(firm, stories, projects)
    t = tick(firm, "charters", t)
    gates = gates_and_criteria(firm, stories, projects)
    t = tick(firm, "gates", t)
    readings = measurements(firm, stories, projects)
    t = tick(firm, "measurements", t)
    decisions(firm, stories, projects, gates, readings)
    t = tick(firm, "decisions", t)
    the_rest(firm, stories, projects, gates)
    t = tick(firm, "audit", t)
    # The inputs of the derived states, as the services would have left them (one UPDATE).
    decision_states.refresh(project_ids=[p.pk for p in projects])
    tick(firm, "states", t)


def project_row(firm: Firm, s: Story) -> Project:
    in_force = [
        SimpleNamespace(
            outcome=d.outcome,
            gate=SimpleNamespace(from_stage=d.gate),
            decided_at=s.at(d.at),
            reason_category=d.reason,
            decided_by_policy=POLICY_TEXT if d.by is None else "",
            successor_id=d.successor,
        )
        for d in sorted(s.decisions, key=lambda d: d.at)
        if not d.superseded
    ]
    milestones = decision_rules.milestones(in_force)
    kill_deadline = s.kill_deadline
    if s.stage in (Stage.PRODUCTION, Stage.KILLED):
        kill_deadline = None
    subject = SUBJECTS[s.i % len(SUBJECTS)]
    return Project(
        organisation_id=s.org,
        name=f"{subject} {s.i:05d}",
        slug=f"{subject.lower().replace(' ', '-').replace('&', 'and')}-{s.i:05d}",
        summary=f"{subject}: let a model do the first pass and route the rest to people.",
        stage=s.stage,
        pm_id=s.pm,
        decision_maker_id=s.dm,
        business_owner_id=s.business_owner,
        production_owner_id=s.production_owner,
        engineering_owner_id=s.engineering_owner,
        timebox_start=s.day(s.timebox[0]),
        timebox_end=s.day(s.timebox[1]),
        decision_date=s.day(s.decision_date),
        kill_deadline=s.day(kill_deadline) if kill_deadline is not None else None,
        schedule_version=sum(1 for d in s.decisions if d.new_date is not None),
        created_by_id=s.pm,
        created_at=s.at(0),
        updated_at=s.at(s.last),
        **{k: v for k, v in milestones.items() if k != "pivoted"},
        pivoted=milestones["pivoted"],
    )


def charters(firm: Firm, stories: list[Story], projects: list[Project]) -> None:
    """Charters and their versions, inserted number by number (one open version per charter):
    each as a draft, then its data source and integration, then its status."""
    rows = [(s, p) for s, p in zip(stories, projects, strict=True) if s.versions]
    made = insert(Charter, [charter_row(s, p) for s, p in rows], firm)
    signatures: list[Signature] = []
    rounds = max((len(s.versions) for s, _ in rows), default=0)
    for number in range(1, rounds + 1):
        todo = [
            (s, c, s.versions[number - 1])
            for (s, _), c in zip(rows, made, strict=True)
            if len(s.versions) >= number
        ]
        versions = insert(CharterVersion, [version_row(s, c, v) for s, c, v in todo], firm)
        insert(
            DataSource,
            [
                DataSource(
                    version=cv,
                    name="Ticketing system (production)",
                    owner_name="Service desk",
                    sensitivity=Sensitivity.INTERNAL,
                    residency="EU only",
                )
                for cv in versions
            ],
            firm,
        )
        insert(
            Integration,
            [
                Integration(
                    version=cv,
                    system="CRM",
                    direction=IntegrationDirection.WRITE,
                    owning_team="Sales platform",
                    estimate_weeks=Decimal("3.0"),
                )
                for cv in versions
            ],
            firm,
        )
        statuses: dict[str, list[int]] = defaultdict(list)
        for (s, _, v), cv in zip(todo, versions, strict=True):
            v.pk = cv.pk
            statuses[v.status].append(cv.pk)
            if v.submitted is None:
                continue
            signers = [
                (SignerRole.BUSINESS_OWNER, s.business_owner),
                (SignerRole.PRODUCTION_OWNER, s.production_owner),
                (SignerRole.DECISION_MAKER, s.dm),
            ]
            if v.approved is None:
                signers = signers[: firm.rng.randint(0, 2)]
            for n, (role, who) in enumerate(signers):
                if who is not None:
                    signed = s.at((v.approved or v.submitted + 1) - 0.1 * (3 - n))
                    signatures.append(
                        Signature(version=cv, signer_id=who, role=role, signed_at=signed)
                    )
        # Signatures go in while their versions are still drafts: an approved version takes
        # no new signature (charters migration 0006).
        insert(Signature, signatures, firm)
        signatures = []
        set_status(statuses)


def charter_row(s: Story, p: Project) -> Charter:
    amended = [v for v in s.versions[1:] if v.approved is not None]
    higher = s.metric[2] == Direction.HIGHER
    lowered = raised = 0
    for before, after in zip(s.versions, s.versions[1:], strict=False):
        if after.approved is None:
            continue
        if (after.threshold < before.threshold) == higher:
            lowered += 1
        else:
            raised += 1
    return Charter(
        project=p,
        goalposts_moved=len(amended),
        bar_lowered=lowered,
        bar_raised=raised,
        created_at=s.at(s.versions[0].created),
    )


def version_row(s: Story, charter: Charter, v: V) -> CharterVersion:
    name, unit, direction, baseline, _, target = s.metric
    kill = s.charter_kill
    return CharterVersion(
        charter=charter,
        number=v.number,
        status=Status.DRAFT,  # set_status moves it once its rows are in
        created_by_id=s.pm,
        created_at=s.at(v.created),
        updated_at=s.at(v.approved or v.submitted or v.created + 2),
        submitted_at=s.at(v.submitted) if v.submitted is not None else None,
        approved_at=s.at(v.approved) if v.approved is not None else None,
        problem="Agents spend a third of their day sorting requests that a model could sort.",
        hypothesis="A model routes four in five requests to the right queue on the first try.",
        business_value="Two agents' time a year back to customers; faster first answers.",
        metric_name=name,
        metric_unit=unit,
        metric_direction=direction,
        metric_baseline=baseline,
        metric_target=target,
        metric_method="Weekly sample of 500 requests labelled by two agents.",
        threshold=v.threshold,
        kill_deadline=s.day(kill),
        latency_p95_ms=2000,
        cost_per_call=Decimal("0.0500"),
        data_classification=Sensitivity.INTERNAL,
        compliance_review_due=s.day(s.timebox[0] + 7),
        eval_set_size=2000,
        eval_set_source="Last quarter's tickets, labelled",
        eval_baseline_score=baseline,
        harness_location="https://git.example.com/ai/eval-harness",
        change_management="Agents trained in two sessions; the old queue stays for a month.",
        operations_plan="Runs on the platform team's cluster; on-call with the service desk.",
        ops_budget=Decimal("48000.00"),
        executive_sponsor_id=s.dm,
        cost_monthly_1x=Decimal("1200.00"),
        cost_monthly_5x=Decimal("5200.00"),
        cost_monthly_20x=Decimal("19000.00"),
        cost_driver="Model calls",
        business_owner_id=s.business_owner,
        production_owner_id=s.production_owner,
        engineering_owner_id=s.engineering_owner,
        decision_maker_id=s.dm,
        pm_id=s.pm,
        timebox_start=s.day(s.timebox[0]),
        timebox_end=s.day(s.timebox[1]),
        decision_date=s.day(max(s.timebox[1], kill)),
    )


def gates_and_criteria(
    firm: Firm, stories: list[Story], projects: list[Project]
) -> dict[tuple[int, str], Gate]:
    """Each project's gates (the decided ones and the open one) with their criteria copied from
    the templates, and the marks on the manual criteria. {(project index, from_stage): gate}."""
    rows, keys = [], []
    for s, p in zip(stories, projects, strict=True):
        for stage, g in s.gates.items():
            t = firm.templates[stage]
            rows.append(
                Gate(
                    project=p,
                    template=t,
                    name=t.name,
                    from_stage=t.from_stage,
                    to_stage=t.to_stage,
                    opened_at=s.at(g.opened),
                    due_date=s.day(g.due),
                    decided_at=s.at(g.decided) if g.decided is not None else None,
                )
            )
            keys.append((s.i, stage))
    gates = dict(zip(keys, insert(Gate, rows, firm), strict=True))
    criteria, marked = [], []
    by_i = {s.i: s for s in stories}
    for (i, stage), gate in gates.items():
        for c in firm.criteria[stage]:
            row = GateCriterion(
                gate=gate,
                template=c,
                order=c.order,
                key=c.key,
                title=c.title,
                description=c.description,
                kind=c.kind,
                check_key=c.check_key,
            )
            criteria.append(row)
            when = by_i[i].marks.get(stage)
            if c.kind == CriterionKind.MANUAL and when is not None:
                marked.append((row, by_i[i], when))
    insert(GateCriterion, criteria, firm)
    insert(
        CriterionMark,
        [
            CriterionMark(
                criterion=row,
                state=MarkState.MET,
                evidence_text="Measured on last month's production traffic; report linked.",
                evidence_url="https://wiki.example.com/ai/evidence",
                marked_by_id=s.pm,
                marked_at=s.at(when),
            )
            for row, s, when in marked
        ],
        firm,
    )
    return gates


def measurements(
    firm: Firm, stories: list[Story], projects: list[Project]
) -> dict[int, dict[str, Measurement]]:
    """Readings of the success metric, latency and cost while the project ran, the metric
    trending from the baseline to where it ends (past the threshold or not). Returns each
    project's latest reading per kind (for the decisions' snapshots)."""
    rng = firm.rng
    rows: list[Measurement] = []
    latest: dict[int, dict[str, Measurement]] = defaultdict(dict)
    for s, p in zip(stories, projects, strict=True):
        if s.measuring is None:
            continue
        start, end = s.measuring
        weeks = (end - start) / 7
        _, _, direction, baseline, _, _ = s.metric
        threshold = s.versions[-1].threshold
        final = threshold * (
            Decimal("1.05") if s.met == (direction == Direction.HIGHER) else Decimal("0.95")
        )
        api = rng.random() < 0.3
        for kind, rate in READINGS_PER_WEEK.items():
            n = min(READINGS_CAP, round(weeks * rate + rng.random()))
            if n == 0:
                continue
            times = sorted(rng.uniform(start, end) for _ in range(n - 1)) + [end]
            for k, when in enumerate(times):
                share = Decimal((k + 1) / n)
                if kind == MeasurementKind.METRIC:
                    value = baseline + (final - baseline) * share
                elif kind == MeasurementKind.LATENCY:
                    value = Decimal(1400 + rng.randint(0, 1200))
                else:
                    value = Decimal(rng.randint(300, 700)) / 10000
                at = s.at(when)
                m = Measurement(
                    project=p,
                    kind=kind,
                    value=round(value, 4),
                    measured_at=at,
                    source=MeasurementSource.API if api else MeasurementSource.MANUAL,
                    token_name="eval-harness" if api else "",
                    recorded_by_id=s.pm,
                    created_at=at,
                )
                rows.append(m)
            latest[s.i][kind] = rows[-1]
    insert(Measurement, rows, firm)
    return latest


def snapshot(s: Story, d: D, gate: Gate, firm: Firm, latest: dict[str, Measurement]) -> dict:
    """A decision's snapshot, shaped as ``decisions.services.decide._snapshot`` writes it."""
    kill = s.kill_deadline
    return {
        "taken_at": s.at(d.at).isoformat(),
        "gate": {
            "id": gate.pk,
            "name": gate.name,
            "from": gate.from_stage,
            "to": gate.to_stage,
            "decision_date": gate.due_date.isoformat() if gate.due_date else None,
        },
        "next_gate": None,
        "criteria": [
            {
                "key": c.key,
                "title": c.title,
                "kind": c.kind,
                "met": d.outcome == "go",
                "detail": "",
                "marked_by": None,
                "marked_at": None,
                "evidence_url": "",
            }
            for c in firm.criteria[d.gate]
        ],
        "criteria_met": "",
        "measurements": {
            kind: {
                "value": str(m.value),
                "measured_at": m.measured_at.isoformat(),
                "source": m.source,
                "id": m.pk,
            }
            for kind, m in sorted(latest.items())
            if m.measured_at <= s.at(d.at)
        },
        "kill_condition": {
            "status": "met" if s.met else "triggered",
            "label": "",
            "threshold": str(s.versions[0].threshold) if s.versions else None,
            "direction": s.metric[2],
            "deadline": s.day(kill).isoformat() if kill is not None else None,
            "kill_pending": False,
        },
        "charter_version": len(s.versions) or None,
    }


RATIONALE = {
    "go": "Every criterion met on production data; the owner has accepted the run cost.",
    "kill": "The metric stayed below the threshold on production data after two iterations.",
    "extend": "Labelled data arrived three weeks late; the last readings are close.",
}


def decisions(
    firm: Firm,
    stories: list[Story],
    projects: list[Project],
    gates: dict[tuple[int, str], Gate],
    latest: dict[int, dict[str, Measurement]],
) -> None:
    """The decisions, the ones they correct first (``supersedes`` points back at them)."""
    by_i = {s.i: p for s, p in zip(stories, projects, strict=True)}
    chunk_projects = dict(enumerate(projects))
    for second in (False, True):
        todo = [
            (s, d) for s in stories for d in s.decisions if (d.supersedes is not None) == second
        ]
        rows = []
        for s, d in todo:
            gate = gates[(s.i, d.gate)]
            rows.append(
                Decision(
                    project=by_i[s.i],
                    gate=gate,
                    outcome=d.outcome,
                    decided_by_id=d.by,
                    decided_by_policy=POLICY_TEXT if d.by is None else "",
                    decided_at=s.at(d.at),
                    rationale=RATIONALE[d.outcome],
                    reason_category=d.reason,
                    new_kill_deadline=s.day(d.new_kill) if d.new_kill is not None else None,
                    new_decision_date=s.day(d.new_date) if d.new_date is not None else None,
                    from_stage=d.from_stage,
                    to_stage=d.to_stage,
                    supersedes_id=s.decisions[d.supersedes].pk
                    if d.supersedes is not None
                    else None,
                    supersede_reason="Recorded against the wrong evidence." if second else "",
                    successor=chunk_projects[d.successor] if d.successor is not None else None,
                    snapshot=snapshot(s, d, gate, firm, latest.get(s.i, {})),
                )
            )
        for (_, d), row in zip(todo, insert(Decision, rows, firm), strict=True):
            d.pk = row.pk


def the_rest(
    firm: Firm, stories: list[Story], projects: list[Project], gates: dict[tuple[int, str], Gate]
) -> None:
    """Stage changes, production owners' acceptances, reminders of the gates due about now, and
    the audit trail: each project registered, each charter version approved, each gate opened,
    each stage change and each amendment."""
    rng = firm.rng
    today = firm.today
    changes, acceptances, reminders, events = [], [], [], []
    for s, p in zip(stories, projects, strict=True):
        events.append(event(s, p, s.pm, "project.created", "portfolio.project", p.pk, p.name, 0))
        for at, before, after, by in s.stage_changes:
            changes.append(
                StageChange(
                    project=p,
                    from_stage=before,
                    to_stage=after,
                    changed_by_id=by,
                    changed_at=s.at(at),
                    reason=f"{'go' if after != Stage.KILLED else 'kill'} at the gate",
                )
            )
            events.append(
                event(
                    s,
                    p,
                    by,
                    "project.stage_changed",
                    "portfolio.project",
                    p.pk,
                    p.name,
                    at,
                    {"stage": [before, after]},
                )
            )
        for v in s.versions:
            if v.approved is not None:
                action = "charter.approved" if v.number == 1 else "charter.goalposts_moved"
                repr_ = f"{p.name} charter v{v.number}"
                kind = "charters.charterversion"
                events.append(event(s, p, s.dm, action, kind, v.pk, repr_, v.approved))
        for stage, g in s.gates.items():
            gate = gates[(s.i, stage)]
            events.append(
                event(s, p, s.pm, "gate.opened", "decisions.gate", gate.pk, gate.name, g.opened)
            )
            due = gate.due_date
            if g.decided is None and due is not None and -14 <= (due - today).days <= 7:
                kind = ReminderKind.DUE_SOON if due >= today else ReminderKind.LAPSED
                reminders.append(
                    Reminder(
                        recipient_id=s.dm,
                        project=p,
                        kind=kind,
                        due_date=due,
                        subject=f"{p.name}: the {gate.name.lower()} is due {due:%d %b}",
                        body="Decide at the gate: go, kill or extend.",
                        url=f"/decisions/projects/{p.pk}/gate/",
                        created_at=firm.now - timedelta(days=rng.uniform(0, 3)),
                        read_at=firm.now if rng.random() < 0.5 else None,
                    )
                )
        if s.accepted is not None and s.production_owner is not None:
            acceptances.append(
                OwnershipAcceptance(
                    project=p,
                    owner_id=s.production_owner,
                    accepts_run_cost=True,
                    accepts_on_call=True,
                    accepts_budget_line=True,
                    budget_line=f"OPS-{s.i:05d}",
                    team="Platform",
                    accepted_at=s.at(min(s.accepted, s.last)),
                )
            )
    insert(StageChange, changes, firm)
    insert(OwnershipAcceptance, acceptances, firm)
    insert(Reminder, reminders, firm)
    insert(AuditEvent, events, firm)


def event(s, p, actor, action, object_type, object_id, repr_, at, changes=None) -> AuditEvent:
    return AuditEvent(
        at=s.at(at),
        actor_id=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=repr_[:200],
        organisation_id=s.org,
        project=p,
        changes=changes or {},
    )


# --- after the build ----------------------------------------------------------------------------


def firm_analyse(*, vacuum: bool = False) -> None:
    """Fresh planner statistics (and the visibility map, with ``vacuum``), as autovacuum would
    have them on a database that grew slowly. VACUUM cannot run inside a transaction: only the
    harness, in autocommit, asks for it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


COUNTED = (
    Organisation, User, Membership, Project, StageChange, Charter, CharterVersion, Signature,
    DataSource, Integration, Gate, GateCriterion, CriterionMark, Measurement, Decision,
    OwnershipAcceptance, Reminder, AuditEvent,
)  # fmt: skip


def row_counts() -> dict[str, int]:
    """What the database holds, table by table (counted, not the builder's own tally)."""
    return {m._meta.label: m._base_manager.count() for m in COUNTED}


def decisions_facts() -> dict[str, int]:
    """A few figures that say the history is realistic."""
    d = Decision.objects.all()
    return {
        "go": d.filter(outcome="go").count(),
        "kill": d.filter(outcome="kill").count(),
        "extend": d.filter(outcome="extend").count(),
        "superseded": d.filter(superseded_by__isnull=False).count(),
        "by policy": d.filter(decided_by__isnull=True).count(),
        "charters amended": Charter.objects.filter(goalposts_moved__gt=0).count(),
        "open gates": Gate.objects.filter(decided_at__isnull=True).count(),
    }


# --- who asks, and what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One benchmarked URL, as one visitor asks for it."""

    name: str  # how the table names it (the same at every size)
    who: str  # partner, member, executive or anonymous
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    # Issue 12's target for this URL ("p95<150", "p95<100", "api") or "" (a baseline).
    goal: str = ""
    # Being built elsewhere right now: when the URL does not resolve yet it is reported, not
    # failed (the dashboard and its summary endpoint, issue 11).
    pending: bool = False
    baseline: bool = False
    note: str = ""  # what the table should say about it (how deep a cursor went)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.who})"


def logins(firm: Firm) -> dict[str, dict[str, str]]:
    """Request headers per visitor: a session cookie for the pages (made through the test
    client's ``force_login``: a real session row) and a read-only personal access token for
    the API (``portfolio.services.token_create``). Made once per firm."""
    if firm._logins:
        return firm._logins
    cookie = settings.SESSION_COOKIE_NAME
    for who, pk in (
        ("partner", firm.partner),
        ("member", firm.member),
        ("executive", firm.executive),
    ):
        user = User.objects.get(pk=pk)
        client = Client()
        client.force_login(user)
        _, secret = token_create(user=user, name="bench")
        firm._logins[who] = {
            "Cookie": f"{cookie}={client.cookies[cookie].value}",
            "Authorization": f"Bearer {secret}",
        }
    return firm._logins


def showcase_project(firm: Firm) -> Project | None:
    """The member's busiest project: in pilot (or else in flight), most decisions first."""
    mine = Project.objects.filter(organisation_id=firm.big_org)
    for stages in ([Stage.PILOT], [Stage.POC, Stage.PILOT], list(Stage.values)):
        best = (
            mine.filter(stage__in=stages)
            .annotate(n=Count("decisions", distinct=True))
            .order_by("-n", "pk")
            .first()
        )
        if best is not None:
            return best
    return None


API_DEPTH = 100


def deep_cursor(
    fetch, path: str, headers: dict[str, str], depth: int = API_DEPTH
) -> tuple[str, int]:
    """Follow the API's ``next`` links ``depth`` times from ``path`` (``fetch(path, headers)``
    returns the JSON). Returns (the path of the deepest page reached, its page number)."""
    page = 1
    while page <= depth:
        body = fetch(path, headers)
        link = body.get("next") if isinstance(body, dict) else None
        if not link:
            break
        parts = urlsplit(link)
        path = f"{parts.path}?{parts.query}"
        page += 1
    return path, page


def targets(firm: Firm, fetch) -> list[Target]:
    """The URLs of issue 12's table and issue 11's benchmark, as a partner (firm-wide), a PM of
    the biggest organisation (a member of one organisation) and that organisation's executive
    with the most gates to decide; plus the two baselines. ``fetch(path, headers)`` returns a
    JSON body: it walks the API's cursor 100 pages deep."""
    login = logins(firm)
    page = {who: (("Cookie", h["Cookie"]),) for who, h in login.items()}
    token = {who: (("Authorization", h["Authorization"]),) for who, h in login.items()}
    project = showcase_project(firm)
    api = "/api/v1/projects/"
    deep, depth = deep_cursor(fetch, api, dict(token["member"]))
    period = f"period={firm.today.year}&organisation={firm.big_org}"
    out = [
        Target("plain template", "anonymous", "/bench/plain/", baseline=True),
        Target("bare DRF cursor list", "anonymous", "/bench/drf-projects/", baseline=True),
        Target("/projects/", "partner", "/projects/", page["partner"], "p95<100"),
        Target("/projects/", "member", "/projects/", page["member"], "p95<100"),
        Target(
            "/projects/?stage=poc&page=200",
            "partner",
            "/projects/?stage=poc&page=200",
            page["partner"],
            "p95<150",
        ),
        # A partner's "/" redirects to the dashboard (their landing page), measured below.
        Target("/", "executive", "/", page["executive"], "p95<100"),
        Target("/decisions/due/", "executive", "/decisions/due/", page["executive"], "p95<150"),
        Target(f"{api} first page", "member", api, token["member"], "api"),
        Target(
            f"{api} {API_DEPTH} pages deep",
            "member",
            deep,
            token["member"],
            "api",
            note=f"page {depth}" + (" (the last there is)" if depth <= API_DEPTH else ""),
        ),
    ]
    if project is not None:
        pk = project.pk
        out += [
            Target("project page", "member", f"/projects/{pk}/", page["member"], "p95<150"),
            Target("charter page", "member", f"/projects/{pk}/charter/", page["member"], "p95<150"),
            Target(
                "timeline page",
                "member",
                f"/decisions/projects/{pk}/timeline/",
                page["member"],
                "p95<150",
            ),
        ]
    dashboard = "/decisions/dashboard/"
    out += [
        Target("dashboard", "partner", dashboard, page["partner"], "p95<150", pending=True),
        Target("dashboard", "member", dashboard, page["member"], "p95<150", pending=True),
        Target(
            "dashboard, filtered",
            "partner",
            f"{dashboard}?{period}",
            page["partner"],
            "p95<150",
            pending=True,
        ),
        Target(
            "/api/v1/dashboard/",
            "partner",
            "/api/v1/dashboard/",
            token["partner"],
            "p95<150",
            pending=True,
        ),
        Target(
            "/api/v1/dashboard/",
            "member",
            "/api/v1/dashboard/",
            token["member"],
            "p95<150",
            pending=True,
        ),
    ]
    return out


def gates_due(firm: Firm) -> int:
    """How many projects in flight the benchmark's executive is to decide."""
    return Project.objects.filter(decision_maker_id=firm.executive).active().count()


def describe(firm: Firm) -> dict[str, Any]:
    org_sizes = Counter(Project.objects.values_list("organisation_id", flat=True))
    sizes = sorted(org_sizes.values(), reverse=True)
    return {
        "organisations": len(firm.org_ids),
        "largest organisations": sizes[:3],
        "smallest organisation": sizes[-1] if sizes else 0,
        "member's organisation": org_sizes.get(firm.big_org, 0),
        "executive's projects in flight": gates_due(firm),
    }
