"""axe-core in the browser tests (axe-playwright-python ships axe-core; nothing from a CDN).

Every page a browser test visits is checked, not only the one it ends on:

- ``Recorder`` sits in the test's browser context and keeps each HTML document the browser is
  sent for its top frame (a link followed, a form posted, a redirect's target, an error page),
  once per distinct body, whether or not the test lingers on it;
- ``check_documents`` then opens each one in a fresh context, as it was sent and with our own
  scripts and styles, and runs axe-core on it (a page already found clean in this run, same
  but for its CSRF token, is not checked again);
- the page the test ended on is checked as the person left it (after its htmx swaps).

The suite fails on any serious or critical violation. The API docs are Swagger UI's page, a
third party's, and are not checked."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import axe_playwright_python
from playwright.sync_api import Browser, BrowserContext, Page, Route
from playwright.sync_api import Request as BrowserRequest

SERIOUS = ("serious", "critical")
_AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_serious(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (axe-core is put in
    the page first, unless an init script already did)."""
    if not page.evaluate("!!window.axe"):
        page.evaluate(_AXE_SOURCE)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in SERIOUS]


def described(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:8])
        for v in violations
    )


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    found = axe_serious(page)
    assert not found, described(found)


def ours(url: str) -> bool:
    return "/api/" not in url


# What changes from one rendering of the same page to the next without changing the page: the
# CSRF token (in the form and in htmx's headers).
_VOLATILE = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]*|("X-CSRFToken": ?")[^"]*|(csrf-token" content=")[^"]*'
)
# Pages already checked and found clean in this run, by their normalised body: the login page
# every browser test passes through is checked once, not forty times.
_CLEAN: set[str] = set()


def _fingerprint(html: str) -> str:
    same = _VOLATILE.sub(lambda m: next(g for g in m.groups() if g is not None), html)
    return hashlib.sha1(same.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Recorder:
    """The HTML documents a browser context was sent for its pages, by body."""

    documents: dict[str, tuple[str, str]] = field(default_factory=dict)  # sha1 -> (url, html)

    def attach(self, context: BrowserContext) -> Recorder:
        # Matched by the browser driver, so a stylesheet or script never waits on Python.
        context.route(re.compile(r"^(?!.*/static/).*$"), self._route)
        return self

    def _route(self, route: Route, request: BrowserRequest) -> None:
        if not (request.is_navigation_request() and request.frame.parent_frame is None):
            route.fallback()
            return
        # Fetched here and handed to the page unchanged (redirects too, which the browser then
        # follows as a navigation of its own), so the body is kept even if the test moves on
        # before the page has finished loading.
        response = route.fetch(max_redirects=0)
        is_page = "text/html" in response.headers.get("content-type", "")
        if is_page and not 300 <= response.status < 400 and ours(request.url):
            html = response.text()
            self.documents.setdefault(_fingerprint(html), (request.url, html))
        route.fulfill(response=response)

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.documents.values()]


def check_documents(browser: Browser, documents: list[tuple[str, str]]) -> dict[str, list[dict]]:
    """axe-core's serious and critical violations in each (url, html) document, by URL.

    Each is opened at its own URL in a context with no session, its body as it was sent; only
    our static files are fetched (scripts and styles run as they did for the person), anything
    else the page would ask for is refused, so replaying a page changes nothing."""
    found: dict[str, list[dict]] = {}
    documents = [(url, html) for url, html in documents if _fingerprint(html) not in _CLEAN]
    if not documents:
        return found
    context = browser.new_context()
    context.add_init_script(script=_AXE_SOURCE)
    current: dict[str, str] = {}

    def serve(route: Route, request: BrowserRequest) -> None:
        if request.is_navigation_request() and request.url == current.get("url"):
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=current["html"])
        elif "/static/" in request.url:
            route.fallback()
        else:
            route.abort()

    context.route("**/*", serve)
    page = context.new_page()
    try:
        for url, html in documents:
            current.update(url=url, html=html)
            page.goto(url, wait_until="load")
            violations = axe_serious(page)
            if violations:
                found[url] = violations
            else:
                _CLEAN.add(_fingerprint(html))
    finally:
        context.close()
    return found


def found_described(found: dict[str, list[dict]]) -> str:
    return "\n\n".join(f"{url}\n{described(violations)}" for url, violations in found.items())
