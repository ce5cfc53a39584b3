"""A PM writes a charter in Chromium, the signers sign it, an amendment moves the goalposts."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str, **kwargs) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, **kwargs)


def save(section, button: str):
    section.get_by_role("button", name=button).click()


def fill_section(page, key: str, values: dict, button: str):
    # After a click that opened the editor, its fields can be there before its scripts have run
    # (a click waits for the page to start loading): the saves as one types need them.
    page.wait_for_load_state("load")
    section = page.locator(f"#section-{key}")
    for label, value in values.items():
        field = section.get_by_label(label, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    save(section, button)
    expect(page.locator(f"#section-{key}").get_by_role("status")).to_have_text("Saved")
    return page.locator(f"#section-{key}")


def sign_as(login, live_server, person, project):
    page = login(person)
    page.goto(f"{live_server.url}/")
    waiting = page.get_by_role("region", name="Waiting for your signature")
    expect(waiting).to_contain_text(project.name)
    waiting.get_by_role("link", name="Read and sign").click()
    page.get_by_role("button", name=re.compile(r"^Sign version")).click()
    expect(page.locator(".messages")).to_contain_text("Signed")
    page.context.clear_cookies()
    return page


def test_pm_writes_signers_sign_and_an_amendment_moves_the_goalposts(
    live_server, login, project, pm, executive, org
):
    producer = member(org, "viewer", full_name="Paolo Production")
    member(org, "viewer", full_name="Enya Engineer")
    compliance = member(org, "viewer", full_name="Cora Compliance")
    today = timezone.localdate()

    def d(days):
        return (today + timedelta(days=days)).isoformat()

    page = login(pm)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("button", name="Start the charter").click()
    expect(page.get_by_role("heading", name=f"Charter for {project.name}")).to_be_visible()
    expect(page.get_by_test_id("completeness")).to_contain_text("%")

    fill_section(
        page,
        "problem",
        {
            "Problem": "Invoices wait three days for manual triage.",
            "Hypothesis": "An LLM routes 80% of invoices correctly.",
            "Business value if it works": "Two FTE freed; invoices paid on time.",
        },
        "Save problem and hypothesis",
    )

    # A mistake: the target is below the baseline although higher is better.
    metric = page.locator("#section-metric")
    metric.get_by_label("Metric name", exact=True).fill("Routing accuracy")
    metric.get_by_label("Unit", exact=True).fill("%")
    metric.get_by_label("Direction", exact=True).select_option("higher")
    metric.get_by_label("Baseline", exact=True).fill("60")
    metric.get_by_label("Target", exact=True).fill("50")
    metric.get_by_label("How it is measured", exact=True).fill("Weekly sample of 200 invoices")
    save(metric, "Save success metric")
    error = page.locator("#id_metric_target_error")
    expect(error).to_contain_text("the target must be above the baseline (60)")
    # Everything typed is still there, and nothing else on the page moved.
    expect(metric.get_by_label("Metric name", exact=True)).to_have_value("Routing accuracy")
    expect(metric.get_by_label("How it is measured", exact=True)).to_have_value(
        "Weekly sample of 200 invoices"
    )
    expect(page.locator("#section-problem").get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days for manual triage."
    )
    shoot(page, "editor-error")
    metric.get_by_label("Target", exact=True).fill("85")
    save(metric, "Save success metric")
    expect(page.locator("#section-metric").get_by_role("status")).to_have_text("Saved")
    expect(page.locator("#missing-list")).not_to_contain_text("Success metric")

    fill_section(page, "threshold", {"Sign-off threshold": "75"}, "Save sign-off threshold")
    fill_section(page, "kill", {"Kill deadline": d(35)}, "Save kill condition")
    fill_section(
        page,
        "targets",
        {"P95 latency target (ms)": "2000", "Cost per call target": "0.08"},
        "Save latency and cost targets",
    )
    data = page.locator("#section-data")
    data.get_by_label("Source", exact=True).fill("SAP invoices")
    data.get_by_label("Owner", exact=True).fill("Finance IT")
    data.get_by_label("Residency constraint", exact=True).fill("EU only")
    data.get_by_role("button", name="Add data source").click()
    expect(page.locator("#section-data table")).to_contain_text("SAP invoices")
    integration = page.locator("#section-integration")
    integration.get_by_label("Downstream system", exact=True).fill("AP workflow")
    integration.get_by_label("Owning team", exact=True).fill("Finance IT")
    integration.get_by_role("button", name="Add integration").click()
    expect(page.locator("#section-integration table")).to_contain_text("AP workflow")
    fill_section(
        page,
        "compliance",
        {
            "Compliance reviewer": compliance.full_name,
            "Data classification": "Internal",
            "Compliance review due": d(5),
        },
        "Save compliance",
    )
    fill_section(
        page,
        "evaluation",
        {
            "Labelled set size (items)": "500",
            "Labelled set source": "Last quarter's invoices",
            "Baseline score": "0.6",
            "Harness location": "https://git.example.com/ap/eval",
        },
        "Save evaluation plan",
    )
    fill_section(
        page,
        "production",
        {
            "Change management": "AP team trained in week 6.",
            "Operations plan": "Platform team on call.",
            "Operations budget per year": "40000",
            "Executive sponsor": executive.full_name,
        },
        "Save production plan",
    )
    fill_section(
        page,
        "cost",
        {
            "Monthly cost at 1× scale": "800",
            "Monthly cost at 5× scale": "3500",
            "Monthly cost at 20× scale": "12000",
            "Dominant cost driver": "LLM tokens",
        },
        "Save cost model",
    )
    fill_section(
        page,
        "owners",
        {"Production owner": producer.full_name, "Engineering owner": "Enya Engineer"},
        "Save owners",
    )
    fill_section(
        page,
        "timebox",
        {"Timebox start": d(0), "Timebox end": d(42), "Decision date": d(45)},
        "Save timebox",
    )
    expect(page.get_by_test_id("completeness")).to_have_text("100%")
    shoot(page, "editor-complete")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_test_id("charter-status")).to_have_text("In review")
    page.context.clear_cookies()

    sign_as(login, live_server, executive, project)
    page = sign_as(login, live_server, producer, project)

    page = login(pm)
    page.goto(f"{live_server.url}/projects/{project.pk}/charter/")
    expect(page.get_by_test_id("charter-status")).to_have_text("Approved")
    if os.environ.get("SCREENSHOTS"):
        page.emulate_media(media="print")
        shoot(page, "charter-print")
        page.pdf(path=str(Path(os.environ["SCREENSHOTS"]) / "charter.pdf"), format="A4")
        page.emulate_media(media="screen")

    # The amendment lowers the threshold.
    page.get_by_role("button", name="Amend").click()
    fill_section(page, "threshold", {"Sign-off threshold": "70"}, "Save sign-off threshold")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_test_id("charter-status")).to_have_text("In review")
    page.context.clear_cookies()
    sign_as(login, live_server, executive, project)
    sign_as(login, live_server, producer, project)

    page = login(pm)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_test_id("goalposts")).to_have_text("goalposts moved 1×")
    page.goto(f"{live_server.url}/projects/?q={project.name}")
    row = page.get_by_role("row").filter(has_text=project.name)
    expect(row.get_by_test_id("goalposts")).to_contain_text("goalposts moved 1×")
    shoot(page, "project-list-goalposts")
    page.goto(f"{live_server.url}/projects/{project.pk}/charter/history/")
    expect(page.get_by_test_id("diff")).to_contain_text("Sign-off threshold")


PROBLEM_SAVES = "**/sections/problem/"


def problem_saves_fail(page) -> None:
    """The problem section's saves do not get through, as when offline (until unrouted)."""
    page.route(PROBLEM_SAVES, lambda route: route.abort("connectionfailed"))


