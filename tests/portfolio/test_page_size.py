"""The project list's HTML does not grow with the firm: no select with every person, no loop over
every page number. Measured for a partner (who sees every organisation) and a member, at 100
and at 2,000 projects (with twenty times the people)."""

from __future__ import annotations

import re

import pytest

from portfolio.models import Membership, Organisation, Project, User
from portfolio.querysets import write_history

pytestmark = pytest.mark.django_db

LIST = "/projects/"


def grow(orgs: list[Organisation], projects: int, people_per_org: int) -> None:
    """Add rows until the firm has ``projects`` projects and ``people_per_org`` members in each
    organisation. Names have a fixed width so the HTML compares like with like."""
    have = Project.objects.count()
    for org in orgs:
        members = Membership.objects.filter(organisation=org).count()
        new = User.objects.bulk_create(
            User(email=f"p{org.pk}-{i:05d}@firm.test", full_name=f"Person {org.pk}-{i:05d}")
            for i in range(members, people_per_org)
        )
        for user in new:
            write_history(Membership(organisation=org, user=user, role="viewer"))
    pm = {
        org.pk: Membership.objects.filter(organisation=org).values_list("user_id", flat=True)[0]
        for org in orgs
    }
    for i in range(have, projects):
        org = orgs[i % len(orgs)]
        write_history(
            Project(
                organisation=org,
                name=f"Project {i:05d}",
                slug=f"project-{i:05d}",
                pm_id=pm[org.pk],
                decision_maker_id=pm[org.pk],
            )
        )


@pytest.fixture
def orgs(db):
    return [
        Organisation.objects.create(name=f"Organisation {i:02d}", slug=f"organisation-{i:02d}")
        for i in range(5)
    ]


@pytest.mark.parametrize("who", ["partner", "member"])
def test_the_list_page_is_the_same_size_at_100_and_2000_projects(client, orgs, who):
    grow(orgs, projects=100, people_per_org=10)
    if who == "partner":
        visitor = User.objects.create(email="partner@firm.test", is_partner=True)
    else:
        visitor = User.objects.create(email="member@firm.test")
        for org in orgs[:3]:
            write_history(Membership(organisation=org, user=visitor, role="pm"))
    client.force_login(visitor)
    small = client.get(LIST, {"page": 2}).content
    grow(orgs, projects=2000, people_per_org=200)
    large = client.get(LIST, {"page": 2}).content
    assert Project.objects.count() == 2000
    # The rows' own text, the counts ("26–50 of 100" / "of 2000") and the page window's last
    # number differ by a few hundred bytes; an option per person (1,000 people) or a link per
    # page (80 pages) would add 12 to 60 kilobytes.
    assert abs(len(large) - len(small)) < 2000, (len(small), len(large))
    # The owner filter offers nobody until an organisation is chosen (several are visible),
    # then that organisation's people.
    assert owner_options(large.decode()) == ["Anyone"]
    chosen = client.get(LIST, {"organisation": orgs[0].pk}).content.decode()
    members = Membership.objects.filter(organisation=orgs[0]).count()
    assert len(owner_options(chosen)) == 1 + members


def owner_options(html: str) -> list[str]:
    select = re.search(r'<select name="owner"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no owner filter on the page"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))
