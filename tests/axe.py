"""axe-core in the browser tests (axe-playwright-python ships axe-core; nothing from a CDN).

Every page a browser test visits is checked, not only the one it ends on:

- ``Recorder`` sits in the test's browser context and keeps each HTML document the browser is
  sent for its top frame (a link followed, a form posted, a redirect's target, an error page),
  once per distinct body, whether or not the test lingers on it;
- ``check_documents`` then opens each one in a fresh context, as it was sent and with our own
  scripts and styles, and runs axe-core on it (a page already found clean in this run, same
  but for its CSRF token, is not checked again);
- each state htmx leaves a page in (a list filtered in place, a section saved or refused, a
  panel loaded) is kept too: once the swaps settle, the page sends its DOM to the recorder, and
  it is checked the same way;
- the page the test ended on is checked as the person left it.

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


# Transitions and animations that end (a panel fading back in after an update): axe-core runs
# once they have, since it measures contrast on the colours of the moment. A spinner's endless
# turn is not waited for.
_SETTLED = """() => Promise.all(document.getAnimations()
  .filter(a => a.effect && Number.isFinite(a.effect.getComputedTiming().endTime))
  .map(a => a.finished.catch(() => null)))"""


def axe_serious(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now, once its fades have
    ended (axe-core is put in the page first, unless an init script already did)."""
    page.evaluate(_SETTLED)
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
    r"|(&quot;X-CSRFToken&quot;: ?&quot;)[^&]*"  # the same header, as the DOM serialises it
)
# Pages already checked and found clean in this run, by their normalised body: the login page
# every browser test passes through is checked once, not forty times.
_CLEAN: set[str] = set()


def _fingerprint(html: str) -> str:
    same = _VOLATILE.sub(lambda m: next(g for g in m.groups() if g is not None), html)
    return hashlib.sha1(same.encode(), usedforsecurity=False).hexdigest()


# In every page of a recorded context: once htmx's swaps have settled and no request of its is
# on its way (a swap and its out-of-band parts settle one by one, and a page can load panels
# after it loads), the page hands a copy of its DOM to the recorder, without htmx's passing
# classes (a panel dimmed while it loads is not the state it is left in). The page does not wait
# for the answer, so a test is never held up by it.
_AFTER_SWAPS = """(() => {
  let timer = null, busy = 0;
  const PASSING = ['htmx-request', 'htmx-settling', 'htmx-swapping', 'htmx-added'];
  const send = () => {
    const hand = window.__gatehouseAxeSwapped;
    if (busy > 0 || !hand) return;
    const copy = document.documentElement.cloneNode(true);
    for (const name of PASSING) {
      copy.querySelectorAll('.' + name).forEach(el => el.classList.remove(name));
    }
    hand(location.href, copy.outerHTML).catch(() => {});
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(send, 100); };
  document.addEventListener('htmx:beforeRequest', () => { busy += 1; });
  document.addEventListener('htmx:afterRequest', () => { busy = Math.max(0, busy - 1); later(); });
  document.addEventListener('htmx:afterSettle', later);
})();"""


@dataclass
class Recorder:
    """The HTML documents a browser context was sent for its pages, and the states htmx left
    them in, by body."""

    documents: dict[str, tuple[str, str]] = field(default_factory=dict)  # sha1 -> (url, html)
    swapped: dict[str, tuple[str, str]] = field(default_factory=dict)  # the same, after swaps

    def attach(self, context: BrowserContext) -> Recorder:
        # Matched by the browser driver, so a stylesheet or script never waits on Python.
        context.route(re.compile(r"^(?!.*/static/).*$"), self._route)
        context.expose_binding("__gatehouseAxeSwapped", self._swapped)
        context.add_init_script(script=_AFTER_SWAPS)
        return self

    def _swapped(self, source: dict, url: str, html: str) -> None:
        if ours(url):
            url = url.split("#", 1)[0]  # a request never carries the fragment: replay without
            html = "<!DOCTYPE html>\n" + html  # outerHTML leaves it out: no quirks mode
            self.swapped.setdefault(_fingerprint(html), (url, html))

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

    @property
    def everything(self) -> list[tuple[str, str]]:
        """Every page as it was sent and every state htmx left one in: what to check."""
        return [*self.documents.values(), *self.swapped.values()]


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
