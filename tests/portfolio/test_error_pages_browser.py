"""The error pages in Chromium: styled like the rest of the site, with the way back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    """Screenshots for a person to look at, only when asked (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS"):
        Path("/tmp/shots").mkdir(exist_ok=True)
        page.screenshot(path=f"/tmp/shots/{name}.png", full_page=True)


def test_403_and_404_are_pages_of_the_site_with_the_reason_and_the_way_back(
    live_server, login, executive
):
    page = login(executive)
    response = page.goto(f"{live_server.url}/projects/new/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You cannot do this", level=1)).to_be_visible()
    expect(page.get_by_test_id("error-reason")).to_have_text("Only a PM can register a project.")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Projects")
    # The stylesheet loaded: the header has the site's dark background, not the browser's white.
    header = page.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    shot(page, "error-403")

    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="There is no page here", level=1)).to_be_visible()
    page.get_by_role("link", name="Go to your home page").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.go_back()
    shot(page, "error-404")
