"""The charter API: the same rules and messages as the pages, as 400s naming the field."""

from datetime import timedelta

import pytest
from django.urls import reverse

from charters.models import Status
from tests.charters import helpers
from tests.factories import OrganisationFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db


def version_url(version, action=None):
    if action:
        return reverse(f"api:charter-version-{action}", args=[version.pk])
    return reverse("api:charter-version-detail", args=[version.pk])


def patch(client, version, data):
    return client.patch(version_url(version), data=data, content_type="application/json")


def test_start_read_and_patch_a_draft(client, project, pm):
    client.force_login(pm)
    response = client.post(
        reverse("api:charter-list"), {"project": project.pk}, content_type="application/json"
    )
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
        ({}, {"eval_set_size": -1}, "eval_set_size", "Must be zero or more."),
        (
            {},
            {"kill_deadline": "day-1"},
            "kill_deadline",
            "The kill deadline must fall inside the timebox, which starts",
        ),
        (
            {},
            {"timebox_start": "+0", "timebox_end": "day-1", "decision_date": "+0"},
            "timebox_end",
            "The timebox cannot end before it starts.",
        ),
        ({}, {"latency_p95_ms": 0}, "latency_p95_ms", "Must be a positive number of milliseconds."),
        (
            {},
            {"latency_p95_ms": -5},
            "latency_p95_ms",
            "Must be a positive number of milliseconds.",
        ),
        (
            {},
            {"currency": "EURO"},
            "currency",
            "Use a three-letter currency code such as EUR or USD.",
        ),
        (
            {},
            {"kill_deadline": "9999-12-28"},
            "kill_deadline",
            "Enter a date between 2000 and 2100.",
        ),
        (
            {},
            {"decision_maker": "viewer"},
            "decision_maker",
            "The decision-maker must be an executive of the organisation.",
        ),
        ({}, {"cost_per_call": "-0.1"}, "cost_per_call", "Must be zero or more."),
    ],
)
def test_each_rule_is_a_400_naming_the_field(
    client, project, pm, viewer, setup, data, field, message
):
    version = helpers.draft(project)
    start = project.timebox_start

    def resolve(values):
        out = {}
        for k, v in values.items():
            if isinstance(v, str) and v.startswith(("+", "day-")):
                out[k] = (start + timedelta(days=int(v.removeprefix("day")))).isoformat()
            elif v == "viewer":
                out[k] = viewer.pk
            else:
                out[k] = v
        return out

    client.force_login(pm)
    if setup:
        assert patch(client, version, resolve(setup)).status_code == 200
    response = patch(client, version, resolve(data))
    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(message)


def test_owners_must_be_members(client, project, pm, outsider):
    """A user of another organisation and an id of nobody get the same answer: the API does
    not tell which user ids exist elsewhere."""
    version = helpers.draft(project)
    client.force_login(pm)
    for pk in (outsider.pk, outsider.pk + 10_000):
        response = patch(client, version, {"production_owner": pk})
        assert response.status_code == 400
        assert response.json() == {
            "production_owner": ["This person is not a member of the project's organisation."]
        }
    response = patch(client, version, {"production_owner": "Olga"})
    assert response.status_code == 400 and "production_owner" in response.json()
    response = patch(client, version, {"production_owner": project.pm.pk})
    assert response.status_code == 200 and response.json()["production_owner"] == project.pm.pk
    response = patch(client, version, {"production_owner": None})
    assert response.status_code == 200 and response.json()["production_owner"] is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"status": "approved"},
            "status",
            "The status changes through the submit, sign, request-changes and amend actions, "
            "not by editing.",
        ),
        ({"number": 7}, "number", "This field is read-only."),
        ({"goalposts_moved": 0}, "goalposts_moved", "There is no such charter field."),
        ({"nonsense": 1}, "nonsense", "There is no such charter field."),
    ],
)
def test_unknown_and_read_only_fields_are_refused_by_name(
    client, project, pm, data, field, message
):
    version = helpers.draft(project)
    client.force_login(pm)
    response = patch(client, version, {"problem": "Slow triage", **data})
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    version.refresh_from_db()
    assert version.status == Status.DRAFT and version.problem == ""  # nothing stored


def test_an_approved_version_cannot_be_patched(client, project, pm):
    version, _ = helpers.approved(project)
    client.force_login(pm)
    response = patch(client, version, {"threshold": "60"})
    assert response.status_code == 400
    assert response.json() == {
        "status": ["This version is approved and cannot be edited; amend it instead."]
    }


def test_a_sensitive_classification_adds_the_compliance_reviewer_as_signer(client, project, pm):
    version, who = helpers.complete_draft(project)
    client.force_login(pm)
    body = patch(client, version, {"data_classification": "confidential"}).json()
    assert body["data_sensitive"] is True
    body = client.post(version_url(version, "submit")).json()
    roles = {s["role"]: s["user"] for s in body["required_signers"]}
    assert roles["compliance_reviewer"] == who["compliance_reviewer"].pk
    response = patch(
        client,
        helpers.draft(ProjectFactory(organisation=project.organisation, pm=pm)),
        {"data_classification": "Confidential-ish"},
    )
    assert response.status_code == 400 and "data_classification" in response.json()