def reload_back_online(page):
    """Reload the editor with the saves getting through again; returns the problem section."""
    page.reload()
    page.unroute(PROBLEM_SAVES)
    return page.locator("#section-problem")


def test_typed_but_unsaved_charter_text_survives_a_reload_until_saved_or_discarded(
    live_server, login, project, pm
):
    from tests.charters import helpers

    helpers.draft(project)
    page = login(pm)
    editor = f"{live_server.url}/projects/{project.pk}/charter/edit/"
    page.goto(editor)
    # The editor saves as the person types; here the saves do not get through (as offline).
    problem_saves_fail(page)
    problem = page.locator("#section-problem")
    problem.get_by_label("Problem", exact=True).fill("Invoices wait three days for triage.")
    data = page.locator("#section-data")
    data.get_by_label("Source", exact=True).fill("SAP invoices")
    expect(problem.get_by_role("alert")).to_contain_text("Not saved")

    problem = reload_back_online(page)
    expect(problem.get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days for triage."
    )
    expect(problem.locator(".draft-restored")).to_contain_text("not saved yet")
    shoot(page, "charter-draft-restored")
    expect(page.locator("#section-data").get_by_label("Source", exact=True)).to_have_value(
        "SAP invoices"
    )

    # Adding the data source swaps its section; the restored problem text is untouched.
    page.locator("#section-data").get_by_role("button", name="Add data source").click()
    expect(page.locator("#section-data table")).to_contain_text("SAP invoices")
    expect(page.locator("#section-data").get_by_label("Source", exact=True)).to_have_value("")
    problem.get_by_role("button", name="Save problem and hypothesis").click()
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")

    page.reload()  # everything is on the server now: nothing to restore
    expect(page.locator(".draft-restored")).to_have_count(0)
    problem = page.locator("#section-problem")
    expect(problem.get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days for triage."
    )

    # A second thought, not saved (offline again), then discarded: the saved text comes back.
    problem_saves_fail(page)
    problem.get_by_label("Problem", exact=True).fill("Something I will regret")
    problem = reload_back_online(page)
    expect(problem.get_by_label("Problem", exact=True)).to_have_value("Something I will regret")
    problem.get_by_role("button", name="Discard my changes").click()
    expect(problem.get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days for triage."
    )
    page.reload()
    expect(page.locator(".draft-restored")).to_have_count(0)


