"""The charter editor as a screen reader and an autosaving section see it: every
``aria-describedby`` names an element that is there, a refused section keeps what was typed and
its messages, a saved one says when, and the outline tells each section's state."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.charters import helpers

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, project, **kw):
    return reverse(f"charters:{name}", kwargs={"project_pk": project.pk, **kw})


class _Ids(HTMLParser):
    """The ids on a page and, per element id, the ids its aria-describedby names."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: dict[str, list[str]] = {}
        self.autofocus: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described_by[attrs.get("id", tag)] = attrs["aria-describedby"].split()
        if "autofocus" in attrs:
            self.autofocus.append(attrs.get("id", tag))


def parse(html: str) -> _Ids:
    ids = _Ids()
    ids.feed(html)
    return ids


def dangling(html: str) -> dict[str, list[str]]:
    page = parse(html)
    return {
        element: [ref for ref in refs if ref not in page.ids]
        for element, refs in page.described_by.items()
        if any(ref not in page.ids for ref in refs)
    }


REFUSED_METRIC = {
    "metric-metric_name": "Routing accuracy",
    "metric-metric_direction": "higher",
    "metric-metric_baseline": "60",
    "metric-metric_target": "40",
    "metric-metric_method": "Sampled weekly",
}


def test_a_refused_fields_error_is_what_its_input_is_described_by(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    html = client.post(
        url("section", project, section="metric"), REFUSED_METRIC, **HTMX
    ).content.decode()
    page = parse(html)
    assert "id_metric_target_error" in page.ids
    assert "id_metric_target_error" in page.described_by["id_metric_target"]
    assert 'aria-invalid="true"' in html
    assert dangling(html) == {}


def test_no_input_in_the_editor_is_described_by_a_missing_element(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    html = client.get(url("edit", project)).content.decode()
    assert parse(html).described_by  # the suffixes and help texts are named
    assert dangling(html) == {}


def test_a_refused_plain_post_puts_the_first_error_in_focus(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(url("section", project, section="metric"), REFUSED_METRIC)
    assert response.status_code == 422
    assert parse(response.content.decode()).autofocus == ["id_metric_target"]


def test_the_editor_page_itself_focuses_nothing(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    assert parse(client.get(url("edit", project)).content.decode()).autofocus == []


def test_a_refused_row_names_its_error_too(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(url("row-add", project, kind="data_sources"), {}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    page = parse(html)
    assert any(ref.endswith("_error") for refs in page.described_by.values() for ref in refs)
    assert dangling(html) == {}


# --- autosave: what the section endpoint answers to htmx as the person types ---------------


def outline_state(html: str, key: str) -> str:
    import re

    match = re.search(rf'data-state="(\w+)" data-section="section-{key}"', html)
    assert match, f"no outline item for {key}"
    return match.group(1)


def test_each_section_form_saves_itself_and_still_has_its_save_button(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    html = client.get(url("edit", project)).content.decode()
    assert html.count('hx-trigger="input changed delay:800ms, change, submit"') == 11
    assert "Save problem and hypothesis</button>" in html  # without JavaScript, the way to save
    assert 'src="/static/js/charter_editor.js"' in html


def test_an_autosave_answers_the_section_saved_with_the_time_and_the_outline(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    before = client.get(url("edit", project)).content.decode()
    assert outline_state(before, "problem") == "empty"
    response = client.post(
        url("section", project, section="problem"),
        {"problem-problem": "Slow triage", "problem-hypothesis": "", "problem-business_value": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="badge badge-success" role="status">Saved</span>' in html
    assert "<time datetime=" in html
    # The outline comes along out of band: half filled in is "still to fill in".
    assert 'id="charter-outline" aria-label="Charter sections" hx-swap-oob="true"' in html
    assert outline_state(html, "problem") == "incomplete"
    version.refresh_from_db()
    assert version.problem == "Slow triage"

    html = client.post(
        url("section", project, section="problem"),
        {
            "problem-problem": "Slow triage",
            "problem-hypothesis": "LLM routes 80%",
            "problem-business_value": "2 FTE",
        },
        **HTMX,
    ).content.decode()
    assert outline_state(html, "problem") == "complete"


def test_a_refused_autosave_keeps_the_typed_values_and_the_messages(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = client.post(url("section", project, section="metric"), REFUSED_METRIC, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "the target must be above the baseline (60)" in html
    assert 'value="Routing accuracy"' in html and 'value="40"' in html
    assert "Sampled weekly" in html
    assert 'role="status">Not saved</span>' in html and ">Saved<" not in html
    assert outline_state(html, "metric") == "errors"
    version.refresh_from_db()
    assert version.metric_name in ("", None)  # nothing of a refused section is stored


def test_an_autosave_with_a_number_that_is_not_one_is_a_message_not_a_500(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        url("section", project, section="metric"),
        {**REFUSED_METRIC, "metric-metric_baseline": "sixty"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_metric_baseline_error"' in html
    assert 'value="sixty"' in html
