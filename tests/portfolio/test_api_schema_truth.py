"""The schema tells the truth (issue 13): each answer below is checked against what
/api/schema/ documents for it — its status, content type, headers and body — by schemathesis'
checks, and against what a tool relies on."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.test import APIClient

from charters.models import CharterVersion
from decisions.api.serializers import DecisionCreateSerializer
from portfolio.api.base import exception_handler
from portfolio.api.pagination import INVALID_CURSOR, INVALID_PAGE
from portfolio.models import TokenScope
from portfolio.services import token_create
from tests.charters.helpers import complete_draft, draft, in_review
from tests.decisions.helpers import in_poc
from tests.factories import ProjectFactory
from tests.schema_support import CONFORMANCE, bearer, load_schema, wsgi_calls  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_calls")]

SCHEMA = load_schema()
NOT_A_MEMBER = "This person is not a member of the project's organisation."


def secret(user) -> str:
    return token_create(user=user, name="tool", scope=TokenScope.WRITE)[1]


def call(user, method: str, path: str, *, ids=None, body=None, **query):
    """One request as ``user``'s read-write token; fails unless the answer is what the schema
    documents for it."""
    extra = {} if body is None else {"body": body, "media_type": "application/json"}
    case = SCHEMA[path][method].Case(path_parameters=ids, query=query or None, **extra)
    response = case.call(headers=bearer(secret(user)))
    case.validate_response(response, checks=CONFORMANCE)
    return response


def raw_schema() -> dict:
    return SCHEMA.raw_schema


# --- 1. a blank choice is null, in the answer and in the schema ---------------------------------


def test_a_draft_reads_its_blank_choices_as_null(project, pm):
    version = draft(project)
    body = call(pm, "GET", "/api/v1/charter-versions/{id}/", ids={"id": version.pk}).json()
    assert body["metric_direction"] is None
    assert body["data_classification"] is None


def test_a_decision_that_is_no_kill_has_a_null_reason(org, pm, executive):
    in_poc(org, pm, executive)
    rows = call(pm, "GET", "/api/v1/decisions/").json()["results"]
    assert [(row["outcome"], row["reason_category"]) for row in rows] == [("go", None)]


def test_a_blank_choice_is_written_as_null_or_as_an_empty_string(project, pm):
    version = draft(project)
    path = "/api/v1/charter-versions/{id}/"
    for sent, read in (("higher", "higher"), (None, None), ("lower", "lower"), ("", None)):
        response = call(pm, "PATCH", path, ids={"id": version.pk}, body={"metric_direction": sent})
        assert response.status_code == 200, response.text
        assert response.json()["metric_direction"] == read
    assert CharterVersion.objects.get(pk=version.pk).metric_direction == ""
    for reason in (None, ""):
        create = DecisionCreateSerializer(
            data={"project": 1, "gate": 1, "outcome": "go", "reason_category": reason}
        )
        assert create.is_valid(), create.errors
        assert create.validated_data["reason_category"] == ""


# --- 2. every 400 is an object --------------------------------------------------------------------


def test_a_validation_error_raised_with_a_list_answers_an_object():
    response = exception_handler(exceptions.ValidationError(["Rows 1 and 2 clash."]), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Rows 1 and 2 clash."]}


def test_a_body_that_is_no_json_is_a_documented_400(project, pm):
    client = APIClient()
    client.force_authenticate(pm)
    url = reverse("api:project-detail", args=[project.pk])
    response = client.generic("PATCH", url, '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    documented = raw_schema()["components"]["schemas"]["ProjectValidationError"]["properties"]
    assert {"detail", "non_field_errors"} <= set(documented)


# --- 3. actions answer what they document ------------------------------------------------------


def test_submit_answers_what_it_documents(org, project, pm, executive):
    submit = "/api/v1/charter-versions/{id}/submit/"
    incomplete = draft(ProjectFactory(organisation=org, pm=pm, decision_maker=executive))
    refused = call(pm, "POST", submit, ids={"id": incomplete.pk})
    assert refused.status_code == 400 and refused.json()["missing"]
    reviewing, _who = in_review(project)
    again = call(pm, "POST", submit, ids={"id": reviewing.pk})
    assert again.status_code == 400 and set(again.json()) == {"status"}


def test_submit_of_a_complete_draft_answers_the_version(project, pm):
    version, _who = complete_draft(project)
    response = call(pm, "POST", "/api/v1/charter-versions/{id}/submit/", ids={"id": version.pk})
    assert response.status_code == 200
    assert response.json()["status"] == "in_review"


def test_every_action_documents_its_answer_and_its_errors():
    for path, operations in raw_schema()["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{method.upper()} {path} documents no success"
            for code in success:
                assert code == "204" or "content" in responses[code], f"{method} {path} {code}"
            assert "401" in responses, f"{method.upper()} {path}"
            if method != "get":
                assert "403" in responses, f"{method.upper()} {path}"
            if "{" in path:
                assert "404" in responses, f"{method.upper()} {path}"
            if "requestBody" in operation:
                assert "400" in responses, f"{method.upper()} {path}"


# --- 4. a bad id filter or cursor is a documented 400 -------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/gates/", "/api/v1/measurements/", "/api/v1/decisions/", "/api/v1/charters/"]
)
def test_an_id_filter_that_is_no_number_is_a_documented_400(project, pm, path):
    response = call(pm, "GET", path, project="abc")
    assert response.status_code == 400
    assert response.json() == {"project": ["Give an id: a whole number."]}


@pytest.mark.parametrize(
    "path", ["/api/v1/projects/", "/api/v1/notifications/", "/api/v1/charter-versions/"]
)
def test_an_invalid_cursor_is_a_400_with_a_reason(project, pm, path):
    response = call(pm, "GET", path, cursor="not-one-of-ours")
    assert response.status_code == 400
    assert response.json() == {"cursor": [INVALID_CURSOR]}


def test_an_invalid_timeline_page_is_a_400_with_a_reason(project, pm):
    for page in ("abc", "0", "99"):
        response = call(
            pm,
            "GET",
            "/api/v1/projects/{project_pk}/timeline/",
            ids={"project_pk": project.pk},
            page=page,
        )
        assert response.status_code == 400
        assert response.json() == {"page": [INVALID_PAGE]}


def test_an_address_no_route_matches_answers_json(client, db):
    response = client.get("/api/v1/projects/-1.5e-3/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


# --- 5. bodies are JSON only ----------------------------------------------------------------------


def test_the_schema_offers_json_bodies_only():
    for path, operations in raw_schema()["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                media = set(operation["requestBody"]["content"])
                assert media == {"application/json"}, f"{method.upper()} {path}: {media}"


def test_a_form_body_is_refused_with_415(project, pm):
    client = APIClient()
    client.force_authenticate(pm)
    url = reverse("api:project-detail", args=[project.pk])
    response = client.patch(url, {"pm": ""}, format="multipart")
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


# --- 6. another organisation's user id and no user at all look the same ----------------------


@pytest.fixture
def foreign_user(outsider):
    return outsider.pk


NO_SUCH_USER = 987654


def test_someone_who_may_not_edit_learns_nothing_from_the_ids_sent(project, viewer, foreign_user):
    path = "/api/v1/projects/{id}/"
    answers = [
        call(viewer, "PATCH", path, ids={"id": project.pk}, body={"pm": pk})
        for pk in (foreign_user, NO_SUCH_USER)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()


def test_a_pm_gets_the_same_errors_for_a_foreign_user_and_for_no_user(project, pm, foreign_user):
    path = "/api/v1/projects/{id}/"
    body = {"timebox_start": "2026-03-01", "timebox_end": "2026-02-01"}
    answers = [
        call(pm, "PATCH", path, ids={"id": project.pk}, body={**body, "business_owner": pk})
        for pk in (foreign_user, NO_SUCH_USER)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["business_owner"] == [NOT_A_MEMBER]


def test_registering_a_project_is_refused_alike_for_a_foreign_user_and_no_user(
    org, pm, viewer, foreign_user
):
    refused = [
        call(
            viewer,
            "POST",
            "/api/v1/projects/",
            body={"organisation": org.pk, "name": "X", "pm": pk},
        )
        for pk in (foreign_user, NO_SUCH_USER)
    ]
    assert [r.status_code for r in refused] == [403, 403]
    assert refused[0].json() == refused[1].json()
    named = [
        call(pm, "POST", "/api/v1/projects/", body={"organisation": org.pk, "name": "X", "pm": pk})
        for pk in (foreign_user, NO_SUCH_USER)
    ]
    assert [r.status_code for r in named] == [400, 400]
    assert named[0].json() == named[1].json() == {"pm": [NOT_A_MEMBER]}
