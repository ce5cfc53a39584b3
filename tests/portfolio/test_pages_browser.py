"""Pages on a phone and forms that keep what was typed, in Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portfolio.models import Stage
from tests.axe import assert_accessible
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_header_is_compact_and_home_opens_on_the_decisions_due(
    live_server, login, org, pm, executive
):
    for n in range(3):
        ProjectFactory(
            organisation=org,
            name=f"Due project {n}",
            stage=Stage.POC,
            pm=pm,
            decision_maker=executive,
            decision_date=timezone.localdate() + timedelta(days=n + 1),
        )
    page = login(executive)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    header = page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= 110, header
    due = page.get_by_role("heading", name="Decisions due", level=2).bounding_box()
    assert due is not None and due["y"] < 844 * 0.5, due
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The navigation is all there, in one line that scrolls sideways.
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_count(4)
    assert_accessible(page)


def test_the_register_form_keeps_what_was_typed_across_a_reload(live_server, login, pm):
    page = login(pm)
    page.goto(f"{live_server.url}/projects/new/")
    page.get_by_label("Name", exact=True).fill("Invoice triage")
    page.get_by_label("Summary").fill("Route supplier invoices to the right team.")
    page.wait_for_timeout(300)  # the draft is written as the person types
    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Invoice triage")
    expect(page.get_by_label("Summary")).to_have_value("Route supplier invoices to the right team.")
    assert_accessible(page)
