"""Each dashboard figure against a hand-built portfolio whose right answers are worked out below,
and every figure's drill-down link listing exactly the projects it counts."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from charters.models import Charter
from decisions import dashboard as d
from decisions import states
from decisions.models import Decision, Gate, GateTemplate
from decisions.services import milestones_refresh
from portfolio import periods
from portfolio.models import Project, Stage
from tests.factories import OrganisationFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
NOW = timezone.make_aware(datetime.combine(TODAY, time(12)))


def at(day: date):
    return timezone.make_aware(datetime.combine(day, time(12)))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _gate(project, stage, *, due=None, decided=None):
    template = GateTemplate.objects.get(from_stage=stage)
    gate, _ = Gate.objects.get_or_create(
        project=project,
        from_stage=stage,
        defaults={"template": template, "name": template.name, "to_stage": template.to_stage},
    )
    Gate.objects.filter(pk=gate.pk).unaudited_update(
        due_date=due, decided_at=at(decided) if decided else None
    )
    return gate


def _decide(project, stage, outcome, day, *, by, to, reason="", policy="", supersedes=None,
            successor=None, kill_deadline=None):  # fmt: skip
    return Decision.objects.create(
        project=project,
        gate=Gate.objects.get(project=project, from_stage=stage),
        outcome=outcome,
        decided_by=None if policy else by,
        decided_by_policy=policy,
        decided_at=at(day),
        rationale="Hand-built.",
        reason_category=reason,
        new_kill_deadline=kill_deadline,
        new_decision_date=kill_deadline,
        from_stage=stage if supersedes is None else supersedes.to_stage,
        to_stage=to,
        supersedes=supersedes,
        supersede_reason="Corrected." if supersedes else "",
        successor=successor,
    )


@dataclasses.dataclass
class Portfolio:
    a: object
    b: object
    exec1: object
    exec2: object
    pm: object
    partner: object
    names: dict


@pytest.fixture
def portfolio(partner) -> Portfolio:
    a = OrganisationFactory(name="Alpha Org")
    b = OrganisationFactory(name="Beta Org")
    exec1 = member(a, "executive", full_name="Ada Exec")
    exec2 = member(a, "executive", full_name="Bob Exec")
    pm = member(a, "pm", full_name="Pam PM")
    exec_b = member(b, "executive", full_name="Xena Exec")
    made = {}

    def project(name, org, dm, stage):
        p = ProjectFactory(
            organisation=org,
            name=name,
            pm=pm if org == a else None,
            decision_maker=dm,
            timebox_start=None,  # no charter gate due: only the gates set below are due
            timebox_end=None,
        )
        made[name] = p
        return p

    # Alpha: started 15 Jan, pilot 1 Mar, production 1 May — every gate on its due date.
    p = project("Alpha", a, exec1, Stage.PRODUCTION)
    _gate(p, Stage.PROPOSED, due=date(2026, 1, 15), decided=date(2026, 1, 15))
    _gate(p, Stage.POC, due=date(2026, 3, 1), decided=date(2026, 3, 1))
    _gate(p, Stage.PILOT, due=date(2026, 5, 1), decided=date(2026, 5, 1))
    _decide(p, Stage.PROPOSED, "go", date(2026, 1, 15), by=exec1, to=Stage.POC)
    _decide(p, Stage.POC, "go", date(2026, 3, 1), by=exec1, to=Stage.PILOT)
    _decide(p, Stage.PILOT, "go", date(2026, 5, 1), by=exec1, to=Stage.PRODUCTION)
    Charter.objects.create(project=p, goalposts_moved=2, bar_lowered=1)
    # Bravo: started 1 Feb, pilot 1 Apr (due 20 Mar: 12 days late), killed in pilot 1 Jun.
    p = project("Bravo", a, exec1, Stage.KILLED)
    _gate(p, Stage.PROPOSED, due=date(2026, 2, 1), decided=date(2026, 2, 1))
    _gate(p, Stage.POC, due=date(2026, 3, 20), decided=date(2026, 4, 1))
    _gate(p, Stage.PILOT, due=date(2026, 6, 1), decided=date(2026, 6, 1))
    _decide(p, Stage.PROPOSED, "go", date(2026, 2, 1), by=exec1, to=Stage.POC)
    _decide(p, Stage.POC, "go", date(2026, 4, 1), by=exec1, to=Stage.PILOT)
    _decide(p, Stage.PILOT, "kill", date(2026, 6, 1), by=exec1, to=Stage.KILLED,
            reason="cost_target_missed")  # fmt: skip
    Charter.objects.create(project=p, goalposts_moved=1, bar_raised=1)
    # Charlie: started 10 Feb, killed in PoC 20 Mar, pivoting into Charlie 2.
    p = project("Charlie", a, exec1, Stage.KILLED)
    successor = project("Charlie 2", a, exec1, Stage.PROPOSED)
    _gate(p, Stage.PROPOSED)
    _gate(p, Stage.POC)
    _decide(p, Stage.PROPOSED, "go", date(2026, 2, 10), by=exec1, to=Stage.POC)
    _decide(p, Stage.POC, "kill", date(2026, 3, 20), by=exec1, to=Stage.KILLED,
            reason="metric_not_reached", successor=successor)  # fmt: skip
    # Delta: started 10 Apr, extended 15 May, graduation gate due 1 Jun and undecided: lapsed.
    p = project("Delta", a, exec2, Stage.POC)
    _gate(p, Stage.PROPOSED, due=date(2026, 4, 10), decided=date(2026, 4, 10))
    _gate(p, Stage.POC, due=date(2026, 6, 1))
    _decide(p, Stage.PROPOSED, "go", date(2026, 4, 10), by=exec2, to=Stage.POC)
    _decide(p, Stage.POC, "extend", date(2026, 5, 15), by=exec2, to=Stage.POC,
            kill_deadline=date(2026, 6, 1))  # fmt: skip
    # Echo: started 1 May; a go into the pilot on 1 Jul, superseded by a kill on 5 Jul.
    p = project("Echo", a, exec1, Stage.KILLED)
    _gate(p, Stage.PROPOSED)
    _gate(p, Stage.POC)
    _decide(p, Stage.PROPOSED, "go", date(2026, 5, 1), by=exec1, to=Stage.POC)
    mistake = _decide(p, Stage.POC, "go", date(2026, 7, 1), by=exec1, to=Stage.PILOT)
    _decide(p, Stage.POC, "kill", date(2026, 7, 5), by=exec1, to=Stage.KILLED, reason="other",
            supersedes=mistake)  # fmt: skip
    # Foxtrot: started 1 Jul, killed by the lapse policy on 1 Sep.
    p = project("Foxtrot", a, exec2, Stage.KILLED)
    _gate(p, Stage.PROPOSED)
    _gate(p, Stage.POC)
    _decide(p, Stage.PROPOSED, "go", date(2026, 7, 1), by=exec2, to=Stage.POC)
    _decide(p, Stage.POC, "kill", date(2026, 9, 1), by=exec2, to=Stage.KILLED,
            reason="decision_lapsed", policy="Alpha Org's lapse policy: kill after 7 days")  # fmt: skip
    # Golf: a proposal that never started.
    project("Golf", a, exec1, Stage.PROPOSED)
    # Xray, in the other organisation: started 20 Jan, pilot 1 Mar, production 1 Jun.
    p = project("Xray", b, exec_b, Stage.PRODUCTION)
    _gate(p, Stage.PROPOSED)
    _gate(p, Stage.POC)
    _gate(p, Stage.PILOT)
    _decide(p, Stage.PROPOSED, "go", date(2026, 1, 20), by=exec_b, to=Stage.POC)
    _decide(p, Stage.POC, "go", date(2026, 3, 1), by=exec_b, to=Stage.PILOT)
    _decide(p, Stage.PILOT, "go", date(2026, 6, 1), by=exec_b, to=Stage.PRODUCTION)

    stages = {
        "Alpha": Stage.PRODUCTION, "Bravo": Stage.KILLED, "Charlie": Stage.KILLED,
        "Charlie 2": Stage.PROPOSED, "Delta": Stage.POC, "Echo": Stage.KILLED,
        "Foxtrot": Stage.KILLED, "Golf": Stage.PROPOSED, "Xray": Stage.PRODUCTION,
    }  # fmt: skip
    for name, p in made.items():
        Project.objects.filter(pk=p.pk).unaudited_update(stage=stages[name], updated_at=NOW)
        milestones_refresh(project_id=p.pk)
    states.refresh()  # the gates were written past the services: read their due dates once
    return Portfolio(a, b, exec1, exec2, pm, partner, made)


def _scope(user, period="all", **kwargs):
    return d.Scope(user=user, period=periods.parse(period, today=TODAY), today=TODAY, **kwargs)


def test_the_funnel_of_the_firm_and_of_one_organisation(portfolio):
    f = d.funnel(_scope(portfolio.partner))
    assert (f.started.value, f.reached_pilot.value, f.reached_production.value) == (7, 3, 2)
    assert [k.value for k in f.killed] == [3, 1]  # Charlie, Echo, Foxtrot; Bravo in pilot
    assert [k.label for k in f.killed] == ["Killed in PoC", "Killed in Pilot"]
    assert [k.value for k in f.in_flight] == [1, 0]  # Delta
    assert (f.poc_to_pilot.value, f.pilot_to_production.value) == (42.9, 66.7)
    assert f.graduation_rate.value == 28.6
    mine = d.funnel(_scope(portfolio.pm))  # Alpha Org only: no Xray
    assert (mine.started.value, mine.reached_production.value) == (6, 1)
    assert mine.graduation_rate.value == 16.7


def test_a_superseded_go_does_not_count_as_reaching_the_pilot(portfolio):
    echo = Project.objects.get(name="Echo")
    assert echo.pilot_reached_at is None
    assert (echo.killed_from, echo.kill_reason) == (Stage.POC, "other")


def test_the_trend_by_quarterly_cohort(portfolio):
    rows = {r.period.key: r for r in d.trend(_scope(portfolio.partner))}
    q1, q2, q3, q4 = rows["2026-Q1"], rows["2026-Q2"], rows["2026-Q3"], rows["2026-Q4"]
    assert (q1.started.value, q1.reached_production.value, q1.graduation_rate.value) == (4, 2, 50.0)
    # Days from PoC start to the graduation gate's decision: Alpha 45, Bravo 59, Charlie 38,
    # Xray 40.
    assert q1.days_to_decision.value == pytest.approx(42.5, abs=0.05)
    # A cohort with nobody in production: a rate of 0, not a division error.
    assert (q2.started.value, q2.graduation_rate.value, q2.days_to_decision.value) == (2, 0.0, 65)
    assert (q3.started.value, q3.graduation_rate.value) == (1, 0.0)
    assert (q4.started.value, q4.graduation_rate.value, q4.days_to_decision.value) == (
        0,
        None,
        None,
    )


def test_flow_work_in_progress_and_medians(portfolio):
    flow = d.flow(_scope(portfolio.partner))
    assert [f.value for f in flow.in_progress] == [2, 1, 0]  # Golf and Charlie 2; Delta
    # Delta, since noon on 10 Apr (summer time, an hour less of November's noon).
    assert flow.days_in_stage[1].value == pytest.approx(224, abs=0.05)
    assert flow.days_in_stage[2].value is None  # nobody in pilot
    assert flow.days_to_production.value == pytest.approx(119, abs=0.05)  # Alpha 106, Xray 132
    assert flow.days_to_kill.value == pytest.approx(63.5, abs=0.05)  # 38, 62, 65, 120


def test_the_graveyard(portfolio):
    g = d.graveyard(_scope(portfolio.partner))
    assert g.killed.value == 4
    assert {f.label: f.value for f in g.by_reason} == {
        "Cost target missed": 1,
        "Metric not reached": 1,
        "Other": 1,
        "Decision lapsed": 1,
    }
    assert (g.by_policy.value, g.by_person.value, g.pivots.value) == (1, 3, 1)
    assert g.days_to_kill.value == pytest.approx(63.5, abs=0.05)


def test_goalposts_moved_and_which_way_the_bar_went(portfolio):
    g = d.goalposts(_scope(portfolio.partner))
    assert (g.projects.value, g.amendments.value, g.lowered.value, g.raised.value) == (2, 3, 1, 1)


def test_decision_maker_accountability(portfolio):
    rows = {r.person.full_name: r for r in d.accountability(_scope(portfolio.partner))}
    ada, bob = rows["Ada Exec"], rows["Bob Exec"]
    # Ada: Alpha's three gates on time; Bravo's charter and production gates on time, its
    # graduation gate 12 days late.
    assert (ada.due.value, ada.on_time.value, ada.late.value, ada.lapsed.value) == (6, 5, 1, 0)
    assert ada.days_late.value == pytest.approx(12, abs=0.05)
    assert (ada.extensions.value, ada.killed_by_policy.value) == (0, 0)
    # Bob: Delta's charter gate on time, its graduation gate lapsed; one extension; Foxtrot
    # killed by the lapse policy while he was its decision-maker.
    assert (bob.due.value, bob.on_time.value, bob.late.value, bob.lapsed.value) == (2, 1, 0, 1)
    assert bob.days_late.value is None
    assert (bob.extensions.value, bob.killed_by_policy.value) == (1, 1)


def test_the_organisation_table_for_partners(portfolio):
    rows = {r.organisation.name: r for r in d.organisations(_scope(portfolio.partner))}
    assert [f.value for f in rows["Alpha Org"].by_stage] == [2, 1, 0, 1, 4]
    assert [f.value for f in rows["Beta Org"].by_stage] == [0, 0, 0, 1, 0]
    assert rows["Alpha Org"].graduation_rate.value == 16.7
    assert rows["Beta Org"].graduation_rate.value == 100.0
    assert set(r.organisation.name for r in d.organisations(_scope(portfolio.pm))) == {"Alpha Org"}


def test_attention_lists(portfolio):
    a = d.attention(_scope(portfolio.partner))
    assert a.overdue.figure.value == 1 and [p.name for p in a.overdue.rows] == ["Delta"]
    assert a.stalled.figure.value == 1  # overdue for more than a week
    assert (a.kill_pending.figure.value, a.kill_soon.figure.value) == (0, 0)


def test_a_period_narrows_the_cohort_and_the_graveyard(portfolio):
    q1 = _scope(portfolio.partner, "2026-Q1")
    assert d.funnel(q1).started.value == 4
    assert d.graveyard(q1).killed.value == 1  # Charlie, killed 20 Mar
    rows = {r.person.full_name: r for r in d.accountability(q1)}
    assert (rows["Ada Exec"].due.value, rows["Ada Exec"].late.value) == (4, 1)


def test_no_projects_at_all_gives_zeros_and_dashes(db, partner):
    s = d.summary(_scope(partner), with_organisations=True)
    assert (s.funnel.started.value, s.funnel.graduation_rate.value) == (0, None)
    assert s.funnel.graduation_rate.shown == "—"
    assert all(r.graduation_rate.value is None for r in s.trend)
    assert (s.graveyard.killed.value, s.graveyard.days_to_kill.value) == (0, None)
    assert s.accountability == [] and s.organisations == []


def test_all_killed(db, partner, org, executive):
    for n in range(3):
        p = ProjectFactory(organisation=org, name=f"Dead {n}", decision_maker=executive)
        _gate(p, Stage.PROPOSED)
        _gate(p, Stage.POC)
        _decide(p, Stage.PROPOSED, "go", date(2026, 6, 1), by=executive, to=Stage.POC)
        _decide(p, Stage.POC, "kill", date(2026, 8, 1), by=executive, to=Stage.KILLED,
                reason="other")  # fmt: skip
        Project.objects.filter(pk=p.pk).unaudited_update(stage=Stage.KILLED)
        milestones_refresh(project_id=p.pk)
    f = d.funnel(_scope(partner))
    assert (f.started.value, f.graduation_rate.value, [k.value for k in f.killed]) == (
        3,
        0.0,
        [3, 0],
    )


def test_medians_in_postgresql_and_in_python_agree(portfolio):
    assert connection.vendor == "postgresql"
    scope = _scope(portfolio.partner)
    cohort = scope.projects().filter(poc_started_at__isnull=False)
    for python in (False, True):
        assert d.medians(
            cohort, d.days_between("poc_started_at", "killed_at"), python=python
        ) == pytest.approx(63.5, abs=0.05)
    grouped = [
        d.medians(
            cohort.annotate(q=d.TruncQuarter("poc_started_at", output_field=d.DateField())),
            d.days_between("poc_started_at", d.GRADUATION_DECISION),
            group="q",
            python=python,
        )
        for python in (False, True)
    ]
    assert grouped[0] == pytest.approx(grouped[1]) and len(grouped[0]) == 3


# --- every drill-down lists exactly the projects its number counts -----------------------------


def _figures(obj, path=""):
    """Every Figure in a summary, with where it sits."""
    if isinstance(obj, d.Figure):
        yield path, obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name not in ("scope", "person", "organisation", "period", "rows"):
                yield from _figures(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _figures(item, f"{path}[{i}]")


# Figures whose number counts something other than projects (gates, decisions, amendments), with
# the projects their list must hold instead.
NOT_PROJECT_COUNTS = {
    ".accountability[0].due": {"Alpha", "Bravo"},
    ".accountability[0].on_time": {"Alpha", "Bravo"},
    ".accountability[0].late": {"Bravo"},
    ".accountability[1].due": {"Delta"},
    ".accountability[1].on_time": {"Delta"},
    ".accountability[1].lapsed": {"Delta"},
    ".accountability[1].extensions": {"Delta"},
}


@pytest.mark.parametrize("who", ["partner", "pm"])
def test_every_drill_down_lists_exactly_the_projects_its_number_counts(client, portfolio, who):
    user = getattr(portfolio, who)
    summary = d.summary(_scope(user), with_organisations=True)
    client.force_login(user)
    checked = 0
    for path, figure in _figures(summary):
        if figure.link is None or not isinstance(figure.value, int):
            continue
        response = client.get(figure.link)
        assert response.status_code == 200, (path, figure.link)
        listed = {p.name for p in response.context["page_obj"].paginator.object_list}
        expected = NOT_PROJECT_COUNTS.get(path) if who == "partner" else None
        if expected is not None:
            assert listed == expected, (path, figure.link, listed)
        elif path.startswith(".accountability"):
            assert len(listed) <= figure.value, (path, figure.link, listed)
        else:
            assert len(listed) == figure.value, (path, figure.link, sorted(listed), figure.value)
        if who == "pm":
            assert "Xray" not in listed
        checked += 1
    assert checked > 40
