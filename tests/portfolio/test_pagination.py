"""Deep pages of the project list: the ids-first pagination shows the same rows, in the same
order, as slicing the full list did (``Paginator`` over the annotated, joined queryset)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from portfolio.models import Project, Stage
from portfolio.pagination import IdsFirstPaginator
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LIST = "/projects/"
PAGE_SIZE = 4
STAGES = [Stage.PROPOSED, Stage.POC, Stage.POC, Stage.PILOT, Stage.PRODUCTION, Stage.KILLED]


@pytest.fixture
def portfolio(org, other_org, pm, settings):
    """31 projects in two organisations, many sharing their last activity (ties broken by id)
    and some stalled, so the order has to be reproduced exactly, not approximately."""
    settings.GATEHOUSE_PAGE_SIZE = PAGE_SIZE
    now = timezone.now()
    for i in range(31):
        project = ProjectFactory(
            organisation=org if i % 3 else other_org,
            name=f"Project {i:02d}",
            pm=pm,
            stage=STAGES[i % len(STAGES)],
        )
        # Five distinct activity times for 31 projects: most rows tie with others.
        Project.objects.filter(pk=project.pk).unaudited_update(
            updated_at=now - timedelta(days=7 * (i % 5))
        )


def old_pages(queryset) -> list[list[str]]:
    paginator = Paginator(queryset, PAGE_SIZE)
    return [[p.name for p in paginator.page(n).object_list] for n in paginator.page_range]


def shown_pages(client, query: str) -> list[list[str]]:
    pages = []
    number = 1
    while True:
        response = client.get(f"{LIST}?{query}&page={number}")
        page = response.context["page_obj"]
        pages.append([p.name for p in response.context["projects"]])
        if not page.has_next():
            return pages
        number += 1


@pytest.mark.parametrize(
    "query, narrow",
    [
        ("", {}),
        ("stage=poc", {"stage": Stage.POC}),
        ("attention=stalled", {"stalled": True}),
        ("q=Project+1", {"name__icontains": "Project 1"}),
    ],
)
def test_every_page_shows_the_rows_the_full_slice_showed(client, partner, portfolio, query, narrow):
    client.force_login(partner)
    expected = old_pages(Project.objects.with_people().with_states().filter(**narrow))
    assert sum(len(p) for p in expected) > PAGE_SIZE  # more than one page, or the test says little
    assert shown_pages(client, query) == expected


def test_a_member_pages_through_their_organisation_only(client, pm, org, portfolio):
    client.force_login(pm)
    expected = old_pages(Project.objects.with_people().with_states().filter(organisation=org))
    assert shown_pages(client, f"organisation={org.pk}") == expected


def test_the_page_reads_ids_first_and_loads_only_its_rows(org, portfolio):
    queryset = Project.objects.with_people().with_states()
    page = IdsFirstPaginator(queryset, PAGE_SIZE).page(3)
    assert [p.name for p in page.object_list] == old_pages(queryset)[2]
    # The page's rows carry what the list shows: people joined, states annotated.
    first = page.object_list[0]
    assert "pm" in first._state.fields_cache
    assert hasattr(first, "overdue")
