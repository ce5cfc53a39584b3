"""Dates are moved by decisions (DOMAIN.md): after approval nobody moves a date or a signer by
hand — not in the form, the API or the admin; an extension, a go or an amendment moves them, and
each gate keeps its own due date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from decisions import services
from decisions.models import Decision, Gate, OrganisationPolicy
from decisions.selectors import project_facts
from portfolio import services as portfolio_services
from portfolio.models import AuditEvent, KillStatus, Project
from portfolio.rules import DATE_MOVED_BY_DECISION, SIGNER_CHANGED_BY_AMENDMENT
from tests.charters.helpers import amend_and_approve
from tests.decisions.helpers import days, gate_id, graduation_ready, in_poc, proposed_project
from tests.factories import member

pytestmark = pytest.mark.django_db


def _extend(project, executive, *, kill_deadline, decision_date, why="Two more weeks of data."):
    return services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale=why,
        new_kill_deadline=kill_deadline,
        new_decision_date=decision_date,
    )


def _states(project):
    return Project.objects.with_states().get(pk=project.pk)


# --- by hand: refused everywhere once the charter is approved -----------------------------


def test_a_pm_cannot_move_an_approved_projects_decision_date_in_the_form(
    client, org, pm, executive
):
    project, version, _ = in_poc(org, pm, executive)
    client.force_login(pm)
    url = reverse("portfolio:project-edit", args=[project.pk])
    form = client.get(url).content.decode()
    assert "readonly" in form and "moves only by a decision" in form
    response = client.post(
        url,
        {
            "name": project.name,
            "summary": "Still the same PoC.",
            "pm": pm.pk,
            "timebox_start": project.timebox_start.isoformat(),
            "timebox_end": project.timebox_end.isoformat(),
            "decision_date": days(200).isoformat(),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "no longer moves by hand" in html and "extension" in html and "amends" in html
    assert "Still the same PoC." in html  # what was typed is kept
    project.refresh_from_db()
    assert project.decision_date == version.decision_date
    assert project.summary != "Still the same PoC."


def test_the_api_refuses_a_moved_date_and_takes_the_same_one_back(client, org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    client.force_login(pm)
    url = f"/api/v1/projects/{project.pk}/"
    moved = client.patch(
        url, {"decision_date": days(200).isoformat()}, content_type="application/json"
    )
    assert moved.status_code == 400
    assert moved.json() == {"decision_date": [DATE_MOVED_BY_DECISION]}
    cleared = client.patch(url, {"decision_date": None}, content_type="application/json")
    assert cleared.status_code == 400
    # A body read from the API can be written back: unchanged dates are not a change.
    body = client.get(url).json()
    same = client.patch(
        url,
        {"decision_date": body["decision_date"], "summary": "Edited."},
        content_type="application/json",
    )
    assert same.status_code == 200, same.content
    project.refresh_from_db()
    assert project.decision_date == version.decision_date and project.summary == "Edited."


def test_the_admin_refuses_a_moved_date(admin_client, org, pm, executive):
    from tests.portfolio.test_admin import field_row, form_data, project_url

    project, version, _ = in_poc(org, pm, executive)
    url = project_url(project)
    data = form_data(admin_client.get(url))
    data["timebox_end"] = days(300).isoformat()
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again
    assert DATE_MOVED_BY_DECISION in unescape(field_row(response.content.decode(), "timebox_end"))
    project.refresh_from_db()
    assert project.timebox_end == version.timebox_end


def test_signers_named_in_the_approved_charter_change_only_by_amendment(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    other = member(org, "executive")
    with pytest.raises(ValidationError) as refused:
        portfolio_services.project_update(project=project, by=pm, decision_maker=other)
    assert refused.value.message_dict == {"decision_maker": [SIGNER_CHANGED_BY_AMENDMENT]}
    # The PM and engineering owner are not signers: the project still takes them by hand.
    engineer = member(org, "viewer")
    portfolio_services.project_update(project=project, by=pm, engineering_owner=engineer)
    project.refresh_from_db()
    assert project.engineering_owner == engineer


def test_before_approval_the_pm_moves_the_dates_and_the_charter_gate_follows(org, pm, executive):
    project = proposed_project(org, pm, executive)
    gate = Gate.objects.get(project=project, from_stage="proposed")
    assert gate.due_date == project.timebox_start
    portfolio_services.project_update(
        project=project, by=pm, timebox_start=days(14), timebox_end=days(56)
    )
    gate.refresh_from_db()
    assert gate.due_date == days(14)


# --- decisions move them ------------------------------------------------------------------


def test_an_extension_moves_the_dates_and_counts_against_the_policy(org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    OrganisationPolicy.objects.create(organisation=org, max_extensions_per_gate=1)
    _extend(project, executive, kill_deadline=days(49), decision_date=days(52))
    project.refresh_from_db()
    gate = Gate.objects.get(project=project, from_stage="poc")
    assert (project.kill_deadline, project.decision_date, gate.due_date) == (
        days(49),
        days(52),
        days(52),
    )
    with pytest.raises(ValidationError) as refused:
        _extend(project, executive, kill_deadline=days(60), decision_date=days(61))
    assert "already been extended 1×" in refused.value.message_dict["outcome"][0]


def test_a_go_sets_the_next_gates_due_date_and_the_decided_gate_keeps_its_own(org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    charter_gate = Gate.objects.get(project=project, from_stage="proposed")
    graduation = Gate.objects.get(project=project, from_stage="poc")
    assert charter_gate.due_date == version.timebox_start  # the PoC's start
    assert graduation.due_date == version.decision_date
    graduation_ready(project, who)
    services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(120), gate=graduation
    )
    project.refresh_from_db()
    graduation.refresh_from_db()
    production = Gate.objects.get(project=project, from_stage="pilot")
    assert graduation.due_date == version.decision_date
    assert production.due_date == days(120) == project.decision_date
    # In pilot the production gate's due date is the deadline.
    assert project.kill_deadline == days(120)


def test_a_proposal_not_approved_by_its_start_is_overdue_and_its_go_is_late(org, pm, executive):
    project = proposed_project(org, pm, executive, timebox_start=days(-3), timebox_end=days(40))
    listed = _states(project)
    assert listed.gate_due == days(-3) and listed.overdue
    assert not _states(proposed_project(org, pm, executive, timebox_start=days(3))).overdue


def test_a_superseded_extension_gives_back_the_dates_it_replaced(org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    mistake = _extend(project, executive, kill_deadline=days(49), decision_date=days(52))
    services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="other",
        rationale="The extension was a mistake: stop it.",
        supersedes=mistake,
        supersede_reason="Extended the wrong project.",
    )
    project.refresh_from_db()
    graduation = Gate.objects.get(project=project, from_stage="poc")
    assert graduation.due_date == version.decision_date  # what the kill is judged against
    assert project.kill_deadline is None
    assert _states(project).kill_status == KillStatus.NONE


# --- amendments -----------------------------------------------------------------------------


def test_an_amendment_moving_the_decision_date_counts_as_goalposts_moved(org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    timebox = {
        "timebox_start": version.timebox_start,
        "timebox_end": version.timebox_end + timedelta(weeks=2),
        "decision_date": version.decision_date + timedelta(weeks=2),
    }
    amend_and_approve(project, who, timebox=timebox)
    project.refresh_from_db()
    project.charter.refresh_from_db()
    assert project.decision_date == version.decision_date + timedelta(weeks=2)
    assert Gate.objects.get(project=project, from_stage="poc").due_date == project.decision_date
    assert project.charter.goalposts_moved == 1
    moved = AuditEvent.objects.get(action="charter.goalposts_moved")
    assert set(moved.changes) == {"timebox_end", "decision_date"}


def test_an_amendment_after_an_extension_keeps_the_extensions_dates_in_poc(org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    _extend(project, executive, kill_deadline=days(49), decision_date=days(52))
    amend_and_approve(project, who, problem={"problem": "Invoices wait four days now."})
    project.refresh_from_db()
    assert (project.kill_deadline, project.decision_date) == (days(49), days(52))
    assert Gate.objects.get(project=project, from_stage="poc").due_date == days(52)
    project.charter.refresh_from_db()
    assert project.charter.goalposts_moved == 0
    facts = project_facts(project)
    assert facts.kill_condition.extended and "(extended)" in facts.kill_condition.sentence


def test_an_amendment_after_an_extension_keeps_the_extensions_dates_in_pilot(org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(90)
    )
    _extend(project, executive, kill_deadline=days(120), decision_date=days(125))
    # Even an amendment of the PoC's own dates does not reach a pilot's schedule.
    amend_and_approve(
        project,
        who,
        timebox={
            "timebox_start": version.timebox_start,
            "timebox_end": version.timebox_end,
            "decision_date": version.decision_date + timedelta(days=1),
        },
    )
    project.refresh_from_db()
    assert (project.stage, project.kill_deadline, project.decision_date) == (
        "pilot",
        days(120),
        days(125),
    )
    assert Gate.objects.get(project=project, from_stage="pilot").due_date == days(125)


def test_an_amendment_naming_a_new_production_owner_needs_their_handoff_again(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    assert project_facts(project).acceptance is not None
    newcomer = member(org, "viewer", full_name="Nina Newowner")
    amend_and_approve(
        project,
        {**who, "production_owner": newcomer},
        owners={
            "business_owner": who["business_owner"],
            "production_owner": newcomer,
            "engineering_owner": who["engineering_owner"],
            "decision_maker": who["decision_maker"],
            "pm": who["pm"],
        },
    )
    project.refresh_from_db()
    assert project.production_owner == newcomer
    facts = project_facts(project)
    assert facts.acceptance is None
    accepted = next(c for c in facts.gate.criteria if c.criterion.key == "production-owner")
    assert not accepted.met


# --- the kill condition belongs to the PoC --------------------------------------------------


def test_a_production_project_has_no_kill_condition_to_trigger(client, org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    services.decision_record(project=project, outcome="go", by=executive, new_decision_date=days(1))
    # A pilot whose production gate's due date passed with the metric under the threshold.
    services.measurement_record(project=project, kind="metric", value=Decimal("60"), by=pm)
    Project.objects.filter(pk=project.pk).unaudited_update(kill_deadline=days(-1))
    Gate.objects.filter(project=project, from_stage="pilot").unaudited_update(due_date=days(-1))
    pilot = _states(project)
    assert (pilot.kill_status, pilot.overdue, pilot.kill_pending) == ("triggered", True, False)
    Project.objects.filter(pk=project.pk).unaudited_update(stage="production")
    production = _states(project)
    assert (production.kill_status, production.overdue, production.stalled) == (
        "none",
        False,
        False,
    )
    client.force_login(pm)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Triggered" not in html and 'data-kill-status="none"' in html


# --- kill pending: only kill, or extend with a reason ---------------------------------------


def _kill_pending(org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    graduation_ready(project, who, skip=("evaluation-harness",))
    services.measurement_record(project=project, kind="metric", value=Decimal("60"), by=pm)
    Project.objects.filter(pk=project.pk).unaudited_update(kill_deadline=days(-1))
    project.refresh_from_db()
    assert _states(project).kill_pending
    return project


def test_a_kill_pending_poc_cannot_go_and_its_extension_needs_a_reason(org, pm, executive):
    project = _kill_pending(org, pm, executive)
    with pytest.raises(ValidationError) as refused:
        services.decision_record(project=project, outcome="go", by=executive)
    assert refused.value.message_dict["outcome"][0].startswith("This PoC is kill pending")
    with pytest.raises(ValidationError) as refused:
        _extend(project, executive, kill_deadline=days(20), decision_date=days(25), why="")
    assert refused.value.message_dict["rationale"] == [
        "Say why this PoC gets more time despite the missed threshold."
    ]
    _extend(project, executive, kill_deadline=days(20), decision_date=days(25))
    assert not _states(project).kill_pending


def test_the_page_and_the_api_offer_only_kill_or_extend_while_kill_pending(
    client, org, pm, executive
):
    project = _kill_pending(org, pm, executive)
    client.force_login(executive)
    html = client.get(project.get_absolute_url()).content.decode()
    assert 'data-testid="kill-pending-banner"' in html
    assert 'data-testid="kill-pending-decide"' in html
    assert 'name="d-outcome" value="go"' not in html
    assert 'name="d-outcome" value="kill"' in html and 'name="d-outcome" value="extend"' in html
    body = client.get(f"/api/v1/projects/{project.pk}/").json()
    assert (body["kill_pending"], body["kill_status"], body["overdue"]) == (
        True,
        "triggered",
        True,
    )
    refused = client.post(
        "/api/v1/decisions/",
        {"project": project.pk, "gate": gate_id(project), "outcome": "go"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "kill pending" in refused.json()["outcome"][0]
    killed = client.post(
        "/api/v1/decisions/",
        {
            "project": project.pk,
            "gate": gate_id(project),
            "outcome": "kill",
            "reason_category": "metric_not_reached",
            "rationale": "60% after the deadline, threshold 75%.",
        },
        content_type="application/json",
    )
    assert killed.status_code == 201, killed.content
    decision = Decision.objects.get(pk=killed.json()["id"])
    assert decision.snapshot["kill_condition"]["kill_pending"] is True
