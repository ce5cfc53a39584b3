"""Long text wraps: a 160-character name without a space keeps every page inside the screen."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.decisions.helpers import in_poc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Invoice" + "x" * 146 + "matcher"  # 160 characters, no space to break at


# The innermost elements reaching past the right edge: what to fix when the test fails.
WIDER_THAN_THE_VIEWPORT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + e.textContent.trim().slice(0, 40))"""


@pytest.mark.parametrize("width", [1366, 390])
def test_a_160_character_name_stays_inside_the_viewport(
    live_server, login, org, pm, executive, width
):
    assert len(LONG_NAME) == 160
    project, _, _ = in_poc(org, pm, executive, name=LONG_NAME)
    page = login(executive)
    page.set_viewport_size({"width": width, "height": 900})
    for path in (
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/charter/",
        f"/decisions/projects/{project.pk}/gate/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert LONG_NAME in page.content()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if os.environ.get("SCREENSHOTS"):
            Path("/tmp/shots").mkdir(exist_ok=True)
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"/tmp/shots/long-{width}-{name}.png", full_page=True)
        wider = page.evaluate(WIDER_THAN_THE_VIEWPORT)
        assert scroll_width <= width, f"{path} is {scroll_width} px wide at {width} px: {wider}"


@pytest.mark.parametrize("width", [1000, 390])
def test_the_charter_editor_keeps_its_outline_and_fits_narrow_screens(
    live_server, login, project, pm, width
):
    """Narrower than three columns the outline becomes a row of section chips above the
    sections (on a phone, one row that scrolls sideways); the page never scrolls sideways, and
    the charter as a document puts each label above its value instead of squeezing it."""
    from tests.charters import helpers

    helpers.complete_draft(project)
    page = login(pm)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/projects/{project.pk}/charter/edit/")
    outline = page.get_by_role("navigation", name="Charter sections")
    expect(outline).to_be_visible()
    outline.get_by_role("link", name="Success metric").click()
    expect(page).to_have_url(re.compile(r"#section-metric$"))
    wider = page.evaluate(WIDER_THAN_THE_VIEWPORT)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wider

    page.goto(f"{live_server.url}/projects/{project.pk}/charter/")
    value = page.locator(".charter-dl dd").first
    label = page.locator(".charter-dl dt").first
    if width < 600:
        assert value.bounding_box()["y"] > label.bounding_box()["y"]  # below its label
    assert value.bounding_box()["width"] > 250
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# How much of the chosen option a select cuts off, in pixels: its text measured in its own font
# against the room left inside it (the padding on the right holds the arrow).
SELECT_TEXT_CUT = """el => {
  const style = getComputedStyle(el);
  const context = document.createElement('canvas').getContext('2d');
  context.font = style.font;
  const text = context.measureText(el.options[el.selectedIndex].text).width;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return Math.max(0, Math.ceil(text - room));
}"""


def test_on_a_phone_the_header_shows_the_organisation_switcher_whole(
    live_server, login, org, other_org, partner
):
    """A partner's "All organisations (firm)" was cut to "All organisati" at 390 px, and Log
    out broke over two lines; the switcher now takes the room the header row has."""
    page = login(partner)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    switcher = page.locator("#org-switcher")
    expect(switcher.locator("option:checked")).to_have_text("All organisations (firm)")
    # Within 2 px (sub-pixel rounding of the flex row); before, 63 px were cut.
    assert switcher.evaluate(SELECT_TEXT_CUT) <= 2
    log_out = page.get_by_role("button", name="Log out")
    line = log_out.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    assert log_out.bounding_box()["height"] < 1.5 * line, "Log out breaks over two lines"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_on_a_phone_home_lays_each_of_my_projects_out_as_a_card(
    live_server, login, org, pm, executive
):
    """At 390 px the "My projects" table was wider than the screen (scrolled sideways, the
    deadline out of sight) with rows five lines tall; each row is now a card that fits, its
    cells under their column's names."""
    from tests.factories import ProjectFactory

    for name in ("Invoice triage", "Supplier certificate checking"):
        ProjectFactory(organisation=org, name=name, pm=pm, decision_maker=executive)
    page = login(pm)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    table = page.get_by_role("table").filter(has_text="Invoice triage")
    wrap = table.locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls sideways"
    row = table.get_by_role("row").filter(has_text="Invoice triage")
    deadline = row.get_by_test_id("next-deadline")
    box = deadline.bounding_box()
    assert box["x"] + box["width"] <= 390, "the deadline is off the right edge"
    label = deadline.evaluate("el => getComputedStyle(el, '::before').content")
    assert label == '"Next deadline"'
    # The column headers are still there for screen readers, and the cells are still cells.
    expect(table.get_by_role("columnheader", name="Next deadline")).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_count(4)


def test_on_a_phone_an_executives_navigation_fits_without_scrolling(live_server, login, executive):
    """ "Decisions due", the executive's fourth link, was cut at the screen's edge (the row
    scrolled by 12 px)."""
    page = login(executive)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Decisions due")).to_be_visible()
    assert nav.evaluate("el => el.scrollWidth <= el.clientWidth"), "the navigation scrolls"