def test_a_restored_copy_says_so_when_the_section_was_saved_since_it_was_typed(
    live_server, login, project, pm
):
    """Typed offline, then the same section saved from elsewhere: the restored copy warns that
    saving it would replace that, and discarding it shows what is saved now."""
    from charters import services
    from tests.charters import helpers

    version = helpers.draft(project)
    page = login(pm)
    page.goto(f"{live_server.url}/projects/{project.pk}/charter/edit/")
    problem_saves_fail(page)
    problem = page.locator("#section-problem")
    problem.get_by_label("Problem", exact=True).fill("Typed on the train, never sent.")
    expect(problem.get_by_role("alert")).to_contain_text("Not saved")

    # Meanwhile the same section is saved from another tab.
    services.charter_save_sections(
        version=version, data={"problem": "Saved from the office."}, by=pm
    )
    problem = reload_back_online(page)
    expect(problem.get_by_label("Problem", exact=True)).to_have_value(
        "Typed on the train, never sent."
    )
    expect(problem.locator(".draft-restored")).to_contain_text("saved since you started typing")
    problem.get_by_role("button", name="Discard my changes").click()
    expect(problem.get_by_label("Problem", exact=True)).to_have_value("Saved from the office.")
    page.reload()
    expect(page.locator(".draft-restored")).to_have_count(0)


def test_a_refused_section_sent_with_htmx_is_a_422_shown_in_place_with_what_was_typed(
    live_server, login, project, pm
):
    from tests.charters import helpers

    helpers.draft(project)
    page = login(pm)
    editor = f"{live_server.url}/projects/{project.pk}/charter/edit/"
    page.goto(editor)
    metric = page.locator("#section-metric")
    metric.get_by_label("Metric name", exact=True).fill("Routing accuracy")
    metric.get_by_label("Direction", exact=True).select_option("higher")
    metric.get_by_label("Baseline", exact=True).fill("60")
    metric.get_by_label("Target", exact=True).fill("40")
    # Choosing the direction already saved the section as it stood (the editor saves as the
    # person types): wait for the answer to the save that carries the target.
    with page.expect_response(
        lambda r: (
            r.request.method == "POST"
            and "/sections/metric/" in r.url
            and "metric_target=40" in (r.request.post_data or "")
        )
    ) as answer:
        save(metric, "Save success metric")
    # Refused with a real 422, sent by htmx, and swapped in place all the same.
    assert answer.value.status == 422
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(metric.locator("#id_metric_target_error")).to_contain_text(
        "the target must be above the baseline (60)"
    )
    expect(metric.get_by_label("Metric name", exact=True)).to_have_value("Routing accuracy")
    expect(metric.get_by_label("Baseline", exact=True)).to_have_value("60")
    expect(metric.get_by_label("Target", exact=True)).to_have_value("40")
    expect(page.locator("[data-htmx-problem]")).to_have_count(0)  # refused is not "not saved"
    assert page.url == editor