def test_warnings_and_risk_flags_are_in_the_output(client, project, pm):
    version = helpers.draft(project)
    start = project.timebox_start
    client.force_login(pm)
    body = patch(
        client,
        version,
        {
            "timebox_start": start.isoformat(),
            "timebox_end": (start + timedelta(weeks=12)).isoformat(),
            "decision_date": (start + timedelta(weeks=12)).isoformat(),
        },
    ).json()
    assert body["warnings"] == {
        "timebox_end": [
            "This timebox is 12 weeks; six to eight are recommended. It will be flagged."
        ]
    }
    keys = {f["key"] for f in body["risk_flags"]}
    assert {"long_timebox", "no_evaluation", "no_business_value"} <= keys
    flag = next(f for f in body["risk_flags"] if f["key"] == "long_timebox")
    assert flag == {
        "key": "long_timebox",
        "label": "Timebox over eight weeks",
        "short": "long timebox",
    }
    charter = client.get(reverse("api:charter-detail", args=[project.charter.pk])).json()
    assert "long_timebox" in {f["key"] for f in charter["risk_flags"]}


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
    assert response.status_code == 400
    assert response.json() == {"integrations": ["Row 1 — estimate (weeks): Must be zero or more."]}
    # Every row problem has the one shape: a message per problem, naming its row.
    response = patch(
        client,
        version,
        {
            "data_sources": [
                {"name": "CRM"},
                {"name": "", "sensitivity": "secret", "colour": "red"},
                "ERP",
            ]
        },
    )
    assert response.status_code == 400
    assert response.json() == {"data_sources": ["Row 3: expected an object with the row's fields."]}
    response = patch(
        client,
        version,
        {"data_sources": [{"name": "CRM"}, {"name": "", "sensitivity": "secret", "colour": "red"}]},
    )
    assert response.status_code == 400
    assert response.json() == {
        "data_sources": [
            "Row 2 — source: This field cannot be blank.",
            "Row 2 — sensitivity: Value 'secret' is not a valid choice.",
            "Row 2: unknown field 'colour'.",
        ]
    }
    # A value that is neither text, number nor true/false is refused, not stored as its repr.
    response = patch(client, version, {"data_sources": [{"name": "CRM", "residency": {"a": 1}}]})
    assert response.status_code == 400
    assert response.json() == {
        "data_sources": ["Row 1 — residency: expected a text, a number or true/false."]
    }
    assert not version.data_sources.filter(residency__contains="{").exists()


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
    # +1 since the visitor's organisations and roles, read once as a literal list (issue 12).
    with django_assert_num_queries(8):
        response = client.get(reverse("api:charter-version-list"), {"page_size": 50})
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("organisations", [2, 8])
def test_version_list_across_organisations_is_pinned_too(
    client, partner, organisations, django_assert_num_queries
):
    """A partner's page spans organisations: their memberships load in one query."""
    for _ in range(organisations):
        org = OrganisationFactory()
        helpers.quick_version(ProjectFactory(organisation=org, pm=member(org, "pm")))
    client.force_login(partner)
    with django_assert_num_queries(7):
        response = client.get(reverse("api:charter-version-list"), {"page_size": 50})
    assert len(response.json()["results"]) == organisations


@pytest.mark.parametrize("n", [5, 30])
def test_charter_list_query_count_is_pinned(client, org, pm, n, django_assert_num_queries):
    for _ in range(n):
        helpers.quick_version(ProjectFactory(organisation=org, pm=pm))
    client.force_login(pm)
    # session, user, count... then the page of charters with their versions, and the risk
    # flags of the whole page: the flag versions with their sources and integrations;
    # the visitor's organisations and roles, read once as a literal list (issue 12).
    with django_assert_num_queries(8):
        response = client.get(reverse("api:charter-list"), {"page_size": 50})
    assert len(response.json()["results"]) == n


def test_compliance_review_through_the_api(client, project, pm):
    version, who = helpers.in_review(project)
    client.force_login(pm)
    response = client.post(
        version_url(version, "compliance-review"), {"note": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(who["compliance_reviewer"])
    response = client.post(
        version_url(version, "compliance-review"),
        {"note": "Residency checked."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["note"] == "Residency checked."
    response = client.post(
        version_url(version, "compliance-review"), {}, content_type="application/json"
    )
    assert response.status_code == 400 and "review" in response.json()


def test_the_last_signature_names_the_person_who_left(client, project, executive, org):
    from portfolio.models import Membership

    version, who = helpers.in_review(project)
    client.force_login(executive)
    assert client.post(version_url(version, "sign")).status_code == 200
    Membership.objects.filter(user=who["engineering_owner"], organisation=org).unaudited_delete()
    client.force_login(who["production_owner"])
    response = client.post(version_url(version, "sign"))
    assert response.status_code == 400
    assert list(response.json()) == ["engineering_owner"]
    assert (
        "Request changes so the PM can name someone else" in response.json()["engineering_owner"][0]
    )


def test_the_schema_documents_the_charter_refusals(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths, components = schema["paths"], schema["components"]["schemas"]

    def body(operation, code):
        ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[1]]["properties"]

    create = paths["/api/v1/charters/"]["post"]
    assert {"201", "400", "404"} <= set(create["responses"])
    patch_op = paths["/api/v1/charter-versions/{id}/"]["patch"]
    errors = body(patch_op, "400")
    assert {"status", "threshold", "integrations", "number", "non_field_errors"} <= set(errors)
    assert "Row 2 — estimate (weeks)" in errors["integrations"]["description"]
    changes = paths["/api/v1/charter-versions/{id}/request-changes/"]["post"]
    assert {"comment", "status"} <= set(body(changes, "400"))
    sign = paths["/api/v1/charter-versions/{id}/sign/"]["post"]
    assert {"status", "signature", "production_owner"} <= set(body(sign, "400"))
    version = components["CharterVersion"]["properties"]
    assert {"warnings", "risk_flags"} <= set(version)
    assert "risk_flags" in components["Charter"]["properties"]
    request = components["PatchedCharterVersionUpdateRequest"]["properties"]
    assert request["production_owner"]["type"] == "integer"
    assert request["data_sources"]["type"] == "array"
