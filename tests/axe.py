"""axe-core in the browser tests (axe-playwright-python ships axe-core; nothing from a CDN): the
serious and critical violations of the page as it stands, and a readable list of them."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page


def axe_serious(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


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
