"""axe-core in the browser tests (axe-playwright-python ships axe-core; nothing from a CDN).

Every page a browser test visits is checked, not only the one it ends on:

- ``Recorder`` sits in the test's browser context and keeps each HTML document the browser is
  sent for its top frame (a link followed, a form posted, a redirect's target, an error page),
  once per distinct body, whether or not the test lingers on it;
- ``check_documents`` then opens each one in a fresh context, as it was sent and with our own
  scripts and styles, and runs axe-core on it;
- the page the test ended on is checked as the person left it (after its htmx swaps).

The suite fails on any serious or critical violation. The API docs are Swagger UI's page, a
third party's, and are not checked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Route
from playwright.sync_api import Request as BrowserRequest

SERIOUS = ("serious", "critical")


def axe_serious(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in SERIOUS]


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


@dataclass
class Recorder:
    """The HTML documents a browser context was sent for its pages, by body."""

    documents: dict[str, tuple[str, str]] = field(default_factory=dict)  # sha1 -> (url, html)

    def attach(self, context: BrowserContext) -> Recorder:
        context.route("**/*", self._route)
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
            key = hashlib.sha1(html.encode(), usedforsecurity=False).hexdigest()
            self.documents.setdefault(key, (request.url, html))
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
    if not documents:
        return found
    context = browser.new_context()
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
    finally:
        context.close()
    return found


def found_described(found: dict[str, list[dict]]) -> str:
    return "\n\n".join(f"{url}\n{described(violations)}" for url, violations in found.items())
