"""The demo's builder: turns ``portfolio.demo.data`` into a seeded plan and writes it.

``plan()`` is pure Python, the same every run for the same day and seed. ``build()`` writes what
is missing of it (idempotent, dated relative to today) and returns a ``DemoResult``;
``manage.py load_demo`` then hands that result to ``extend(result)`` in every installed app's
``demo`` module (``charters.demo``, ``decisions.demo``…) so they can add charters, gates and
decisions to the same projects. Extenders must be idempotent too.

Writes go through the services, or through the named escape hatches of ``portfolio.querysets``
(``write_history``, ``backdate``, ``unaudited_update``) for what no service may write: the
firm's organisations and people, and a story dated weeks before the run.
``tests/portfolio/test_demo_writes.py`` keeps it so.

Nothing from Django is imported at module level: ``portfolio.demo`` re-exports these names and
must stay importable without Django (``scripts/run_demo.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from .data import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    FEATURED_PEOPLE,
    FIRST_NAMES,
    GENERIC_IDEAS,
    GO_REASONS,
    INDUSTRY_IDEAS,
    KILL_REASONS,
    LAPSED_REASON,
    LAST_NAMES,
    ORGANISATIONS,
    SEED,
    STAGE_WEIGHTS,
    OrgSpec,
    PersonSpec,
)

if TYPE_CHECKING:
    from portfolio.models import Organisation, Project, User


# --- the plan: pure Python, the same every run for the same day ------------------------------
@dataclass
class ProjectPlan:
    org_slug: str
    slug: str
    name: str
    summary: str
    stage: str
    # (to_stage, at, reason), oldest first: replayed through project_change_stage.
    transitions: list[tuple[str, datetime, str]]
    owners: dict[str, str | None]  # owner field -> email (None: a gap on purpose)
    timebox_start: date | None
    timebox_end: date | None
    decision_date: date | None
    created_at: datetime
    updated_at: datetime
    kill_reason: str | None = None  # a KILL_REASONS category when stage is killed


@dataclass
class DemoPlan:
    people: list[PersonSpec]
    projects: list[ProjectPlan]


def _at(day: date, rng: random.Random) -> datetime:
    from django.utils import timezone

    naive = datetime.combine(day, time(hour=rng.randint(8, 17), minute=rng.randint(0, 59)))
    return timezone.make_aware(naive)


def _people(rng: random.Random) -> tuple[list[PersonSpec], dict[str, dict[str, list[str]]]]:
    """Everyone in the demo, and per organisation the emails in each role (featured first)."""
    roster: dict[str, dict[str, list[str]]] = {
        o.slug: {"pm": [], "executive": [], "viewer": []} for o in ORGANISATIONS
    }
    people = list(FEATURED_PEOPLE)
    for person in FEATURED_PEOPLE:
        for slug, role in person.memberships:
            roster[slug][role].append(person.email)
    names = [(f, ln) for f in FIRST_NAMES for ln in LAST_NAMES]
    rng.shuffle(names)
    taken = {p.full_name for p in FEATURED_PEOPLE}
    for org in ORGANISATIONS:
        for role, wanted in (
            ("pm", org.pms),
            ("executive", org.executives),
            ("viewer", org.viewers),
        ):
            while len(roster[org.slug][role]) < wanted:
                first, last = names.pop()
                full_name = f"{first} {last}"
                if full_name in taken:
                    continue
                taken.add(full_name)
                local = f"{first}.{last}".lower().replace(" ", "")
                email = f"{local}@{DEMO_DOMAIN}"
                people.append(PersonSpec(email, full_name, ((org.slug, role),)))
                roster[org.slug][role].append(email)
    return people, roster


def _ideas(org: OrgSpec, rng: random.Random) -> list[tuple[str, str]]:
    specific = list(INDUSTRY_IDEAS.get(org.industry, ()))
    generic = list(GENERIC_IDEAS)
    rng.shuffle(specific)
    rng.shuffle(generic)
    # Mostly industry work, topped up with the ideas every company tries.
    pool = specific + generic
    ideas = pool[: org.projects]
    wave = 2
    while len(ideas) < org.projects:  # more projects than ideas: a second wave of the same
        missing = org.projects - len(ideas)
        ideas += [(f"{name} (wave {wave})", summary) for name, summary in pool[:missing]]
        wave += 1
    return ideas


def _plan_project(
    *,
    org: OrgSpec,
    name: str,
    summary: str,
    stage: str,
    roster: dict[str, list[str]],
    today: date,
    rng: random.Random,
) -> ProjectPlan:
    from django.utils.text import slugify

    def days_ago(n: int) -> date:
        return today - timedelta(days=n)

    pms, execs, viewers = roster["pm"], roster["executive"], roster["viewer"]
    everyone = pms + execs + viewers
    owners: dict[str, str | None] = {
        "pm": rng.choice(pms),
        "decision_maker": rng.choice(execs),
        "business_owner": rng.choice(execs + pms),
        "engineering_owner": rng.choice(pms + viewers) if viewers else rng.choice(pms),
        "production_owner": rng.choice(everyone),
    }
    # The usual gap: nobody has agreed to run it in production. Rarer gaps elsewhere.
    missing_production_owner = {
        "proposed": 0.55,
        "poc": 0.4,
        "pilot": 0.2,
        "production": 0.0,
        "killed": 0.5,
    }[stage]
    if rng.random() < missing_production_owner:
        owners["production_owner"] = None
    if stage in ("proposed", "poc") and rng.random() < 0.08:
        owners["decision_maker"] = None
    if stage in ("proposed", "poc", "killed") and rng.random() < 0.08:
        owners["business_owner"] = None
    if rng.random() < 0.1:
        owners["engineering_owner"] = None

    weeks = rng.choice((6, 6, 7, 8, 8, 8, 10, 12))  # longer than eight weeks gets flagged
    transitions: list[tuple[str, datetime, str]] = []
    kill_reason = None
    tb_start: date | None
    tb_end: date | None
    decision: date | None

    if stage == "proposed":
        created = days_ago(rng.randint(2, 50))
        if rng.random() < 0.2:  # not planned yet
            tb_start = tb_end = decision = None
        else:
            tb_start = today + timedelta(days=rng.randint(-3, 30))
            tb_end = tb_start + timedelta(weeks=weeks)
            decision = tb_end + timedelta(days=rng.randint(0, 7))
        last_event = created
    elif stage in ("poc", "pilot"):
        if stage == "poc":
            entered = days_ago(
                rng.choice((rng.randint(3, 30), rng.randint(20, 60), rng.randint(45, 95)))
            )
            created = entered - timedelta(days=rng.randint(10, 40))
            transitions.append(("poc", _at(entered, rng), GO_REASONS["poc"]))
        else:
            weeks = rng.choice((8, 10, 12))
            entered = days_ago(rng.choice((rng.randint(5, 40), rng.randint(30, 110))))
            poc_at = entered - timedelta(days=rng.randint(42, 80))
            created = poc_at - timedelta(days=rng.randint(10, 40))
            transitions.append(("poc", _at(poc_at, rng), GO_REASONS["poc"]))
            transitions.append(("pilot", _at(entered, rng), GO_REASONS["pilot"]))
        tb_start = entered
        tb_end = tb_start + timedelta(weeks=weeks)
        decision = tb_end + timedelta(days=rng.randint(0, 7))
        last_event = entered
    elif stage == "production":
        live = days_ago(rng.randint(15, 320))
        pilot_at = live - timedelta(days=rng.randint(56, 100))
        poc_at = pilot_at - timedelta(days=rng.randint(42, 70))
        created = poc_at - timedelta(days=rng.randint(10, 40))
        transitions += [
            ("poc", _at(poc_at, rng), GO_REASONS["poc"]),
            ("pilot", _at(pilot_at, rng), GO_REASONS["pilot"]),
            ("production", _at(live, rng), GO_REASONS["production"]),
        ]
        tb_start, tb_end, decision = pilot_at, live - timedelta(days=rng.randint(0, 10)), live
        last_event = live
    else:  # killed at one of its gates, mostly the graduation gate (production has no gate)
        died_in = rng.choices(("proposed", "poc", "pilot"), (15, 60, 25))[0]
        killed = days_ago(rng.randint(3, 260))
        path = ["proposed", "poc", "pilot", "production"]
        steps = path[1 : path.index(died_in) + 1]
        at = killed
        dates = []
        for _ in steps:
            at = at - timedelta(days=rng.randint(35, 80))
            dates.append(at)
        for step, day in zip(steps, reversed(dates), strict=True):
            transitions.append((step, _at(day, rng), GO_REASONS[step]))
        kill_reason, reason_text = rng.choice(KILL_REASONS)
        if owners["production_owner"] is None and rng.random() < 0.5:
            kill_reason, reason_text = (
                "no_production_owner",
                dict(KILL_REASONS)["no_production_owner"],
            )
        if died_in == "poc" and kill_reason in ("metric_not_reached", "cost_target_missed"):
            # Nobody decided at the kill deadline: the organisation's lapse policy killed it.
            kill_reason, reason_text = "decision_lapsed", LAPSED_REASON
        transitions.append(("killed", _at(killed, rng), reason_text))
        created = (dates[-1] if dates else killed) - timedelta(days=rng.randint(10, 40))
        tb_start = dates[0] if dates else created
        tb_end = max(tb_start, killed - timedelta(days=rng.randint(0, 14)))
        decision = killed
        last_event = killed

    # Activity since the last stage change: most projects are touched recently, some went quiet
    # (stalled: nothing for more than 21 days).
    if stage in ("proposed", "poc", "pilot"):
        quiet_for = rng.choice((rng.randint(0, 12), rng.randint(0, 12), rng.randint(22, 60)))
        last_event = max(last_event, days_ago(quiet_for))
    created_at = _at(created, rng)
    updated_at = max(_at(last_event, rng), created_at, *(t[1] for t in transitions))
    if stage in ("proposed", "poc", "pilot"):
        from django.utils import timezone

        updated_at = min(updated_at, timezone.now())
    return ProjectPlan(
        org_slug=org.slug,
        slug=slugify(name)[:170],
        name=name,
        summary=summary,
        stage=stage,
        transitions=transitions,
        owners=owners,
        timebox_start=tb_start,
        timebox_end=tb_end,
        decision_date=decision,
        created_at=created_at,
        updated_at=updated_at,
        kill_reason=kill_reason,
    )


def plan(*, today: date, seed: int = SEED) -> DemoPlan:
    """The whole demo as data. Each organisation has its own random stream, so adding one
    organisation does not reshuffle the others."""
    people, roster = _people(random.Random(f"{seed}:people"))
    projects: list[ProjectPlan] = []
    stages, weights = zip(*STAGE_WEIGHTS, strict=True)
    for org in ORGANISATIONS:
        rng = random.Random(f"{seed}:{org.slug}")
        ideas = _ideas(org, rng)
        # Every stage shows up in every organisation big enough to hold them all.
        org_stages = list(stages) if org.projects >= 8 else []
        org_stages += rng.choices(stages, weights, k=org.projects - len(org_stages))
        rng.shuffle(org_stages)
        for (name, summary), stage in zip(ideas, org_stages, strict=True):
            projects.append(
                _plan_project(
                    org=org,
                    name=name,
                    summary=summary,
                    stage=stage,
                    roster=roster[org.slug],
                    today=today,
                    rng=rng,
                )
            )
    return DemoPlan(people=people, projects=projects)


# --- writing it -------------------------------------------------------------------------------
@dataclass
class DemoProject:
    project: Project
    plan: ProjectPlan
    created: bool  # written by this run (False: it was there already and left alone)


@dataclass
class DemoResult:
    """What ``build`` hands to each app's ``demo.extend(result)``."""

    today: date
    seed: int
    password: str
    admin: User
    organisations: dict[str, Organisation]  # by slug
    people: dict[str, User]  # by email
    roster: dict[str, dict[str, list[User]]]  # org slug -> role -> members
    projects: list[DemoProject]
    log: Callable[[str], None] = field(default=lambda msg: None)

    def rng(self, name: str) -> random.Random:
        """A seeded random stream for an extender, stable across runs."""
        return random.Random(f"{self.seed}:{name}")

    @property
    def created_projects(self) -> list[DemoProject]:
        return [p for p in self.projects if p.created]


