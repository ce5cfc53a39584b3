"""The charter API: the same rules and messages as the pages, as 400s naming the field."""

from datetime import timedelta

import pytest
from django.urls import reverse

from charters.models import Status
from tests.charters import helpers
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def version_url(version, action=None):
    if action:
        return reverse(f"api:charter-version-{action}", args=[version.pk])
    return reverse("api:charter-version-detail", args=[version.pk])


def patch(client, version, data):
    return client.patch(version_url(version), data=data, content_type="application/json")


def test_start_read_and_patch_a_draft(client, project, pm):
    client.force_login(pm)
    response = client.post(reverse("api:charter-list"), {"project": project.pk})
    assert response.status_code == 201, response.json()
    version_id = response.json()["versions"][0]["id"]
    response = client.patch(
        reverse("api:charter-version-detail", args=[version_id]),
        data={"problem": "Slow triage", "metric_unit": "%"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["problem"] == "Slow triage" and body["status"] == "draft"
    assert "Success metric: metric name" in body["missing_items"]


@pytest.mark.parametrize(
    ("setup", "data", "field", "message"),
    [
        (
            {},
            {"metric_direction": "higher", "metric_baseline": "60", "metric_target": "50"},
            "metric_target",
            "Higher is better, so the target must be above the baseline (60).",
        ),
        (
            {"metric_direction": "lower", "metric_baseline": "900", "metric_target": "400"},
            {"threshold": "950"},
            "threshold",
            "The threshold must lie between the baseline (900) and the target (400).",
        ),
        ({}, {"kill_deadline": "+60"}, "kill_deadline", "The kill deadline must fall inside"),
        (
            {"kill_deadline": "+20"},
            {"decision_date": "+10"},
            "decision_date",
            "The decision date must be on or after the kill deadline",
        ),
        ({}, {"ops_budget": "-5"}, "ops_budget", "Must be zero or more."),
        ({}, {"cost_monthly_5x": "-1"}, "cost_monthly_5x", "Must be zero or more."),
        ({}, {"eval_set_size": -1}, "eval_set_size", None),
        ({}, {"cost_per_call": "-0.1"}, "cost_per_call", "Must be zero or more."),
    ],
)
def test_each_rule_is_a_400_naming_the_field(client, project, pm, setup, data, field, message):
    version = helpers.draft(project)
    start = project.timebox_start

    def resolve(values):
        out = {}
        for k, v in values.items():
            if isinstance(v, str) and v.startswith("+"):
                out[k] = (start + timedelta(days=int(v[1:]))).isoformat()
            else:
                out[k] = v
        return out

    client.force_login(pm)
    if setup:
        assert patch(client, version, resolve(setup)).status_code == 200
    response = patch(client, version, resolve(data))
    assert response.status_code == 400, response.json()
    assert field in response.json()
    if message:
        assert response.json()[field][0].startswith(message)


def test_owners_must_be_members(client, project, pm, outsider):
    version = helpers.draft(project)
    client.force_login(pm)
    response = patch(client, version, {"production_owner": outsider.pk})
    assert response.status_code == 400
    assert response.json() == {
        "production_owner": ["This person is not a member of the project's organisation."]
    }


def test_rows_replace_the_list_and_bad_rows_are_named(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = patch(
        client,
        version,
        {"data_sources": [{"name": "CRM", "sensitivity": "restricted", "from_production": True}]},
    )
    assert response.status_code == 200
    assert response.json()["data_sensitive"] is True
    response = patch(client, version, {"integrations": [{"system": "ERP", "estimate_weeks": "-2"}]})
    assert response.status_code == 400 and "integrations" in response.json()


def test_submit_incomplete_is_a_400_with_the_missing_list(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = client.post(version_url(version, "submit"))
    assert response.status_code == 400
    assert "Data: at least one data source" in response.json()["missing"]


def test_full_workflow_through_the_api(client, project, pm, executive):
    version, who = helpers.complete_draft(project)
    client.force_login(pm)
    assert client.post(version_url(version, "submit")).json()["status"] == "in_review"
    assert patch(client, version, {"problem": "late edit"}).status_code == 400
    client.force_login(executive)
    assert client.post(version_url(version, "sign")).json()["status"] == "in_review"
    client.force_login(who["production_owner"])
    body = client.post(version_url(version, "sign")).json()
    assert body["status"] == "approved"
    assert all(s["signed"] for s in body["required_signers"])
    signatures = client.get(version_url(version, "signatures")).json()
    assert {s["role"] for s in signatures} == {
        "business_owner",
        "decision_maker",
        "production_owner",
    }
    client.force_login(pm)
    response = client.post(reverse("api:charter-amend", args=[project.charter.pk]))
    assert response.status_code == 201
    amendment = response.json()
    assert amendment["number"] == 2 and amendment["status"] == "draft"
    response = client.patch(
        reverse("api:charter-version-detail", args=[amendment["id"]]),
        data={"threshold": "70"},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_request_changes_needs_a_comment(client, project, executive):
    version, _ = helpers.in_review(project)
    client.force_login(executive)
    response = client.post(
        version_url(version, "request-changes"), {"comment": ""}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json() == {
        "comment": ["Say what needs to change."]
    }
    response = client.post(
        version_url(version, "request-changes"),
        {"comment": "Raise the target"},
        content_type="application/json",
    )
    assert response.json()["status"] == Status.DRAFT


def test_only_signers_sign_through_the_api(client, project, pm, viewer):
    version, _ = helpers.in_review(project)
    for person in (pm, viewer):
        client.force_login(person)
        assert client.post(version_url(version, "sign")).status_code == 403


@pytest.mark.parametrize("n", [5, 30])
def test_version_list_query_count_is_pinned(client, org, pm, n, django_assert_num_queries):
    for _ in range(n):
        helpers.quick_version(ProjectFactory(organisation=org, pm=pm))
    client.force_login(pm)
    with django_assert_num_queries(7):
        response = client.get(reverse("api:charter-version-list"), {"page_size": 50})
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [5, 30])
def test_charter_list_query_count_is_pinned(client, org, pm, n, django_assert_num_queries):
    for _ in range(n):
        helpers.quick_version(ProjectFactory(organisation=org, pm=pm))
    client.force_login(pm)
    with django_assert_num_queries(4):
        response = client.get(reverse("api:charter-list"), {"page_size": 50})
    assert len(response.json()["results"]) == n
