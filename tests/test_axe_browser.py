"""The suite's axe-core check (tests/axe.py, the autouse fixture in tests/conftest.py) covers
every page a browser test visits, not only the page it ends on."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.axe import check_documents
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNLABELLED = """<!doctype html><html lang="en"><head><title>Bad page</title>
<link rel="stylesheet" href="/static/css/app.css"></head>
<body><main><h1>Bad page</h1><img src="/static/none.png"><form><input name="q"></form>
</main></body></html>"""


def test_every_page_on_the_way_is_kept_for_the_check_even_one_left_at_once(
    live_server, login, request
):
    user = UserFactory(email="walker@firm.test")
    page: Page = login(user)
    # A page left the moment it has loaded, a redirect's target, and the page the test ends on.
    page.goto(f"{live_server.url}/projects/")
    page.goto(f"{live_server.url}/accounts/password_change/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    urls = request.node.gatehouse_axe.urls
    assert f"{live_server.url}/accounts/login/" in urls
    assert f"{live_server.url}/projects/" in urls
    assert f"{live_server.url}/accounts/password_change/" in urls


def test_the_check_finds_what_axe_refuses_on_a_page_as_it_was_sent(live_server, browser):
    found = check_documents(browser, [(f"{live_server.url}/somewhere/", UNLABELLED)])
    assert {v["id"] for v in found[f"{live_server.url}/somewhere/"]} >= {"image-alt", "label"}


def test_a_state_htmx_leaves_the_page_in_is_kept_for_the_check_too(live_server, login, request):
    user = UserFactory(email="filterer@firm.test")
    page: Page = login(user)
    page.goto(f"{live_server.url}/projects/")
    page.get_by_label("Search").fill("nothing like this")  # the list is filtered in place
    expect(page.get_by_text("No project matches these filters")).to_be_visible()
    swapped = request.node.gatehouse_axe.swapped
    for _ in range(30):  # the page sends its DOM a moment after the swap settles
        if swapped:
            break
        page.wait_for_timeout(100)
    kept = [html for url, html in swapped.values() if "/projects/" in url]
    assert any("No project matches these filters" in html for html in kept)
    assert all(html.startswith("<!DOCTYPE html>") for html in kept)