def build(
    *, today: date | None = None, seed: int = SEED, log: Callable[[str], None] | None = None
) -> DemoResult:
    """Create what is missing of the demo portfolio; leave what exists alone."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from portfolio import services
    from portfolio.models import Membership, Organisation, Project, User
    from portfolio.querysets import write_history

    log = log or (lambda msg: None)
    today = today or timezone.localdate()
    demo = plan(today=today, seed=seed)
    # One hash for everybody: hashing 60 passwords one by one would take most of the run.
    password_hash = make_password(DEMO_PASSWORD)

    with transaction.atomic():
        # The firm's organisations and people exist before Gatehouse sees them: no service
        # creates either (the admin adds them), so the demo writes them as history.
        found_orgs = Organisation.objects.in_bulk(
            [s.slug for s in ORGANISATIONS], field_name="slug"
        )
        orgs = {}
        for spec in ORGANISATIONS:
            orgs[spec.slug] = found_orgs.get(spec.slug) or write_history(
                Organisation(slug=spec.slug, name=spec.name)
            )

        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            admin = write_history(
                User(
                    email=ADMIN_EMAIL,
                    full_name=ADMIN_NAME,
                    is_staff=True,
                    is_superuser=True,
                    password=password_hash,
                )
            )

        existing = set(
            User.objects.filter(email__in=[p.email for p in demo.people]).values_list(
                "email", flat=True
            )
        )
        for p in demo.people:
            if p.email not in existing:
                write_history(
                    User(
                        email=p.email,
                        full_name=p.full_name,
                        is_partner=p.is_partner,
                        password=password_hash,
                    )
                )
        people = {u.email: u for u in User.objects.filter(email__in=[p.email for p in demo.people])}

        have = set(
            Membership.objects.filter(organisation__in=orgs.values()).values_list(
                "user__email", "organisation__slug"
            )
        )
        for person in demo.people:
            for slug, role in person.memberships:
                if (person.email, slug) not in have:
                    services.membership_set(
                        user=people[person.email], organisation=orgs[slug], role=role, by=admin
                    )
        # Fresh objects: the role cache on a user must not predate the memberships above.
        people = {u.email: u for u in User.objects.filter(email__in=[p.email for p in demo.people])}

        roster: dict[str, dict[str, list[User]]] = {
            s: {"pm": [], "executive": [], "viewer": []} for s in orgs
        }
        for m in Membership.objects.filter(organisation__in=orgs.values()).select_related(
            "user", "organisation"
        ):
            roster[m.organisation.slug][m.role].append(people.get(m.user.email, m.user))

        found = {
            (p.organisation_id, p.slug): p
            for p in Project.objects.filter(organisation__in=orgs.values())
        }
        projects: list[DemoProject] = []
        for pp in demo.projects:
            org = orgs[pp.org_slug]
            project = found.get((org.pk, pp.slug))
            if project is not None:
                projects.append(DemoProject(project, pp, created=False))
                continue
            project = _create_project(pp, org=org, people=people)
            projects.append(DemoProject(project, pp, created=True))

    new = sum(p.created for p in projects)
    log(
        f"Demo portfolio: {len(orgs)} organisations, {len(people)} people, {len(projects)} projects ({new} new)."
    )
    return DemoResult(
        today=today,
        seed=seed,
        password=DEMO_PASSWORD,
        admin=admin,
        organisations=orgs,
        people=people,
        roster=roster,
        projects=projects,
        log=log,
    )


def _create_project(pp: ProjectPlan, *, org, people) -> Project:
    from portfolio import services
    from portfolio.models import AuditEvent, Project
    from portfolio.querysets import backdate

    owners = {f: people[e] if e else None for f, e in pp.owners.items()}
    project = services.project_create(
        organisation=org,
        by=owners["pm"],
        name=pp.name,
        summary=pp.summary,
        timebox_start=pp.timebox_start,
        timebox_end=pp.timebox_end,
        decision_date=pp.decision_date,
        **owners,
    )
    for to_stage, at, reason in pp.transitions:
        by = owners["decision_maker"] or owners["pm"]
        if to_stage == "killed" and pp.kill_reason == "decision_lapsed":
            by = None  # the lapse policy, not a person
        services.project_change_stage(
            project=project, to_stage=to_stage, by=by, reason=reason, at=at
        )
    # The demo tells a story that started weeks ago: date the project and its audit trail back.
    Project.objects.filter(pk=project.pk).unaudited_update(
        created_at=pp.created_at, updated_at=pp.updated_at
    )
    times = [pp.created_at, *(at for _, at, _ in pp.transitions)]
    for event_id, at in zip(
        AuditEvent.objects.filter(project=project).order_by("id").values_list("id", flat=True),
        times,
        strict=False,
    ):
        backdate(AuditEvent.objects.filter(pk=event_id), at=at)
    project.created_at, project.updated_at = pp.created_at, pp.updated_at
    return project


def extenders() -> Iterator[tuple[str, Callable[[DemoResult], Any]]]:
    """(app label, extend) for every installed app whose ``demo`` module has ``extend``
    (portfolio's own ``demo`` is this package: the builder, not an extender)."""
    from django.apps import apps

    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        if module_name == __package__ or importlib.util.find_spec(module_name) is None:
            continue
        extend = getattr(importlib.import_module(module_name), "extend", None)
        if callable(extend):
            yield config.label, extend
