"""The partners' portfolio dashboard as a person uses it in Chromium: landing on it after login,
filtering by organisation in place (and Back), drilling from a number to its projects, the
"Updating…" indicator, accessibility (axe-core) and the layout on a phone.

With SCREENSHOTS=1 the layout test runs over the demo portfolio instead (``load_demo``, about
half a minute) and saves /tmp/dash-desktop.png and /tmp/dash-phone.png to look at."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from portfolio.models import Project, Stage
from tests.axe import axe_serious, described
from tests.factories import ProjectFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The portfolio below: Acme started three PoCs, Globex one; one of each reached production.
ACME_STARTED = {"Acme invoice triage", "Acme route planner", "Acme claims reader"}
GLOBEX_STARTED = {"Globex pricing bot"}
REACHED_PRODUCTION = {"Acme invoice triage", "Globex pricing bot"}


def project_in(org, name: str, *, pm, decider, reached: str, killed: bool = False) -> Project:
    """A project of ``org`` whose PoC started 120 days ago (unless ``reached`` is "proposed")
    and that got as far as ``reached``; written straight to the database, the dashboard only
    reads it."""
    project = ProjectFactory(
        organisation=org, name=name, pm=pm, decision_maker=decider, business_owner=decider
    )
    started = timezone.now() - timedelta(days=120)
    fields: dict = {}
    if reached != Stage.PROPOSED:
        fields.update(stage=Stage.POC, poc_started_at=started)
    if reached in (Stage.PILOT, Stage.PRODUCTION):
        fields.update(stage=Stage.PILOT, pilot_reached_at=started + timedelta(days=30))
    if reached == Stage.PRODUCTION:
        fields.update(stage=Stage.PRODUCTION, production_reached_at=started + timedelta(days=70))
    if killed:
        fields.update(
            stage=Stage.KILLED,
            killed_at=started + timedelta(days=40),
            killed_from=reached,
            kill_reason="no_production_owner",
        )
    elif reached in (Stage.POC, Stage.PILOT):
        fields["kill_deadline"] = timezone.localdate() + timedelta(days=10)
    Project.objects.filter(pk=project.pk).unaudited_update(**fields)
    return project


@pytest.fixture
def firm(org, other_org, pm, executive, outsider):
    """Acme (``org``): three PoCs started — one in production, one still in PoC, one killed in
    PoC — and one project still proposed. Globex (``other_org``): one PoC, in production."""
    boss = member(other_org, "executive", email="boss@globex.test", full_name="Xena Boss")
    acme = {"pm": pm, "decider": executive}
    project_in(org, "Acme invoice triage", reached=Stage.PRODUCTION, **acme)
    project_in(org, "Acme route planner", reached=Stage.POC, **acme)
    project_in(org, "Acme claims reader", reached=Stage.POC, killed=True, **acme)
    project_in(org, "Acme contract search", reached=Stage.PROPOSED, **acme)
    project_in(other_org, "Globex pricing bot", reached=Stage.PRODUCTION, pm=outsider, decider=boss)
    return org, other_org


def filters(page: Page):
    return page.get_by_role("search", name="Filter the dashboard")


def funnel_figure(page: Page, label: str):
    """The number of a funnel step, in the table beside the chart (a link to its projects)."""
    row = page.locator("[data-panel=funnel] .funnel-table tbody tr").filter(
        has=page.get_by_role("rowheader", name=label, exact=True)
    )
    return row.locator("td")


def project_names(page: Page) -> set[str]:
    return set(page.locator("#project-results tbody td.project-cell > a").all_inner_texts())


def test_a_partner_lands_on_the_dashboard_filters_by_organisation_in_place_and_back_restores_the_firm(
    live_server, login, firm, partner
):
    acme, globex = firm
    page = login(partner)
    # From the login form to "/", and from there to the dashboard.
    expect(page).to_have_url(f"{live_server.url}/decisions/dashboard/")
    expect(page.get_by_role("heading", name="Portfolio dashboard", level=1)).to_be_visible()
    started = funnel_figure(page, "Started PoC")
    expect(started).to_have_text("4")
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text("The whole firm")

    # A marker on the window survives only if the page is not loaded again.
    page.evaluate("window.stillTheSamePage = true")
    organisation = filters(page).get_by_label("Organisation")
    organisation.select_option(label=globex.name)
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text(globex.name)
    expect(started).to_have_text("1")
    expect(page).to_have_url(re.compile(rf"[?&]organisation={globex.pk}(&|$)"))
    assert page.evaluate("window.stillTheSamePage === true"), "the filter reloaded the page"

    organisation.select_option(label=acme.name)
    expect(started).to_have_text("3")
    expect(page).to_have_url(re.compile(rf"[?&]organisation={acme.pk}(&|$)"))

    # Back: Globex again, then the whole firm, with the filter back on "All organisations".
    page.go_back()
    expect(started).to_have_text("1")
    expect(page).to_have_url(re.compile(rf"[?&]organisation={globex.pk}(&|$)"))
    expect(organisation).to_have_value(str(globex.pk))
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/decisions/dashboard/")
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text("The whole firm")
    expect(started).to_have_text("4")
    expect(organisation).to_have_value("")
    expect(organisation.locator("option:checked")).to_have_text("All organisations")
    # The server's whole page went into <body>, not inside the old one.
    expect(page.locator("#dashboard-panels")).to_have_count(1)
    expect(page.locator(".site-header")).to_have_count(1)


def test_a_funnel_number_opens_the_project_list_of_exactly_its_projects(
    live_server, login, firm, partner
):
    acme, _ = firm
    page = login(partner)
    funnel_figure(page, "Reached production").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()
    expect(page.locator("#project-results caption")).to_contain_text("2 projects")
    assert project_names(page) == REACHED_PRODUCTION

    # For one organisation, the number links to that organisation's projects alone.
    page.goto(f"{live_server.url}/decisions/dashboard/?organisation={acme.pk}")
    funnel_figure(page, "Started PoC").get_by_role("link", name="3").click()
    expect(page.locator("#project-results caption")).to_contain_text("3 projects")
    assert project_names(page) == ACME_STARTED


def test_updating_shows_while_the_filter_request_runs(live_server, login, firm, partner):
    _, globex = firm
    page = login(partner)
    updating = page.locator("#dashboard-updating")
    expect(updating).to_be_hidden()

    # Hold the panels' request until the indicator has been seen.
    held = []
    page.route(re.compile(r"/decisions/dashboard/\?"), lambda route: held.append(route))
    filters(page).get_by_label("Organisation").select_option(label=globex.name)
    expect(updating).to_be_visible()
    expect(updating).to_have_text("Updating…")
    assert len(held) == 1 and held[0].request.headers.get("hx-request") == "true"
    held[0].continue_()
    expect(funnel_figure(page, "Started PoC")).to_have_text("1")
    expect(updating).to_be_hidden()


def test_axe_finds_no_serious_violation_on_the_dashboard(live_server, login, firm, partner):
    page = login(partner)
    expect(funnel_figure(page, "Started PoC")).to_have_text("4")
    violations = axe_serious(page)
    assert not violations, "axe-core, firm-wide:\n" + described(violations)

    # And on the panels an htmx filter change swapped in.
    filters(page).get_by_label("Organisation").select_option(index=1)
    expect(page).to_have_url(re.compile(r"organisation="))
    expect(page.locator("#dashboard-updating")).to_be_hidden()
    violations = axe_serious(page)
    assert not violations, "axe-core, one organisation:\n" + described(violations)


def sideways_overflow(page: Page) -> list[str]:
    """What sticks out past the right edge of the viewport (the page would scroll sideways)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          if (document.documentElement.scrollWidth > width) {
            out.push(`page ${document.documentElement.scrollWidth}px wide in ${width}px`);
          }
          for (const el of document.querySelectorAll("main *")) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1 && !el.closest(".table-wrap")) {
              out.push(`${el.tagName.toLowerCase()}.${el.className} ends at ${box.right}px`);
            }
          }
          return out.slice(0, 10);
        }"""
    )


def test_the_dashboard_fits_a_phone_and_its_wide_tables_scroll_in_their_panel(
    live_server, login, firm, partner
):
    if os.environ.get("SCREENSHOTS"):
        call_command("load_demo", quiet_logins=True, stdout=StringIO())
    page = login(partner)
    page.set_viewport_size(DESKTOP)
    page.reload()
    expect(page.locator("[data-panel=funnel]")).to_be_visible()
    assert not sideways_overflow(page)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path="/tmp/dash-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    expect(page.locator("[data-panel=organisations]")).to_be_visible()
    assert sideways_overflow(page) == []
    # The filters wrap: every one of them is inside the screen.
    for field in filters(page).locator(".field").all():
        box = field.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # The organisation × stage table is wider than a phone: it scrolls inside its panel.
    wrap = page.locator("[data-panel=organisations] .table-wrap")
    scroll, client = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll > client, "the organisations table fits the phone: nothing to scroll"
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") in ("auto", "scroll")
    # Each table's caption keeps to the panel, not to the width of the table scrolling under it.
    cut = page.evaluate(
        """() => [...document.querySelectorAll(".dash-panel .table-wrap")].flatMap(wrap => {
          const caption = wrap.querySelector("caption");
          const right = wrap.getBoundingClientRect().right;
          return caption && caption.getBoundingClientRect().right > right + 1
            ? [wrap.closest("[data-panel]").dataset.panel] : [];
        })"""
    )
    assert cut == [], f"captions cut off at the panel's edge: {cut}"
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path="/tmp/dash-phone.png", full_page=True)
