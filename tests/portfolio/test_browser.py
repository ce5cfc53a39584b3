"""A PM's journey through the real pages in Chromium: list, filter, open, register a PoC."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portfolio.models import Project, Stage
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    """Screenshots for a person to look at, only when asked (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS"):
        Path("/tmp/shots").mkdir(exist_ok=True)
        page.screenshot(path=f"/tmp/shots/{name}.png", full_page=True)


@pytest.fixture
def portfolio(org, pm, executive, viewer):
    ProjectFactory(
        organisation=org,
        name="Invoice triage",
        stage=Stage.POC,
        pm=pm,
        decision_maker=executive,
        business_owner=executive,
        decision_date=timezone.localdate() + timedelta(weeks=5),
    )
    ProjectFactory(organisation=org, name="Contract reader", stage=Stage.PILOT, pm=pm)
    ProjectFactory(organisation=org, name="Churn radar", pm=viewer)
    ProjectFactory(organisation=org, name="Legacy chatbot", stage=Stage.KILLED)


def test_pm_filters_the_list_in_place_and_opens_a_project(live_server, login, pm, portfolio):
    page = login(pm)
    shot(page, "home")
    page.get_by_role("link", name="Projects", exact=True).click()
    rows = page.locator("#project-results tbody tr")
    expect(rows).to_have_count(4)
    # The rows are there before the page's scripts have run; the filters update in place only
    # once htmx has (a click waits for the page to start loading, not to finish).
    page.wait_for_load_state("load")
    shot(page, "project-list")

    # A marker on window survives only if the page is updated in place, not reloaded.
    page.evaluate("window.__stillHere = true")
    page.get_by_label("Stage").select_option("pilot")
    expect(page).to_have_url(re.compile(r"stage=pilot"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Contract reader")
    assert page.evaluate("window.__stillHere") is True

    page.get_by_label("Search").fill("nothing like this")
    expect(page.get_by_text("No project matches these filters")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(4)

    page.get_by_role("link", name="Invoice triage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice triage")
    expect(page.get_by_text("no production owner").first).to_be_visible()
    shot(page, "project-detail")
    page.get_by_role("link", name=pm.full_name).click()
    page.get_by_label("Name", exact=True).fill("CI evaluation harness")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    secret = page.locator("#new-token-secret").inner_text()
    assert secret.startswith("gh_")
    expect(page.locator("tbody tr")).to_contain_text(["CI evaluation harness"])
    shot(page, "profile")
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.locator("tbody tr")).to_contain_text(["CI evaluation harness"])
    expect(page.get_by_text(secret)).to_have_count(0)


def test_pm_registers_a_poc_fixing_a_mistake_without_losing_input(
    live_server, login, pm, executive, org
):
    page = login(pm)
    page.get_by_role("link", name="Register your first PoC").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a PoC")

    page.get_by_label("Name", exact=True).fill("Supplier email classifier")
    page.get_by_label("Summary", exact=True).fill(
        "Sort inbound supplier email into the right queue."
    )
    page.get_by_label("Decision-maker", exact=True).select_option(
        label=f"{executive.full_name} ({executive.email})"
    )
    page.get_by_label("Timebox start", exact=True).fill("2030-03-02")
    page.get_by_label("Timebox end", exact=True).fill(
        "2030-02-01"
    )  # the mistake: ends before it starts
    page.get_by_label("Decision date", exact=True).fill("2030-04-20")
    page.get_by_role("button", name="Register project").click()

    end_field = page.locator(".field", has=page.get_by_label("Timebox end", exact=True))
    expect(end_field.locator(".errorlist")).to_have_text("The timebox cannot end before it starts.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Supplier email classifier")
    expect(page.get_by_label("Summary", exact=True)).to_have_value(
        "Sort inbound supplier email into the right queue."
    )
    expect(page.get_by_label("Decision-maker", exact=True)).to_have_value(str(executive.pk))
    expect(page.get_by_label("Decision date", exact=True)).to_have_value("2030-04-20")
    expect(page.locator(".form-errors")).not_to_contain_text("Constraint")
    shot(page, "project-create-error")

    page.get_by_label("Timebox end", exact=True).fill("2030-04-12")
    page.get_by_role("button", name="Register project").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Supplier email classifier")
    expect(page.get_by_text("is registered")).to_be_visible()
    project = Project.objects.get(name="Supplier email classifier")
    assert page.url.endswith(project.get_absolute_url())
    assert project.decision_maker == executive and project.pm == pm


def test_what_is_typed_before_the_page_script_arrives_is_neither_overwritten_nor_lost(
    live_server, login, pm, executive
):
    """On a slow connection the form can be typed in before drafts.js has run. Its copy of
    the earlier typing must not overwrite that, and must take it in."""
    page = login(pm)
    page.goto(f"{live_server.url}/projects/new/")
    page.get_by_label("Name", exact=True).fill("Supplier email classifier")
    page.get_by_label("Decision-maker", exact=True).select_option(
        label=f"{executive.full_name} ({executive.email})"
    )
    page.get_by_label("Timebox start", exact=True).fill("2030-03-02")
    page.get_by_label("Timebox end", exact=True).fill("2030-02-01")  # before it starts
    page.get_by_label("Decision date", exact=True).fill("2030-04-20")

    held = []  # the script of the page that answers, kept back until the fix is typed
    page.route("**/static/js/drafts.js", lambda route: held.append(route))
    page.get_by_role("button", name="Register project").click()
    end = page.get_by_label("Timebox end", exact=True)
    expect(page.locator(".field", has=end).locator(".errorlist")).to_be_visible()
    end.fill("2030-04-12")
    for _ in range(50):  # the route's handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "the answer's script should still be on its way"
    held[0].continue_()
    page.unroute("**/static/js/drafts.js")
    page.wait_for_load_state("load")
    expect(end).to_have_value("2030-04-12")
    expect(page.locator(".draft-restored")).to_have_count(0)

    # The fix typed before the script came is in the copy: a reload brings it back.
    page.goto(f"{live_server.url}/projects/new/")
    expect(page.locator(".draft-restored")).to_contain_text("not saved yet")
    expect(page.get_by_label("Timebox end", exact=True)).to_have_value("2030-04-12")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Supplier email classifier")
    page.get_by_role("button", name="Register project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supplier email classifier")
    assert Project.objects.get(name="Supplier email classifier").timebox_end.isoformat() == (
        "2030-04-12"
    )


def test_owner_choices_follow_the_organisation_filter(
    live_server, login, partner, pm, outsider, portfolio, other_project
):
    page = login(partner)
    page.goto(f"{live_server.url}/projects/")
    owner = page.get_by_role("search", name="Filter projects").get_by_label("Owner")
    # A partner sees several organisations: nobody is offered until one is chosen.
    expect(owner.locator("option", has_text="Olga Outsider")).to_have_count(0)
    expect(owner.locator("option", has_text="Pat Manager")).to_have_count(0)

    page.evaluate("window.__stillHere = true")
    filters = page.get_by_role("search", name="Filter projects")
    filters.get_by_label("Organisation").select_option(label="Globex Retail")
    expect(page).to_have_url(re.compile(r"organisation="))
    expect(page.locator("#project-results tbody tr")).to_have_count(1)
    # The owner select now offers only Globex's people, and still works as a filter.
    expect(owner.locator("option", has_text="Pat Manager")).to_have_count(0)
    owner.select_option(label="Olga Outsider")
    expect(page).to_have_url(re.compile(rf"owner={outsider.pk}"))
    expect(page.locator("#project-results tbody tr")).to_have_count(1)
    assert page.evaluate("window.__stillHere") is True
