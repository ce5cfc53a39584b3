"""The bell and the notifications page through the real pages in Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from decisions.models import Reminder, ReminderKind
from decisions.services import gate_open, reminders_sweep
from tests.decisions.helpers import days, proposed_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    """Screenshots for a person to look at, only when asked (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS"):
        Path("/tmp/shots").mkdir(exist_ok=True)
        page.screenshot(path=f"/tmp/shots/notifications-{name}.png", full_page=True)


def test_the_bell_shows_a_reminder_from_the_sweep_and_marking_it_read_clears_it(
    live_server, login, org, pm, executive
):
    project = proposed_project(org, pm, executive, name="Claims triage", decision_date=days(1))
    gate_open(project=project)
    reminders_sweep()
    mine = Reminder.objects.get(recipient=pm, project=project, kind=ReminderKind.DUE_TOMORROW)

    page = login(pm)
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(bell.locator(".bell-count")).to_have_text("1")
    shot(page, "bell")

    bell.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    row = page.locator(f"#notification-{mine.pk}")
    expect(row).to_contain_text(mine.subject)
    expect(row.get_by_text("Unread")).to_be_visible()
    expect(row.get_by_role("link", name="Open Claims triage")).to_have_attribute(
        "href", re.compile(rf"/projects/{project.pk}/")
    )
    shot(page, "page")

    # The page's bell comes after the page (its own request); let it arrive before marking, or
    # its answer, read before the mark, can land after it (a real race: see the stop 19 note).
    expect(page.locator("#notification-bell")).to_have_attribute(
        "aria-label", "Notifications, 1 unread"
    )
    row.get_by_role("button", name=re.compile("Mark read")).click()
    # In place: the row says it is read, and the bell and the page's count follow.
    expect(page.locator(f"#notification-{mine.pk}")).to_contain_text("Read")
    expect(page.locator(f"#notification-{mine.pk}").get_by_role("button")).to_have_count(0)
    expect(page.locator("#notification-bell")).to_have_attribute(
        "aria-label", "Notifications, none unread"
    )
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)
    expect(page.locator("#notifications-unread-count")).to_have_text("Nothing unread")
    mine.refresh_from_db()
    assert mine.read_at is not None
    shot(page, "read")

    # And it stays read: a fresh page's bell has nothing to count.
    page.reload()
    expect(page.locator("#notification-bell")).to_have_attribute(
        "aria-label", "Notifications, none unread"
    )
