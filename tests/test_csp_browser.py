"""The pages work in Chromium under the strict Content-Security-Policy (config/settings/base.py):
no inline script, no inline style, no eval. htmx still updates the list, the dashboard and a
charter section in place; the print buttons still print; Swagger UI still renders — and the
browser reports no violation of the policy on the way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from portfolio.models import Stage
from tests.charters import helpers as charter_helpers
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts (Playwright injects it outside the page's CSP):
# each violation the browser reports is written to the console, where the test collects it
# across navigations. window.print is replaced so that a print button can be seen to work.
WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.effectiveDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber + " " + (event.sample || "")
  );
});
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    """What the policy refused on any page this test opens: the watcher's reports and
    Chromium's own "Refused to …" console errors."""
    found: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            found.append(text)

    page.on("console", on_console)
    page.add_init_script(WATCH)
    return found


@pytest.fixture
def portfolio(org, pm, executive, viewer):
    ProjectFactory(organisation=org, name="Invoice triage", stage=Stage.POC, pm=pm)
    ProjectFactory(organisation=org, name="Contract reader", stage=Stage.PILOT, pm=pm)
    ProjectFactory(organisation=org, name="Churn radar", pm=viewer)


def test_the_policy_reaches_the_browser(live_server, page: Page, violations):
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # The watcher sees a violation when there is one: an inline script the policy must refuse.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in violations), violations


def test_the_project_list_filters_in_place_without_a_violation(
    live_server, login, pm, portfolio, violations
):
    page = login(pm)
    page.goto(f"{live_server.url}{reverse('portfolio:project-list')}")
    rows = page.locator("#project-results tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.__stillHere = true")
    page.get_by_label("Stage").select_option("pilot")
    expect(page).to_have_url(re.compile(r"stage=pilot"))
    expect(rows).to_have_count(1)
    page.get_by_label("Search").fill("nothing like this")
    expect(page.get_by_text("No project matches these filters")).to_be_visible()
    assert page.evaluate("window.__stillHere") is True, "htmx did not update the list in place"
    # htmx added no <style> of its own (its indicator styles come from app.css).
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert violations == []


def test_the_dashboard_filters_in_place_without_a_violation(
    live_server, login, executive, portfolio, violations
):
    page = login(executive)
    page.goto(f"{live_server.url}{reverse('decisions:dashboard')}")
    expect(page.get_by_role("heading", name="Portfolio dashboard", level=1)).to_be_visible()
    page.evaluate("window.__stillHere = true")
    filters = page.get_by_role("search", name="Filter the dashboard")
    with page.expect_response(lambda r: "/decisions/dashboard/" in r.url and "stage=" in r.url):
        filters.get_by_label("Stage").select_option(index=1)
    expect(page).to_have_url(re.compile(r"[?&]stage="))
    assert page.evaluate("window.__stillHere") is True, "htmx did not update the dashboard"
    assert violations == []


def test_a_charter_section_saves_with_hx_post_and_the_print_button_prints(
    live_server, login, project, pm, violations
):
    charter_helpers.draft(project)
    page = login(pm)
    page.goto(f"{live_server.url}{reverse('charters:edit', args=[project.pk])}")
    progress = page.get_by_role("progressbar", name="Charter completeness")
    before = progress.first.get_attribute("value")
    section = page.locator("#section-problem")
    section.get_by_label("Problem", exact=True).fill("Invoices wait three days for triage.")
    section.get_by_label("Hypothesis", exact=True).fill("An LLM routes 80% correctly.")
    section.get_by_label("Business value if it works", exact=True).fill("Two FTE freed.")
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/sections/problem/" in r.url
    ) as answer:
        section.get_by_role("button", name=re.compile(r"^Save")).click()
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")
    # The completeness meter (a <progress>, not a styled <span>) moved out of band.
    expect(progress.first).not_to_have_attribute("value", before or "")

    page.goto(f"{live_server.url}{reverse('charters:detail', args=[project.pk])}")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") == 1
    assert violations == []


def test_swagger_ui_renders_under_the_policy(live_server, login, pm, violations):
    page = login(pm)
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("Gatehouse API").first.wait_for()
    page.get_by_text("/api/v1/projects/").first.wait_for()
    assert violations == []
