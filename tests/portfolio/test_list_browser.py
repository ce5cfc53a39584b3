"""The project list in Chromium as people use it: Back and Forward bring the filters back with
the results, a sort survives paging, a shared link shows the same list to two partners, and
axe-core finds nothing serious."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portfolio.models import Stage
from tests.axe import Recorder, assert_accessible, check_documents, found_described
from tests.conftest import PASSWORD
from tests.factories import ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portfolio(org, other_org, pm):
    for name, stage in (
        ("Invoice triage", Stage.POC),
        ("Invoice matching", Stage.PILOT),
        ("Contract reader", Stage.POC),
        ("Churn radar", Stage.PROPOSED),
    ):
        ProjectFactory(organisation=org, name=name, stage=stage, pm=pm)
    ProjectFactory(organisation=other_org, name="Globex pricing bot", stage=Stage.POC)


def test_back_and_forward_restore_the_filters_with_the_results(live_server, login, pm, portfolio):
    page = login(pm)
    page.goto(f"{live_server.url}/projects/")
    rows = page.locator("#project-results tbody tr")
    expect(rows).to_have_count(4)
    stage, search = page.get_by_label("Stage"), page.get_by_label("Search")

    stage.select_option("poc")
    expect(rows).to_have_count(2)
    search.fill("Invoice")
    expect(page).to_have_url(re.compile(r"q=Invoice"))
    expect(rows).to_have_count(1)

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q=Invoice"))
    expect(stage).to_have_value("poc")
    expect(search).to_have_value("")
    expect(rows).to_have_count(2)
    assert_accessible(page)

    page.go_forward()
    expect(search).to_have_value("Invoice")
    expect(stage).to_have_value("poc")
    expect(rows).to_have_count(1)

    # After Back, the next change keeps the other filters instead of dropping them.
    page.go_back()
    expect(stage).to_have_value("poc")
    search.fill("Contract")
    expect(page).to_have_url(re.compile(r"stage=poc"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Contract reader")


def test_a_sort_is_kept_across_pages(live_server, login, pm, portfolio, settings):
    settings.GATEHOUSE_PAGE_SIZE = 2
    page = login(pm)
    page.goto(f"{live_server.url}/projects/")
    page.get_by_test_id("sort-name").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    names = page.locator("#project-results tbody tr .project-cell > a")
    expect(names).to_have_text(["Churn radar", "Contract reader"])
    page.get_by_role("link", name="Next ›").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(names).to_have_text(["Invoice matching", "Invoice triage"])
    # A filter changed on page 2 keeps the sort and starts again from the first page.
    page.get_by_label("Stage").select_option("poc")
    expect(names).to_have_text(["Contract reader", "Invoice triage"])
    expect(page).to_have_url(re.compile(r"sort=name"))
    page.get_by_test_id("sort-name").click()
    expect(names).to_have_text(["Invoice triage", "Contract reader"])
    assert_accessible(page)


def test_a_shared_link_shows_the_same_list_to_two_partners(
    live_server, login, browser, org, portfolio
):
    first = UserFactory(email="one@firm.test", full_name="Pia Partner", is_partner=True)
    second = UserFactory(email="two@firm.test", full_name="Quinn Partner", is_partner=True)
    page = login(first)
    page.goto(f"{live_server.url}/projects/")
    page.locator("#org-switcher").select_option(str(org.pk))
    # The organisation switched to in the header is put into the list's URL, so a link copied
    # from the address bar carries it.
    expect(page).to_have_url(re.compile(rf"organisation={org.pk}"))
    shared = page.url
    expect(page.locator("#project-results caption")).to_have_text("4 projects")

    second_browser = browser.new_context()
    visited = Recorder().attach(second_browser)
    other = second_browser.new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("Email").fill(second.email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    other.wait_for_url(lambda url: "/accounts/login/" not in url)
    other.goto(f"{live_server.url}/projects/")
    expect(other.locator("#project-results caption")).to_have_text("5 projects")  # the firm
    other.goto(shared)
    expect(other.locator("#project-results caption")).to_have_text("4 projects")
    expect(other.get_by_label("Organisation", exact=True).last).to_have_value(str(org.pk))
    found = check_documents(browser, visited.everything)
    assert not found, found_described(found)
    second_browser.close()


def test_on_a_phone_the_list_is_cards_with_a_sort_of_its_own(live_server, login, pm, portfolio):
    """At 390 px the rows are cards that fit (the table scrolled sideways) and, the column
    headers being out of sight, the sort is a list to choose from; it changes the results in
    place and a filter change keeps it. On a wide screen the headers sort, not this list."""
    page = login(pm)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/projects/")
    results = page.locator("#project-results")
    names = results.locator("tbody tr .project-cell > a")
    expect(names).to_have_count(4)
    assert results.locator(".table-wrap").evaluate("el => el.scrollWidth <= el.clientWidth")

    page.evaluate("window.__stillHere = true")
    page.get_by_label("Sort by").select_option(label="Name, A to Z")
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(names).to_have_text(
        ["Churn radar", "Contract reader", "Invoice matching", "Invoice triage"]
    )
    page.get_by_label("Sort by").select_option(label="Name, Z to A")
    expect(names).to_have_text(
        ["Invoice triage", "Invoice matching", "Contract reader", "Churn radar"]
    )
    assert page.evaluate("window.__stillHere") is True

    page.get_by_label("Stage").select_option("poc")
    expect(names).to_have_text(["Invoice triage", "Contract reader"])
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(page.get_by_label("Sort by")).to_have_value("-name")

    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.get_by_label("Sort by")).to_be_hidden()
    expect(page.get_by_test_id("sort-name")).to_be_visible()
