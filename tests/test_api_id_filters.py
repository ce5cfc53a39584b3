"""Id filters across every list endpoint: guessing another organisation's ids tells nothing.

An id of another organisation's object, an id of nothing and an id too large for any database
column all give the same empty list; only a value that is not a whole number is a 400."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from decisions.models import Gate
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# (endpoint, query parameter, how to get a foreign object's id)
ENDPOINTS = [
    ("api:charter-list", "project", lambda foreign: foreign.pk),
    ("api:charter-version-list", "project", lambda foreign: foreign.pk),
    ("api:gate-list", "project", lambda foreign: foreign.pk),
    ("api:measurement-list", "project", lambda foreign: foreign.pk),
    ("api:decision-list", "project", lambda foreign: foreign.pk),
    ("api:criterion-list", "gate", lambda foreign: Gate.objects.get(project=foreign).pk),
]


@pytest.fixture
def foreign(other_org, outsider):
    from portfolio.services import project_create

    return project_create(organisation=other_org, by=outsider, name="Their secret PoC")


@pytest.mark.parametrize(("name", "param", "foreign_id"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_a_foreign_id_reads_like_an_unknown_one(pm, foreign, name, param, foreign_id):
    client = APIClient()
    client.force_login(pm)
    url = reverse(name)
    answers = {
        label: client.get(url, {param: value})
        for label, value in {
            "foreign": foreign_id(foreign),
            "unknown": 987654,
            "beyond any column": "99999999999999999999999",
        }.items()
    }
    for label, response in answers.items():
        assert response.status_code == 200, (label, response.content[:200])
        assert response.json()["results"] == [], label


@pytest.mark.parametrize(("name", "param", "foreign_id"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
@pytest.mark.parametrize("value", ["1.5", "1e30", "abc"])
def test_an_id_that_is_not_a_whole_number_is_a_400_naming_the_parameter(
    pm, name, param, foreign_id, value
):
    client = APIClient()
    client.force_login(pm)
    response = client.get(reverse(name), {param: value})
    assert response.status_code == 400
    assert response.json() == {param: ["Give an id: a whole number."]}


def test_the_filter_still_finds_ones_own_objects(org, pm, executive):
    project = ProjectFactory(organisation=org, pm=pm, decision_maker=executive)
    client = APIClient()
    client.force_login(pm)
    from decisions.services import gate_open

    gate = gate_open(project=project)
    response = client.get(reverse("api:gate-list"), {"project": project.pk})
    assert [g["id"] for g in response.json()["results"]] == [gate.pk]
