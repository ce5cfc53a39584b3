"""The charter editor saves each section as the person types (Chromium): "Saving…", then
"Saved at HH:MM"; a refused save shows its errors with everything typed; a save that gets no
answer says so and keeps the text; the outline follows; axe finds nothing serious."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.axe import axe_serious
from tests.charters import helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_editor(live_server, login, project, pm):
    helpers.draft(project)
    page = login(pm)
    page.goto(f"{live_server.url}/projects/{project.pk}/charter/edit/")
    return page


def shoot(page: Page, name: str) -> None:
    """With SCREENSHOTS=<folder>, keep a picture of the editor as it is now, to look at."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def outline_item(page: Page, key: str):
    return page.locator(f'#charter-outline [data-section="section-{key}"]')


def test_typing_saves_the_section_by_itself_and_a_reload_shows_it(live_server, login, project, pm):
    page = open_editor(live_server, login, project, pm)
    problem = page.locator("#section-problem")
    expect(outline_item(page, "problem")).to_have_attribute("data-state", "empty")
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/sections/problem/" in r.url
    ) as answer:
        problem.get_by_label("Problem", exact=True).press_sequentially(
            "Invoices wait three days.", delay=20
        )
    # No button was pressed: htmx sent it once the typing stopped, with the CSRF token.
    assert answer.value.status == 200
    assert answer.value.request.headers.get("x-csrftoken")
    status = page.locator("#section-problem-status")
    expect(status.get_by_role("status")).to_have_text("Saved")
    expect(status).to_have_text(re.compile(r"^\s*Saved at \d\d:\d\d\s*$"))
    expect(page.locator("#charter-announcer")).to_have_text(
        re.compile(r"Problem and hypothesis saved at \d\d:\d\d")
    )
    # The outline and the meter followed, out of band.
    expect(outline_item(page, "problem")).to_have_attribute("data-state", "incomplete")
    expect(page.locator("#missing-list")).not_to_contain_text("Problem and hypothesis: problem")
    shoot(page, "autosave-saved")

    page.reload()
    problem = page.locator("#section-problem")
    expect(problem.get_by_label("Problem", exact=True)).to_have_value("Invoices wait three days.")
    expect(page.locator(".draft-restored")).to_have_count(0)  # the server has it: no local copy


def test_a_save_that_fails_says_so_in_the_section_and_keeps_the_text(
    live_server, login, project, pm
):
    page = open_editor(live_server, login, project, pm)
    problem = page.locator("#section-problem")
    field = problem.get_by_label("Problem", exact=True)

    page.route(
        "**/sections/problem/",
        lambda route: route.fulfill(status=500, body="<h1>Server Error (500)</h1>"),
    )
    field.fill("Invoices wait three days.")
    alert = problem.get_by_role("alert")
    expect(alert).to_have_text(
        "Not saved — something went wrong on our side; your text is kept. Try again in a moment."
    )
    expect(field).to_have_value("Invoices wait three days.")
    expect(page.get_by_text("Server Error (500)")).to_have_count(0)  # nothing swapped in
    expect(page.locator("[data-htmx-problem]")).to_have_count(0)  # said once, in the section
    page.unroute("**/sections/problem/")

    page.route("**/sections/problem/", lambda route: route.abort("internetdisconnected"))
    field.fill("Invoices wait three days for triage.")
    expect(alert).to_have_text("Not saved — check your connection; your text is kept.")
    expect(field).to_have_value("Invoices wait three days for triage.")
    expect(field).to_be_focused()  # the person goes on typing where they were
    shoot(page, "autosave-failed")
    page.unroute("**/sections/problem/")

    # Back online: the next pause in the typing saves it all.
    field.press_sequentially(" Daily.", delay=20)
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")
    expect(problem.get_by_role("alert")).to_have_count(0)
    page.reload()
    expect(page.locator("#section-problem").get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days for triage. Daily."
    )


