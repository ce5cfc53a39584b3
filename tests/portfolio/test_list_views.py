"""The project list's sortable columns and its kill-reason column."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portfolio.models import Project, Stage
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
LIST = reverse("portfolio:project-list")


def names(response) -> list[str]:
    return [p.name for p in response.context["projects"]]


@pytest.fixture
def listed(org):
    made = {}
    for name, stage in (("Bravo", Stage.POC), ("alpha", Stage.PILOT), ("Charlie", Stage.PROPOSED)):
        made[name] = ProjectFactory(organisation=org, name=name, stage=stage)
    return made


def test_a_column_sorts_both_ways_and_the_link_says_which(client, pm, listed):
    client.force_login(pm)
    assert names(client.get(LIST, {"sort": "name"})) == ["alpha", "Bravo", "Charlie"]
    response = client.get(LIST, {"sort": "-name"})
    assert names(response) == ["Charlie", "Bravo", "alpha"]
    html = response.content.decode()
    header = re.search(
        r'<th role="columnheader" scope="col" aria-sort="descending">\s*<a[^>]*data-testid="sort-name"',
        html,
    )
    assert header, "the sorted column says so to screen readers"
    # A second click on the sorted column reverses it; other parameters stay, the page resets.
    link = re.search(r'href="([^"]*)"[^>]*data-testid="sort-name"', html).group(1)
    assert "sort=name" in link and "page=" not in link


def test_an_unknown_sort_is_the_default_newest_activity_first(client, pm, listed):
    client.force_login(pm)
    assert client.get(LIST, {"sort": "password"}).status_code == 200
    newest_first = list(
        Project.objects.filter(pk__in=[p.pk for p in listed.values()])
        .order_by("-updated_at", "-id")
        .values_list("name", flat=True)
    )
    assert names(client.get(LIST, {"sort": "password"})) == newest_first


def test_the_sort_is_kept_across_pages(client, pm, org, settings):
    settings.GATEHOUSE_PAGE_SIZE = 2
    for name in ("d", "b", "e", "a", "c"):
        ProjectFactory(organisation=org, name=name)
    client.force_login(pm)
    first = client.get(LIST, {"sort": "name"})
    html = first.content.decode()
    assert names(first) == ["a", "b"]
    next_link = re.search(r'href="([^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "sort=name" in next_link
    assert names(client.get(f"{LIST}{next_link}")) == ["c", "d"]


def test_the_kill_reason_shows_in_its_own_column_when_killed_projects_are_listed(
    client, pm, org, listed
):
    dead = ProjectFactory(organisation=org, name="Legacy chatbot", stage=Stage.KILLED)
    Project.objects.filter(pk=dead.pk).unaudited_update(kill_reason="metric_not_reached")
    client.force_login(pm)
    html = client.get(LIST, {"stage": "killed"}).content.decode()
    assert '<th role="columnheader" scope="col">Kill reason</th>' in html
    assert re.search(r'data-testid="kill-reason">Metric not reached<', html)
    assert "Kill reason" not in client.get(LIST, {"stage": "poc"}).content.decode()


def test_owners_are_named_not_initialled(client, pm, org, executive):
    ProjectFactory(organisation=org, name="Invoice triage", pm=pm, decision_maker=executive)
    client.force_login(pm)
    html = client.get(LIST).content.decode()
    assert re.search(r"Pat Manager <span class=\"owner-role\">PM</span>", html)
    assert "no business owner" in html


def test_stages_sort_in_the_order_a_project_lives_them(client, pm, org):
    for name, stage in (
        ("Dead", Stage.KILLED),
        ("Live", Stage.PRODUCTION),
        ("Trial", Stage.PILOT),
        ("Idea", Stage.PROPOSED),
        ("Sketch", Stage.POC),
    ):
        ProjectFactory(organisation=org, name=name, stage=stage)
    client.force_login(pm)
    lifecycle = ["Idea", "Sketch", "Trial", "Live", "Dead"]
    assert names(client.get(LIST, {"sort": "stage"})) == lifecycle
    assert names(client.get(LIST, {"sort": "-stage"})) == lifecycle[::-1]
