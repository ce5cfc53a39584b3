"""Decision meetings through the real pages in Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portfolio.models import Project
from tests.decisions.helpers import days, graduation_ready, in_poc, proposed_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    """Screenshots for a person to look at, only when asked (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS"):
        Path("/tmp/shots").mkdir(exist_ok=True)
        page.screenshot(path=f"/tmp/shots/decisions-{name}.png", full_page=True)


def test_executive_records_go_from_decisions_due_and_sees_why_go_is_disabled_elsewhere(
    live_server, login, org, pm, executive
):
    ready, _, who = in_poc(org, pm, executive, name="Freight invoice matching")
    graduation_ready(ready, who)
    blocked, _, who2 = in_poc(org, pm, executive, name="Driver shift planner")
    graduation_ready(blocked, who2, skip=("production-owner",))

    page = login(executive)
    page.get_by_role("link", name="Decisions due").first.click()
    expect(page.get_by_role("heading", name="Decisions due", level=1)).to_be_visible()
    ready_card = page.locator(f"#due-{ready.pk}")
    blocked_card = page.locator(f"#due-{blocked.pk}")
    expect(ready_card).to_contain_text("6 of 6 criteria met")
    expect(blocked_card).to_contain_text("5 of 6 criteria met")
    shot(page, "due")

    # The one with an unmet criterion says why go is disabled.
    blocked_go = blocked_card.get_by_role("button", name=re.compile("Record go"))
    expect(blocked_go).to_be_disabled()
    expect(blocked_card.locator(".go-blocked")).to_contain_text(
        "Go is disabled: 1 of 6 criteria are not met."
    )
    expect(blocked_card.locator(".go-blocked")).to_contain_text("A named production owner")

    # Into the pilot, the production gate needs its own decision date: refused without it, the
    # error comes back on the agenda card, next to the field.
    ready_card.get_by_role("button", name=re.compile("Record go")).click()
    ready_card = page.locator(f"#due-{ready.pk}")
    expect(ready_card).to_contain_text("Give the decision date of the production gate")
    expect(page.get_by_role("heading", name="Decisions due", level=1)).to_be_visible()
    ready_card.get_by_label("Decision date of the production gate").fill(days(60).isoformat())
    ready_card.get_by_role("button", name=re.compile("Record go")).click()
    done = page.get_by_text(f"Go recorded for {ready.name}; it is now Pilot.")
    expect(done).to_be_visible()
    # HX-Location loaded the agenda again, from the top where the message is.
    expect(page).to_have_url(f"{live_server.url}/decisions/due/")
    expect(done).to_be_in_viewport()
    ready.refresh_from_db()
    assert (ready.stage, ready.decision_date) == ("pilot", days(60))
    shot(page, "after-go")

    # On the project page the blocked one explains itself too.
    page.goto(f"{live_server.url}/projects/{blocked.pk}/")
    expect(page.get_by_text("5 of 6 criteria met")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Record go"))).to_be_disabled()
    shot(page, "project-gate")


def test_kill_with_a_reason_moves_the_project_to_killed(live_server, login, org, pm, executive):
    project = proposed_project(
        org, pm, executive, name="Legal clause finder", decision_date=days(5)
    )
    page = login(executive)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_text("Kill the project").click()
    page.get_by_role("button", name="Record kill").click()
    # Without a reason the kill is refused, next to the field.
    expect(page.get_by_text("Choose why the project is killed.")).to_be_visible()
    page.get_by_label("Kill reason").select_option("compliance_blocked")
    page.get_by_label("Rationale", exact=True).fill(
        "Legal will not allow client contracts in an LLM."
    )
    page.get_by_role("button", name="Record kill").click()
    expect(
        page.get_by_text("Kill recorded for Legal clause finder; it is now Killed.")
    ).to_be_visible()
    # HX-Location loaded the project page and its URL, at the gate.
    expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/#gate")
    project.refresh_from_db()
    assert project.stage == "killed"
    # The graveyard: killed projects in the list, with the reason on the project.
    page.goto(f"{live_server.url}/projects/?stage=killed")
    expect(page.locator("#project-results")).to_contain_text("Legal clause finder")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator(".decisions-list")).to_contain_text("Compliance blocked")
    shot(page, "killed")


def test_production_owner_accepts_ownership(live_server, login, org, pm, executive):
    project, _, who = in_poc(org, pm, executive, name="Customs code classifier")
    owner = who["production_owner"]
    page = login(owner)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Accept ownership").click()
    expect(page.get_by_role("heading", name=re.compile("Production ownership"))).to_be_visible()
    page.get_by_label("I accept the system's run cost").check()
    page.get_by_label("I accept on-call for the system").check()
    page.get_by_role("button", name="Accept ownership").click()
    expect(
        page.get_by_text("Ownership means accepting its operations budget line.")
    ).to_be_visible()
    expect(page.get_by_label("I accept the system's run cost")).to_be_checked()
    page.get_by_label("I will carry its operations budget line").check()
    page.get_by_label("Budget line", exact=True).fill("OPS-2210 Customs platform")
    page.get_by_label("Your team").fill("Customs IT")
    page.get_by_role("button", name="Accept ownership").click()
    expect(page.get_by_text(f"You accepted ownership of {project.name}.")).to_be_visible()
    expect(page.locator('[data-criterion="production-owner"]')).to_contain_text("Met")
    assert Project.objects.get(pk=project.pk).ownership_acceptances.count() == 1
    shot(page, "ownership")


def test_a_decision_from_a_stale_tab_says_who_decided_and_that_nothing_was_recorded(
    live_server, login, org, pm, executive
):
    from decisions import services

    project, _, who = in_poc(org, pm, executive, name="Customs form reader")
    graduation_ready(project, who)
    page = login(executive)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_role("button", name=re.compile("Record go"))).to_be_enabled()
    # Meanwhile, in another tab, the same gate is decided.
    services.decision_record(
        project=project, outcome="go", by=executive, new_decision_date=days(75)
    )
    panel = page.locator(".decide-panel")
    panel.get_by_text("Kill the project").click()
    panel.locator(f"#kill-reason-{project.pk}").select_option("business_case_not_made")
    panel.locator(f"#kill-rationale-{project.pk}").fill("The volume does not justify it.")
    panel.get_by_role("button", name="Record kill").click()
    stale = page.get_by_test_id("stale-decision")
    expect(stale).to_contain_text(f"This gate was decided by {executive} at")
    expect(stale).to_contain_text("your decision was not recorded.")
    expect(stale).to_contain_text("It was decided: Go at the graduation gate (PoC → Pilot)")
    expect(stale).to_contain_text("The volume does not justify it.")  # what was typed is kept
    shot(page, "stale-decision")
    project.refresh_from_db()
    assert project.stage == "pilot"
