"""The calendar feed on the profile, as a person clicks it in Chromium: the section loads in
place, the new address is shown once with a copy button, and revoking asks first."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from decisions.models import CalendarFeed
from tests.decisions.helpers import in_poc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pm_subscribes_to_their_deadlines_and_revokes_the_feed(
    live_server, login, settings, org, pm, executive
):
    settings.GATEHOUSE_BASE_URL = live_server.url
    in_poc(org, pm, executive, name="Invoice triage")
    page = login(pm)
    page.goto(f"{live_server.url}/accounts/profile/")
    section = page.locator('[data-testid="calendar-feed"]')
    expect(section).to_contain_text("Kill deadline of Invoice triage")  # loaded in place
    expect(section).to_contain_text("Not set up")

    section.get_by_role("button", name="Create a feed address").click()
    section = page.locator('[data-testid="calendar-feed"]')
    address = section.locator("#calendar-feed-url")
    expect(address).to_be_visible()
    expect(section.get_by_role("button", name="Copy")).to_be_visible()
    url = address.inner_text().strip()
    feed = page.request.get(url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    assert len(Calendar.from_ical(feed.body()).events) == 2

    # Shown once: a reload shows only its first characters.
    page.reload()
    section = page.locator('[data-testid="calendar-feed"]')
    expect(section).to_contain_text("has been live since")
    expect(section.locator("#calendar-feed-url")).to_have_count(0)

    # Revoking asks first; dismissed, nothing happens.
    page.once("dialog", lambda dialog: dialog.dismiss())
    section.get_by_role("button", name="Revoke the calendar feed").click()
    expect(section).to_contain_text("has been live since")
    assert CalendarFeed.objects.usable().filter(user=pm).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Revoke the calendar feed").click()
    expect(page.get_by_text("Your calendar feed is revoked")).to_be_visible()
    expect(page.locator('[data-testid="calendar-feed"]')).to_contain_text("Not set up")
    assert page.request.get(url).status == 404
