"""Every rule of gates and decisions, through the services."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from charters.models import CharterVersion
from decisions import services
from decisions.models import (
    CriterionMark,
    Decision,
    Gate,
    GateCriterion,
    Measurement,
    OrganisationPolicy,
)
from decisions.selectors import decisions_due, decisions_due_projects, project_facts
from portfolio.models import AuditEvent, Project, StageChange
from portfolio.querysets import BulkWriteRefused
from tests.decisions.helpers import days, graduation_ready, in_poc, proposed_project
from tests.factories import member

pytestmark = pytest.mark.django_db


def _criterion(project, key):
    return GateCriterion.objects.get(gate__project=project, gate__from_stage=project.stage, key=key)


# --- the charter gate --------------------------------------------------------------------------


def test_go_at_the_charter_gate_is_refused_without_an_approved_charter(org, pm, executive):
    project = proposed_project(org, pm, executive)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="go", by=executive)
    message = exc.value.message_dict["outcome"][0]
    assert "2 of 2 criteria are not met" in message
    assert "The charter is complete" in message and "Signed by every required signer" in message
    project.refresh_from_db()
    assert project.stage == "proposed"
    assert not Decision.objects.exists()


def test_go_with_an_approved_charter_moves_to_poc_writes_the_stage_change_and_snapshot(
    org, pm, executive
):
    project, version, who = in_poc(org, pm, executive)
    decision = Decision.objects.get(project=project)
    assert (decision.outcome, decision.from_stage, decision.to_stage) == ("go", "proposed", "poc")
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.changed_by) == ("proposed", "poc", executive)
    snap = decision.snapshot
    assert snap["criteria_met"] == "2 of 2"
    assert [c["key"] for c in snap["criteria"]] == ["charter-complete", "charter-signed"]
    assert snap["charter_version"] == version.number
    # The next gate is open, with the six graduation criteria — not five.
    facts = project_facts(project)
    assert facts.gate.gate.name == "Graduation gate"
    assert facts.gate.total == 6


def test_only_the_named_decision_maker_decides(org, pm, executive):
    project = proposed_project(org, pm, executive)
    other_exec = member(org, "executive", full_name="Other Exec")
    for person in (pm, other_exec):
        with pytest.raises(PermissionDenied):
            services.decision_record(
                project=project, outcome="kill", by=person, reason_category="other", rationale="x"
            )
    assert not Decision.objects.exists()


# --- the graduation gate -----------------------------------------------------------------------


def test_graduation_go_refused_lists_the_unmet_criteria_then_passes_when_all_six_are_met(
    org, pm, executive
):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who, skip=("production-owner",))
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="go", by=executive)
    message = exc.value.message_dict["outcome"][0]
    assert "1 of 6 criteria are not met" in message
    assert "A named production owner" in message
    # The two-sided handoff: only the production owner accepting meets it.
    services.ownership_accept(
        project=project,
        by=who["production_owner"],
        accepts_run_cost=True,
        accepts_on_call=True,
        accepts_budget_line=True,
        budget_line="OPS-1",
        team="Finance IT",
    )
    decision = services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(90)
    )
    project.refresh_from_db()
    assert project.stage == "pilot"
    assert decision.snapshot["criteria_met"] == "6 of 6"
    assert decision.snapshot["measurements"]["metric"]["value"] == "81.0000"


def test_ownership_needs_the_named_owner_and_all_three_commitments(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    with pytest.raises(PermissionDenied):
        services.ownership_accept(
            project=project,
            by=pm,
            accepts_run_cost=True,
            accepts_on_call=True,
            accepts_budget_line=True,
            budget_line="OPS-1",
        )
    with pytest.raises(ValidationError) as exc:
        services.ownership_accept(
            project=project,
            by=who["production_owner"],
            accepts_run_cost=True,
            accepts_on_call=False,
            accepts_budget_line=True,
            budget_line="",
            team="Finance IT",
        )
    assert set(exc.value.message_dict) == {"accepts_on_call", "budget_line"}
    facts = project_facts(project)
    owner = next(c for c in facts.gate.criteria if c.criterion.key == "production-owner")
    assert not owner.met


def test_marks_keep_their_history_and_unmarking_is_recorded(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    criterion = _criterion(project, "production-quality")
    services.criterion_mark(
        criterion=criterion, state="met", by=pm, evidence_url="https://wiki.example.com/q"
    )
    services.criterion_mark(criterion=criterion, state="unmarked", by=executive)
    marks = list(CriterionMark.objects.filter(criterion=criterion).order_by("marked_at", "id"))
    assert [(m.state, m.marked_by) for m in marks] == [("met", pm), ("unmarked", executive)]
    status = next(c for c in project_facts(project).gate.criteria if c.criterion == criterion)
    assert not status.met and status.state == "unmarked"
    assert AuditEvent.objects.filter(action="criterion.marked", project=project).count() == 2


def test_marking_rules(org, pm, executive, viewer):
    project, _, _ = in_poc(org, pm, executive)
    manual = _criterion(project, "production-quality")
    automatic = _criterion(project, "cost-model")
    with pytest.raises(PermissionDenied):
        services.criterion_mark(criterion=manual, state="met", by=viewer, evidence_text="x")
    with pytest.raises(ValidationError) as exc:
        services.criterion_mark(criterion=manual, state="met", by=pm)
    assert "evidence_text" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.criterion_mark(criterion=automatic, state="met", by=pm, evidence_text="x")
    with pytest.raises(ValidationError):
        services.criterion_mark(criterion=manual, state="unmarked", by=pm)
    # A measurement is evidence too.
    m = services.measurement_record(project=project, kind="metric", value="80", by=pm)
    mark = services.criterion_mark(criterion=manual, state="met", by=pm, evidence_measurement=m)
    assert mark.evidence_measurement == m


def test_criteria_cannot_be_marked_after_the_gate_is_decided(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    criterion = _criterion(project, "production-quality")
    services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="metric_not_reached",
        rationale="Stuck at 60%.",
    )
    with pytest.raises(ValidationError):
        services.criterion_mark(criterion=criterion, state="met", by=pm, evidence_text="late")


# --- kill, extend, supersede -------------------------------------------------------------------


def test_kill_needs_a_reason_category_and_a_rationale(org, pm, executive):
    project = proposed_project(org, pm, executive)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="kill", by=executive)
    assert set(exc.value.message_dict) == {"reason_category", "rationale"}
    decision = services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="sponsor_changed_direction",
        rationale="The CFO moved the budget.",
    )
    project.refresh_from_db()
    assert project.stage == "killed" and decision.to_stage == "killed"
    assert decision.get_reason_category_display() == "Sponsor changed direction"


def test_kill_with_a_pivot_starts_a_successor_with_a_copied_draft_charter(org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    decision = services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="data_not_available",
        rationale="Production data cannot leave the EU region.",
        pivot=True,
        successor_name="Invoice triage EU",
    )
    successor = decision.successor
    assert successor.name == "Invoice triage EU"
    assert successor.stage == "proposed" and successor.organisation == org
    draft = CharterVersion.objects.get(charter__project=successor)
    assert draft.status == "draft"
    assert draft.metric_name == version.metric_name and draft.threshold == version.threshold
    # Registered like any project: at its charter gate, on the record as a pivot.
    assert Gate.objects.get(project=successor).name == "Charter gate"
    created = AuditEvent.objects.get(project=successor, action="project.created")
    assert created.note == f"Pivot from {project.name}, killed."


def test_extend_needs_dates_and_is_limited_per_gate_by_the_policy(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="extend", by=executive, rationale="x")
    assert {"new_kill_deadline", "new_decision_date"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project,
            outcome="extend",
            by=executive,
            rationale="x",
            new_kill_deadline=days(50),
            new_decision_date=days(40),
        )
    assert "new_decision_date" in exc.value.message_dict
    # The charter's kill deadline is in five weeks: two more weeks of labelled data.
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Two more weeks of labelled data.",
        new_kill_deadline=days(49),
        new_decision_date=days(51),
    )
    project.refresh_from_db()
    facts = project_facts(project)
    assert facts.kill_condition.deadline == days(49) and facts.kill_condition.extended
    assert facts.gate.due_date == days(51)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project,
            outcome="extend",
            by=executive,
            rationale="Again",
            new_kill_deadline=days(60),
            new_decision_date=days(61),
        )
    assert "already been extended 1×" in exc.value.message_dict["outcome"][0]
    OrganisationPolicy.objects.create(organisation=org, max_extensions_per_gate=2)
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Again, allowed by policy",
        new_kill_deadline=days(60),
        new_decision_date=days(61),
    )
    project.refresh_from_db()
    assert project.stage == "poc"
    assert StageChange.objects.filter(project=project).count() == 1  # only the charter-gate go


def test_supersede_corrects_a_go_into_a_kill_and_needs_a_reason(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    go = services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(90)
    )
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project,
            outcome="kill",
            by=executive,
            reason_category="cost_target_missed",
            rationale="Cost at 5× is triple the budget.",
            supersedes=go,
        )
    assert "supersede_reason" in exc.value.message_dict
    kill = services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="cost_target_missed",
        rationale="Cost at 5× is triple the budget.",
        supersedes=go,
        supersede_reason="The cost model used last year's token prices.",
    )
    project.refresh_from_db()
    assert project.stage == "killed"
    assert kill.gate == go.gate and kill.supersedes == go
    assert list(Decision.objects.filter(project=project).in_force()) == [
        kill,
        Decision.objects.get(project=project, gate__from_stage="proposed"),
    ]
    go.refresh_from_db()  # unchanged
    assert go.outcome == "go"
    # A kill cannot be revived by superseding; and only the latest decision can be superseded.
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project, outcome="go", by=executive, supersedes=kill, supersede_reason="oops"
        )
    assert "stays killed" in exc.value.message_dict["outcome"][0]
    with pytest.raises(ValidationError):
        services.decision_record(
            project=project,
            outcome="kill",
            by=executive,
            reason_category="other",
            rationale="x",
            supersedes=go,
            supersede_reason="again",
        )


def test_superseded_extension_no_longer_counts(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    ext = services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Typo in the date",
        new_kill_deadline=days(90),
        new_decision_date=days(91),
    )
    # A correction may be shorter than the mistake (not than the charter's five weeks).
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Two weeks, not eight",
        new_kill_deadline=days(49),
        new_decision_date=days(50),
        supersedes=ext,
        supersede_reason="Meant two weeks.",
    )
    project.refresh_from_db()
    facts = project_facts(project)
    assert facts.kill_condition.deadline == days(49)
    assert project.decision_date == days(50)
    assert facts.gate.extensions_used == 1


def test_the_stage_cannot_be_changed_outside_a_decision(project):
    with pytest.raises(BulkWriteRefused):
        Project.objects.filter(pk=project.pk).update(stage="production")
    from portfolio.services import project_update

    with pytest.raises(ValidationError):
        project_update(project=project, by=project.pm, stage="production")
    project.refresh_from_db()
    assert project.stage == "proposed"


# --- kill condition ----------------------------------------------------------------------------


def test_kill_condition_status_follows_readings_and_the_deadline(org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    deadline = version.kill_deadline  # threshold 75, higher is better
    assert project_facts(project, today=deadline - timedelta(days=20)).kill_condition.status == (
        "on_track"
    )
    assert project_facts(project, today=deadline - timedelta(days=7)).kill_condition.status == (
        "at_risk"
    )
    assert project_facts(project, today=deadline + timedelta(days=1)).kill_condition.status == (
        "triggered"
    )
    services.measurement_record(project=project, kind="metric", value="70", by=pm)
    late = project_facts(project, today=deadline + timedelta(days=1))
    assert late.kill_condition.status == "triggered"
    assert late.proposal.startswith("kill")
    services.measurement_record(project=project, kind="metric", value="76.5", by=pm)
    met = project_facts(project, today=deadline + timedelta(days=1))
    assert met.kill_condition.status == "met"
    assert met.proposal == "go once the unmet criteria are met"


def test_measurement_rules(org, pm, executive, viewer):
    project, _, _ = in_poc(org, pm, executive)
    with pytest.raises(PermissionDenied):
        services.measurement_record(project=project, kind="metric", value="1", by=viewer)
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(
            project=project,
            kind="latency_ms",
            value="-3",
            by=pm,
            measured_at=timezone.now() + timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"value", "measured_at"}
    m = services.measurement_record(project=project, kind="cost_per_call", value="0.07", by=pm)
    assert m.value == Decimal("0.07")
    assert AuditEvent.objects.filter(action="measurement.recorded", project=project).exists()


# --- audit -------------------------------------------------------------------------------------


def test_audited_models_refuse_bulk_writes_and_services_write_audit_events(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    criterion = _criterion(project, "production-quality")
    for attempt in (
        lambda: GateCriterion.objects.filter(pk=criterion.pk).update(title="Anything goes"),
        lambda: CriterionMark.objects.all().delete(),
        lambda: Measurement.objects.all().update(value=99),
        lambda: GateCriterion.objects.bulk_update([criterion], ["title"]),
    ):
        with pytest.raises(BulkWriteRefused):
            attempt()
    before = AuditEvent.objects.count()
    services.criterion_mark(criterion=criterion, state="not_met", by=pm, evidence_text="60%")
    event = AuditEvent.objects.exclude(action="project.touched").order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.actor, event.project) == ("criterion.marked", pm, project)
    assert event.changes == {"state": [None, "not_met"]}


def test_decisions_due_lists_the_decision_makers_gates_soonest_first(org, pm, executive):
    # A proposal's charter gate is due when its PoC is to start.
    later = proposed_project(org, pm, executive, timebox_start=days(30), name="Later")
    sooner = proposed_project(org, pm, executive, timebox_start=days(3), name="Sooner")
    undated = proposed_project(
        org, pm, executive, timebox_start=None, timebox_end=None, name="Undated"
    )
    proposed_project(org, pm, member(org, "executive"), timebox_start=days(1), name="Not mine")
    services.decision_record(
        project=proposed_project(org, pm, executive, timebox_start=days(2)),
        outcome="kill",
        by=executive,
        reason_category="other",
        rationale="gone",
    )
    assert [f.project for f in decisions_due(decisions_due_projects(executive))] == [
        sooner,
        later,
        undated,
    ]


# --- each gate has its own decision date -------------------------------------------------------


def test_go_at_the_charter_gate_takes_the_charters_decision_date_for_the_graduation_gate(
    org, pm, executive
):
    project, version, _ = in_poc(org, pm, executive)
    project.refresh_from_db()
    go = Decision.objects.get(project=project)
    assert go.new_decision_date == version.decision_date == project.decision_date
    assert go.snapshot["next_gate"] == {
        "name": "Graduation gate",
        "decision_date": version.decision_date.isoformat(),
    }
    assert project_facts(project).gate.due_date == version.decision_date


def test_go_into_pilot_asks_for_the_production_gates_own_decision_date(org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="go", by=executive)
    assert exc.value.message_dict["new_decision_date"] == [
        "Give the decision date of the production gate: when the pilot will be decided."
    ]
    for bad, message in (
        (days(-1), "cannot be in the past"),
        (days(366), "at most a year ahead"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.decision_record(
                project=project, outcome="go", by=executive, new_decision_date=bad
            )
        assert message in exc.value.message_dict["new_decision_date"][0]
    project.refresh_from_db()
    assert project.stage == "poc"

    go = services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(120)
    )
    project.refresh_from_db()
    assert (project.stage, project.decision_date) == ("pilot", days(120))
    assert go.new_decision_date == days(120)
    assert go.snapshot["gate"]["decision_date"] == version.decision_date.isoformat()
    assert go.snapshot["next_gate"]["name"] == "Production gate"
    event = AuditEvent.objects.filter(action="project.schedule_set", project=project).latest("id")
    assert event.actor == executive
    # Into the pilot, the production gate's due date is the kill deadline.
    assert event.changes == {
        "decision_date": [version.decision_date.isoformat(), days(120).isoformat()],
        "kill_deadline": [version.kill_deadline.isoformat(), days(120).isoformat()],
    }
    assert project.kill_deadline == days(120)
    # The day after the PoC's decision date the production gate is not overdue.
    later = project_facts(project, today=version.decision_date + timedelta(days=1))
    assert later.gate.gate.name == "Production gate"
    assert later.due_date == days(120) and not later.overdue
    # The graduation gate keeps the date it was decided against.
    graduation = Decision.objects.get(pk=go.pk).gate
    assert services_gate_date(project, graduation) == version.decision_date


def services_gate_date(project, gate):
    from decisions.selectors import gate_state

    return gate_state(gate, project_facts(project)).due_date


def test_an_extension_moves_the_projects_decision_date_for_every_list(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Two more weeks of production data.",
        new_kill_deadline=days(49),
        new_decision_date=days(52),
    )
    project.refresh_from_db()
    assert (project.decision_date, project.kill_deadline) == (days(52), days(49))
    listed = Project.objects.with_states().get(pk=project.pk)
    assert (listed.gate_due, listed.next_due, listed.overdue) == (days(52), days(49), False)
    assert AuditEvent.objects.filter(
        action="project.schedule_set", project=project, note__startswith="Extended"
    ).exists()


def test_extension_dates_must_give_more_time_within_a_year(org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)  # charter kill deadline in five weeks

    def extend(kill, decision):
        return services.decision_record(
            project=project,
            outcome="extend",
            by=executive,
            rationale="More data",
            new_kill_deadline=kill,
            new_decision_date=decision,
        )

    for kill, decision, field, message in (
        (days(20), days(40), "new_kill_deadline", "must be later than the current one"),
        (version.kill_deadline, days(40), "new_kill_deadline", "must be later than the current"),
        (date(9999, 12, 31), date(9999, 12, 31), "new_kill_deadline", "at most a year ahead"),
        (days(50), days(400), "new_decision_date", "at most a year ahead"),
    ):
        with pytest.raises(ValidationError) as exc:
            extend(kill, decision)
        assert message in exc.value.message_dict[field][0], (kill, decision)
    assert not Decision.objects.filter(project=project, outcome="extend").exists()
    first = extend(days(60), days(62))
    # A correction cannot shorten the deadline below the charter's, which was in force before.
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project,
            outcome="extend",
            by=executive,
            rationale="Shorter",
            new_kill_deadline=days(10),
            new_decision_date=days(12),
            supersedes=first,
            supersede_reason="Wrong dates.",
        )
    assert "later than the current one" in exc.value.message_dict["new_kill_deadline"][0]


def test_go_into_production_sets_no_decision_date(org, pm, executive):
    project = _in_pilot(org, pm, executive)
    _production_ready(project)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project, outcome="go", by=executive, new_decision_date=days(10)
        )
    assert "No gate follows production" in exc.value.message_dict["new_decision_date"][0]
    services.decision_record(project=project, outcome="go", by=executive)
    project.refresh_from_db()
    assert project.stage == "production" and project.decision_date == days(100)


# --- the production gate, end to end -----------------------------------------------------------


def _in_pilot(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(100)
    )
    project.refresh_from_db()
    assert project.stage == "pilot"
    return project


def _production_ready(project, *, latency="1400", cost="0.06"):
    pm = project.pm
    services.measurement_record(project=project, kind="latency_ms", value=latency, by=pm)
    services.measurement_record(project=project, kind="cost_per_call", value=cost, by=pm)
    for key, evidence in (
        ("monitoring-oncall", "https://wiki.example.com/runbook"),
        ("adoption", "https://bi.example.com/active-users"),
    ):
        services.criterion_mark(
            criterion=_criterion(project, key), state="met", by=pm, evidence_url=evidence
        )


def test_the_production_gate_judges_latency_cost_and_the_ops_budget_on_real_traffic(
    org, pm, executive
):
    project = _in_pilot(org, pm, executive)
    gate = project_facts(project).gate
    assert gate.gate.name == "Production gate"
    assert [c.criterion.key for c in gate.criteria] == [
        "latency-target",
        "cost-target",
        "monitoring-oncall",
        "adoption",
        "ops-budget",
    ]
    # The ops budget line is the one the production owner accepted at graduation.
    ops = next(c for c in gate.criteria if c.criterion.key == "ops-budget")
    assert ops.met and "OPS-4711 Finance platform" in ops.detail
    # Too slow and too dear on real traffic (targets: p95 2000 ms, EUR 0.08 a call).
    _production_ready(project, latency="2600", cost="0.11")
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="go", by=executive)
    message = exc.value.message_dict["outcome"][0]
    assert "2 of 5 criteria are not met" in message
    assert "Latency target met on real traffic" in message and "Cost target" in message
    services.measurement_record(project=project, kind="latency_ms", value="1700", by=pm)
    services.measurement_record(project=project, kind="cost_per_call", value="0.07", by=pm)
    decision = services.decision_record(project=project, outcome="go", by=executive)
    project.refresh_from_db()
    assert project.stage == "production"
    assert decision.snapshot["criteria_met"] == "5 of 5"
    assert decision.snapshot["measurements"]["latency_ms"]["value"] == "1700.0000"
    assert decision.snapshot["next_gate"] is None
    assert project_facts(project).gate is None  # production has no gate


# --- who decides, and which gate ---------------------------------------------------------------


def test_the_decision_maker_must_be_an_executive(org, pm, executive, viewer):
    project = proposed_project(org, pm, viewer)
    services.gate_open(project=project)
    with pytest.raises(PermissionDenied) as exc:
        services.decision_record(
            project=project, outcome="kill", by=viewer, reason_category="other", rationale="x"
        )
    assert str(exc.value) == "The decision-maker must be an executive of the organisation."
    project.refresh_from_db()
    assert project.stage == "proposed" and not Decision.objects.exists()
    # Nobody is asked to decide what they may not decide.
    assert decisions_due(decisions_due_projects(viewer)) == []
    mine = proposed_project(org, pm, executive, name="Mine")
    assert [f.project for f in decisions_due(decisions_due_projects(executive))] == [mine]


def test_a_repeated_go_is_refused_instead_of_passing_the_next_gate(org, pm, executive):
    from tests.charters.helpers import approved

    project = proposed_project(org, pm, executive)
    _, who = approved(project)
    charter_gate = services.gate_open(project=project)
    services.decision_record(project=project, outcome="go", by=executive, gate=charter_gate)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(project=project, outcome="go", by=executive, gate=charter_gate)
    assert exc.value.message_dict == {"gate": ["This gate has already been decided."]}
    # The same for a PoC whose graduation gate is fully met: the second go does not reach the
    # production gate.
    project.refresh_from_db()
    graduation_ready(project, who)
    graduation = services.gate_open(project=project)
    go = {"project": project, "outcome": "go", "by": executive, "gate": graduation}
    services.decision_record(**go, new_decision_date=days(90))
    with pytest.raises(ValidationError) as exc:
        services.decision_record(**go, new_decision_date=days(90))
    assert exc.value.message_dict == {"gate": ["This gate has already been decided."]}
    project.refresh_from_db()
    assert project.stage == "pilot"
    assert Decision.objects.filter(project=project).count() == 2


def test_a_gate_of_another_project_is_refused(org, pm, executive):
    project = proposed_project(org, pm, executive)
    other = services.gate_open(project=proposed_project(org, pm, executive))
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project,
            outcome="kill",
            by=executive,
            gate=other,
            reason_category="other",
            rationale="x",
        )
    assert "gate" in exc.value.message_dict


# --- input edges -------------------------------------------------------------------------------


def test_a_harness_score_is_rounded_to_four_places(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    m = services.measurement_record(project=project, kind="metric", value="0.87655", by=pm)
    assert m.value == Decimal("0.8766")
    m = services.measurement_record(project=project, kind="metric", value=0.87654321, by=pm)
    m.refresh_from_db()
    assert m.value == Decimal("0.8765")
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(project=project, kind="metric", value="1e15", by=pm)
    assert "12 digits before the decimal point" in exc.value.message_dict["value"][0]


def test_a_reading_cannot_predate_the_project(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(
            project=project,
            kind="metric",
            value="80",
            by=pm,
            measured_at=datetime(1, 1, 1, tzinfo=UTC),
        )
    began = timezone.localdate()
    assert exc.value.message_dict["measured_at"] == [
        f"A measurement cannot be dated before the project began ({began:%-d %b %Y})."
    ]
    # A PoC that began before it was registered here takes readings from its timebox start.
    Project.objects.filter(pk=project.pk).unaudited_update(timebox_start=days(-20))
    project.refresh_from_db()
    m = services.measurement_record(
        project=project,
        kind="metric",
        value="70",
        by=pm,
        measured_at=timezone.now() - timedelta(days=19),
    )
    assert m.pk


def test_ownership_needs_a_team(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    with pytest.raises(ValidationError) as exc:
        services.ownership_accept(
            project=project,
            by=who["production_owner"],
            accepts_run_cost=True,
            accepts_on_call=True,
            accepts_budget_line=True,
            budget_line="OPS-1",
            team="  ",
        )
    assert exc.value.message_dict == {"team": ["Name the team that will run it."]}


# --- the seeded defaults -----------------------------------------------------------------------


def test_the_seeded_default_gates_and_their_criteria():
    from decisions.models import GateTemplate

    gates = list(GateTemplate.objects.prefetch_related("criteria").order_by("id"))
    assert [(g.name, g.from_stage, g.to_stage) for g in gates] == [
        ("Charter gate", "proposed", "poc"),
        ("Graduation gate", "poc", "pilot"),
        ("Production gate", "pilot", "production"),
    ]
    shape = {
        g.key: [(c.key, c.kind, c.check_key) for c in g.criteria.order_by("order")] for g in gates
    }
    assert shape == {
        "charter": [
            ("charter-complete", "automatic", "charter_complete"),
            ("charter-signed", "automatic", "charter_signed"),
        ],
        "graduation": [
            ("production-quality", "manual", ""),
            ("cost-model", "automatic", "cost_model"),
            ("production-owner", "automatic", "production_owner_accepted"),
            ("integration", "automatic", "integration_scoped"),
            ("evaluation-harness", "automatic", "evaluation_harness"),
            ("decision-maker", "automatic", "decision_maker_named"),
        ],
        "production": [
            ("latency-target", "automatic", "latency_target_met"),
            ("cost-target", "automatic", "cost_target_met"),
            ("monitoring-oncall", "manual", ""),
            ("adoption", "manual", ""),
            ("ops-budget", "automatic", "ops_budget_named"),
        ],
    }


def test_an_amendment_approved_in_pilot_keeps_the_pilots_decision_date(org, pm, executive):
    """The charter's dates are the PoC's: amending it later (say, new owners) must not put the
    PoC's decision date back on a pilot that the go gave a date of its own."""
    from charters import services as charter_services
    from charters.models import Status

    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(90)
    )
    amendment = charter_services.charter_amend(charter=project.charter, by=pm)
    amendment = charter_services.charter_submit(version=amendment, by=pm)
    for role in ("business_owner", "production_owner", "decision_maker"):
        amendment.refresh_from_db()
        if amendment.status == Status.IN_REVIEW:
            charter_services.charter_sign(version=amendment, by=who[role])
    amendment.refresh_from_db()
    assert amendment.status == Status.APPROVED
    project.refresh_from_db()
    assert project.stage == "pilot"
    assert project.decision_date == days(90)
    assert amendment.decision_date != days(90)


def test_the_charter_gate_sees_a_charter_decision_maker_who_is_no_longer_an_executive(
    org, pm, executive
):
    """The gate and the charter page judge completeness by the same rules: a charter whose
    decision-maker lost the executive role is not complete at the gate either."""
    from charters.services import charter_save_section
    from portfolio.services import membership_set
    from tests.charters.helpers import complete_draft

    project = proposed_project(org, pm, executive)
    version, _ = complete_draft(project)
    deputy = member(org, "executive", full_name="Dana Deputy")
    charter_save_section(
        version=version,
        section="owners",
        data={"decision_maker": deputy},
        by=pm,
    )
    assert project_facts(project).missing == []

    membership_set(user=deputy, organisation=org, role="viewer", by=pm)

    facts = project_facts(project)
    assert any("must be an executive" in item for item in facts.missing)
    complete = next(c for c in facts.gate.criteria if c.criterion.key == "charter-complete")
    assert not complete.met
