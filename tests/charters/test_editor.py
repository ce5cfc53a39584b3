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