def test_a_submit_sent_with_htmx_loads_the_charter_and_back_returns_to_the_editor(
    live_server, login, project, pm
):
    from tests.charters import helpers

    helpers.complete_draft(project)
    page = login(pm)
    editor = f"{live_server.url}/projects/{project.pk}/charter/edit/"
    page.goto(editor)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Submit for sign-off").click()
    assert answer.value.status == 200 and "hx-location" in answer.value.headers
    expect(page.get_by_test_id("charter-status")).to_have_text("In review")
    expect(page.locator(".messages")).to_contain_text("Submitted for sign-off.")
    expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/charter/")
    page.go_back()
    expect(page).to_have_url(editor)


def test_when_a_save_gets_no_usable_answer_the_form_says_so_and_keeps_what_was_typed(
    live_server, login, project, pm
):
    from tests.charters import helpers

    helpers.draft(project)
    page = login(pm)
    page.goto(f"{live_server.url}/projects/{project.pk}/charter/edit/")
    problem = page.locator("#section-problem")
    problem.get_by_label("Problem", exact=True).fill("Invoices wait three days for triage.")

    problem_saves_fail(page)
    save(problem, "Save problem and hypothesis")
    # The section says it itself (static/js/charter_editor.js), once: not also app.js's note.
    expect(problem.get_by_role("alert")).to_have_text(
        "Not saved — check your connection; your text is kept."
    )
    expect(page.locator("[data-htmx-problem]")).to_have_count(0)
    page.unroute(PROBLEM_SAVES)

    page.route(
        PROBLEM_SAVES,
        lambda route: route.fulfill(status=500, body="<h1>Server Error (500)</h1>"),
    )
    save(problem, "Save problem and hypothesis")
    alert = problem.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Not saved — something went wrong on our side")
    expect(alert).to_contain_text("your text is kept")
    expect(problem.get_by_label("Problem", exact=True)).to_have_value(
        "Invoices wait three days for triage."
    )
    expect(page.get_by_text("Server Error (500)")).to_have_count(0)  # not swapped in
    shoot(page, "charter-save-failed")
    page.unroute(PROBLEM_SAVES)

    save(problem, "Save problem and hypothesis")
    expect(page.locator("#section-problem").get_by_role("status")).to_have_text("Saved")
    expect(page.locator("[data-htmx-problem]")).to_have_count(0)


def test_risk_flags_read_as_short_badges_in_the_list_and_in_full_on_the_project(
    live_server, login, project, pm, org
):
    from tests.charters import helpers
    from tests.factories import ProjectFactory

    helpers.approved(project)  # a complete charter: no flags
    sketchy = ProjectFactory(organisation=org, pm=pm, name="Sketchy PoC")
    helpers.quick_version(sketchy)  # no harness, no targets, no value, no decision date…

    page = login(pm)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/projects/")
    row = page.get_by_role("row").filter(has_text="Sketchy PoC")
    expect(row.get_by_test_id("risk-flag")).to_have_count(3)
    expect(row.get_by_test_id("risk-flag").nth(1)).to_contain_text("no eval")
    more = row.get_by_test_id("risk-flags-more")
    expect(more).to_contain_text("+3 more")
    expect(more).to_have_attribute("title", re.compile(r"^More risk flags: .*No decision date"))
    clean = page.get_by_role("row").filter(has_text=project.name)
    expect(clean.get_by_test_id("risk-flag")).to_have_count(0)
    shoot(page, "project-list-risk-flags")

    row.get_by_role("link", name="Sketchy PoC").click()
    flags = page.get_by_label("Risk flags")
    expect(flags).to_contain_text("No evaluation harness or labelled set")
    expect(flags).to_contain_text("Compliance not reviewed in week 1")
    shoot(page, "project-page-risk-flags")