def test_a_refused_save_click_puts_the_focus_on_the_first_error_and_marks_the_outline(
    live_server, login, project, pm
):
    page = open_editor(live_server, login, project, pm)
    metric = page.locator("#section-metric")
    metric.get_by_label("Metric name", exact=True).fill("Routing accuracy")
    metric.get_by_label("Direction", exact=True).select_option("higher")
    metric.get_by_label("Baseline", exact=True).fill("60")
    metric.get_by_label("Target", exact=True).fill("40")
    metric.get_by_role("button", name="Save success metric").click()

    error = page.locator("#id_metric_target_error")
    expect(error).to_have_text("Higher is better, so the target must be above the baseline (60).")
    target = page.locator("#section-metric").get_by_label("Target", exact=True)
    expect(target).to_be_focused()
    expect(target).to_have_attribute("aria-describedby", re.compile(r"\bid_metric_target_error\b"))
    expect(target).to_have_value("40")
    expect(page.locator("#section-metric").get_by_label("Metric name", exact=True)).to_have_value(
        "Routing accuracy"
    )
    expect(outline_item(page, "metric")).to_have_attribute("data-state", "errors")
    expect(outline_item(page, "metric").get_by_role("link")).to_have_accessible_name(
        re.compile("Success metric.*has errors")
    )
    shoot(page, "autosave-refused")

    # Another section saved meanwhile: the metric keeps its mark while its errors show.
    page.locator("#section-threshold").get_by_label("Sign-off threshold", exact=True).fill("75")
    expect(page.locator("#section-threshold").get_by_role("status")).to_have_text("Saved")
    expect(outline_item(page, "metric")).to_have_attribute("data-state", "errors")

    page.locator("#section-metric").get_by_label("Target", exact=True).fill("85")
    expect(page.locator("#section-metric").get_by_role("status")).to_have_text("Saved")
    expect(outline_item(page, "metric")).not_to_have_attribute("data-state", "errors")


def serious(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in axe_serious(page)
    ]


def test_axe_finds_nothing_serious_in_the_editor_saved_refused_or_failed(
    live_server, login, project, pm
):
    page = open_editor(live_server, login, project, pm)
    page.set_viewport_size({"width": 1366, "height": 700})  # the meter scrolls in its box
    assert serious(page) == []

    metric = page.locator("#section-metric")
    metric.get_by_label("Direction", exact=True).select_option("higher")
    metric.get_by_label("Baseline", exact=True).fill("60")
    metric.get_by_label("Target", exact=True).fill("40")
    expect(page.locator("#id_metric_target_error")).to_be_visible()
    page.locator("#section-problem").get_by_label("Problem", exact=True).fill("Slow triage")
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")
    page.route("**/sections/threshold/", lambda route: route.abort("internetdisconnected"))
    page.locator("#section-threshold").get_by_label("Sign-off threshold", exact=True).fill("7")
    expect(page.locator("#section-threshold").get_by_role("alert")).to_contain_text("Not saved")
    assert serious(page) == []


def test_what_is_typed_while_a_save_is_on_its_way_is_kept_and_saved_next(
    live_server, login, project, pm
):
    page = open_editor(live_server, login, project, pm)
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)  # answered below, once more has been typed

    page.route("**/sections/problem/", hold_the_first)
    field = page.locator("#section-problem").get_by_label("Problem", exact=True)
    field.press_sequentially("Invoices", delay=20)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the section was not saved by itself"
    field.press_sequentially(" wait three days.", delay=20)
    held[0].continue_()

    # The answer to "Invoices" is swapped in; the rest is still there and saved next.
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")
    field = page.locator("#section-problem").get_by_label("Problem", exact=True)
    expect(field).to_have_value("Invoices wait three days.")
    expect(field).to_be_focused()
    page.wait_for_timeout(1500)  # the follow-up save
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")
    page.unroute("**/sections/problem/")
    page.reload()
    expect(page.locator("#section-problem").get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days."
    )
