"""Every rule of gates and decisions, through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from charters.models import CharterVersion
from decisions import services
from decisions.models import (
    CriterionMark,
    Decision,
    GateCriterion,
    Measurement,
    OrganisationPolicy,
)
from decisions.selectors import decisions_due, project_facts
from portfolio.audit import BulkWriteRefused
from portfolio.models import AuditEvent, Project, StageChange
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
    )
    decision = services.decision_record(project=project, outcome="go", by=executive)
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
            new_kill_deadline=days(20),
            new_decision_date=days(10),
        )
    assert "new_decision_date" in exc.value.message_dict
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Two more weeks of labelled data.",
        new_kill_deadline=days(14),
        new_decision_date=days(16),
    )
    facts = project_facts(project)
    assert facts.kill_condition.deadline == days(14) and facts.kill_condition.extended
    assert facts.gate.decision_date == days(16)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            project=project,
            outcome="extend",
            by=executive,
            rationale="Again",
            new_kill_deadline=days(30),
            new_decision_date=days(31),
        )
    assert "already been extended 1×" in exc.value.message_dict["outcome"][0]
    OrganisationPolicy.objects.create(organisation=org, max_extensions_per_gate=2)
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Again, allowed by policy",
        new_kill_deadline=days(30),
        new_decision_date=days(31),
    )
    project.refresh_from_db()
    assert project.stage == "poc"
    assert StageChange.objects.filter(project=project).count() == 1  # only the charter-gate go


def test_supersede_corrects_a_go_into_a_kill_and_needs_a_reason(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    go = services.decision_record(project=project, outcome="go", by=executive)
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
        new_kill_deadline=days(40),
        new_decision_date=days(41),
    )
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Two weeks, not six",
        new_kill_deadline=days(14),
        new_decision_date=days(15),
        supersedes=ext,
        supersede_reason="Meant two weeks.",
    )
    facts = project_facts(project)
    assert facts.kill_condition.deadline == days(14)
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
    later = proposed_project(org, pm, executive, decision_date=days(30), name="Later")
    sooner = proposed_project(org, pm, executive, decision_date=days(3), name="Sooner")
    undated = proposed_project(org, pm, executive, name="Undated")
    proposed_project(org, pm, member(org, "executive"), decision_date=days(1), name="Not mine")
    services.decision_record(
        project=proposed_project(org, pm, executive, decision_date=days(2)),
        outcome="kill",
        by=executive,
        reason_category="other",
        rationale="gone",
    )
    assert [f.project for f in decisions_due(executive)] == [sooner, later, undated]
