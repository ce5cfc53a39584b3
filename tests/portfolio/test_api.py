"""The portfolio endpoints of /api/v1/ as another tool (or a person with a session) meets them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio.models import AuditEvent, Membership, Project, Stage
from portfolio.services import project_change_stage
from tests.factories import MembershipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

LIST = reverse("api:project-list")


def detail(project) -> str:
    return reverse("api:project-detail", args=[project.pk])


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


# --- reading -------------------------------------------------------------------------------


def test_member_lists_only_projects_of_their_organisation(project, other_project, pm, viewer):
    assert names(api_as(pm).get(LIST)) == {"Invoice triage"}
    assert names(api_as(viewer).get(LIST)) == {"Invoice triage"}


def test_partner_lists_every_organisation(project, other_project, partner):
    assert names(api_as(partner).get(LIST)) == {"Invoice triage", "Globex pricing bot"}


def test_outsider_never_sees_a_foreign_project(project, other_project, outsider):
    assert names(api_as(outsider).get(LIST)) == {"Globex pricing bot"}
    assert names(api_as(outsider).get(LIST, {"organisation": project.organisation.slug})) == set()


def test_retrieve_foreign_project_is_404(project, outsider):
    response = api_as(outsider).get(detail(project))
    assert response.status_code == 404
    assert "Invoice triage" not in response.content.decode()


def test_retrieve_shows_owners_in_full_and_what_is_missing(project, pm, executive, viewer):
    body = api_as(viewer).get(detail(project)).json()
    assert body["organisation"] == project.organisation_id
    assert body["stage"] == "proposed"
    assert body["pm"] == pm.pk
    assert body["pm_detail"] == {"id": pm.pk, "full_name": "Pat Manager", "email": pm.email}
    assert body["decision_maker_detail"]["full_name"] == "Erin Executive"
    assert body["production_owner"] is None and body["production_owner_detail"] is None
    assert body["missing_owners"] == ["Production owner", "Engineering owner"]
    assert body["url"].endswith(detail(project))


def test_organisations_carry_the_callers_role(org, other_org, pm, partner):
    rows = api_as(pm).get(reverse("api:organisation-list")).json()["results"]
    assert [(r["slug"], r["role"]) for r in rows] == [("acme-logistics", "pm")]
    rows = api_as(partner).get(reverse("api:organisation-list")).json()["results"]
    assert {(r["slug"], r["role"]) for r in rows} == {
        ("acme-logistics", None),
        ("globex-retail", None),
    }


def test_foreign_organisation_is_404(org, outsider):
    response = api_as(outsider).get(reverse("api:organisation-detail", args=[org.pk]))
    assert response.status_code == 404


def test_memberships_filtered_by_organisation_and_role(
    org, other_org, pm, executive, partner, outsider
):
    client = api_as(partner)
    url = reverse("api:membership-list")
    rows = client.get(url, {"organisation": org.slug, "role": "executive"}).json()["results"]
    assert [(r["user"]["email"], r["role"]) for r in rows] == [("exec@acme.test", "executive")]
    assert rows[0]["user"] == {
        "id": executive.pk,
        "full_name": "Erin Executive",
        "email": "exec@acme.test",
    }
    rows = client.get(url, {"organisation": other_org.pk}).json()["results"]
    assert [r["user"]["email"] for r in rows] == ["pm@globex.test"]
    # A member sees the colleagues of their own organisation only.
    rows = api_as(outsider).get(url).json()["results"]
    assert {r["organisation"] for r in rows} == {other_org.pk}


def test_me_describes_the_session_user(org, pm):
    body = api_as(pm).get(reverse("api:me-list")).json()
    assert body["email"] == "pm@acme.test"
    assert body["is_partner"] is False
    assert body["memberships"] == [
        {"organisation": {"id": org.pk, "name": org.name, "slug": org.slug}, "role": "pm"}
    ]
    assert body["token"] is None


# --- filters and pagination ------------------------------------------------------------------


def test_filters_by_organisation_stage_owner_and_search(
    org, other_org, pm, executive, partner, outsider
):
    a = ProjectFactory(organisation=org, name="Churn model", pm=pm)
    b = ProjectFactory(organisation=org, name="Invoice OCR", pm=pm, decision_maker=executive)
    ProjectFactory(organisation=other_org, name="Pricing OCR", pm=outsider)
    project_change_stage(project=a, to_stage=Stage.POC, by=executive)
    project_change_stage(project=b, to_stage=Stage.KILLED, by=executive)
    client = api_as(partner)
    assert names(client.get(LIST, {"organisation": org.slug})) == {"Churn model", "Invoice OCR"}
    assert names(client.get(LIST, {"organisation": other_org.pk})) == {"Pricing OCR"}
    assert names(client.get(LIST, {"stage": ["poc", "killed"]})) == {"Churn model", "Invoice OCR"}
    assert names(client.get(LIST, {"stage": "proposed"})) == {"Pricing OCR"}
    assert names(client.get(LIST, {"owner": executive.pk})) == {"Invoice OCR"}
    assert names(client.get(LIST, {"search": "ocr"})) == {"Invoice OCR", "Pricing OCR"}


def test_invalid_filter_value_is_a_400_naming_the_parameter(partner):
    response = api_as(partner).get(LIST, {"stage": "graduated"})
    assert response.status_code == 400
    assert "stage" in response.json()


HUGE = "9" * 25  # beyond any 64-bit id: overflowed SQLite's INTEGER (a 500) before


@pytest.mark.parametrize(
    "url, params, answer",
    [
        # Not a whole number: a 400 naming the parameter.
        (LIST, {"owner": "1e30"}, {"owner": ["Give an id: a whole number."]}),
        (LIST, {"owner": "1.5"}, {"owner": ["Give an id: a whole number."]}),
        (LIST, {"owner": "pat"}, {"owner": ["Give an id: a whole number."]}),
        # A whole number that is nobody's id, however large: an empty list, like any unknown id.
        (LIST, {"owner": HUGE}, []),
        (LIST, {"owner": "999999"}, []),
        (LIST, {"owner": "0"}, []),
        (LIST, {"organisation": HUGE}, []),
        (LIST, {"organisation": "1e30"}, []),  # not digits: read as a slug nobody has
        (reverse("api:membership-list"), {"organisation": HUGE}, []),
    ],
)
def test_impossible_ids_in_filters_answer_400_or_nothing_never_500(
    project, partner, url, params, answer
):
    response = api_as(partner).get(url, params)
    if answer == []:
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
    else:
        assert response.status_code == 400
        assert response.json() == answer


def test_owner_filter_does_not_round_a_fraction(project, pm, partner):
    # 1.5 used to be read as 1; an exact id still works.
    assert names(api_as(partner).get(LIST, {"owner": f"{pm.pk}"})) == {"Invoice triage"}
    assert api_as(partner).get(LIST, {"owner": f"{pm.pk}.5"}).status_code == 400


def test_cursor_pagination_walks_every_project_once(org, pm):
    ProjectFactory.create_batch(5, organisation=org)
    client = api_as(pm)
    page = client.get(LIST, {"page_size": 2}).json()
    seen = [row["id"] for row in page["results"]]
    assert page["next"]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert len(seen) == 5 == len(set(seen))
    assert seen == sorted(seen, reverse=True)  # newest first


# --- creating ------------------------------------------------------------------------------


def test_pm_creates_a_project_through_the_service(org, pm, executive):
    response = api_as(pm).post(
        LIST,
        {
            "organisation": org.pk,
            "name": "  Contract reader ",
            "summary": "Reads supplier contracts.",
            "decision_maker": executive.pk,
            "timebox_start": "2026-03-02",
            "timebox_end": "2026-04-13",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "proposed"
    assert body["name"] == "Contract reader"
    assert body["slug"] == "contract-reader"
    assert body["pm"] == pm.pk  # defaults to the creator
    assert body["decision_maker_detail"]["email"] == "exec@acme.test"
    assert response["Location"] == body["url"]
    project = Project.objects.get(pk=body["id"])
    assert project.created_by == pm
    event = AuditEvent.objects.get(project=project, action="project.created")
    assert event.actor == pm


@pytest.mark.parametrize("role", ["executive", "viewer"])
def test_only_a_pm_may_create(org, role):
    person = member(org, role)
    response = api_as(person).post(LIST, {"organisation": org.pk, "name": "Nope"}, format="json")
    assert response.status_code == 403
    assert "Only a PM" in response.json()["detail"]
    assert not Project.objects.exists()


def test_partner_without_membership_may_not_create(org, partner):
    response = api_as(partner).post(LIST, {"organisation": org.pk, "name": "Nope"}, format="json")
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_create_in_a_foreign_organisation_is_unknown_and_creates_nothing(org, outsider):
    client = api_as(outsider)
    foreign = client.post(LIST, {"organisation": org.pk, "name": "Sneaky"}, format="json")
    missing = client.post(LIST, {"organisation": 999999, "name": "Sneaky"}, format="json")
    assert foreign.status_code == missing.status_code == 400
    # A foreign organisation and one that does not exist are indistinguishable.
    assert foreign.json() == missing.json() == {"organisation": ["Unknown organisation."]}
    assert not Project.objects.exists()
    assert not AuditEvent.objects.exists()


def test_owner_from_another_organisation_is_refused_by_field(org, pm, outsider):
    response = api_as(pm).post(
        LIST,
        {"organisation": org.pk, "name": "Triage", "business_owner": outsider.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "business_owner": ["This person is not a member of the project's organisation."]
    }
    # An id that exists nowhere reads the same: no way to probe for users of other organisations.
    response = api_as(pm).post(
        LIST, {"organisation": org.pk, "name": "Triage", "production_owner": 999999}, format="json"
    )
    assert response.json() == {
        "production_owner": ["This person is not a member of the project's organisation."]
    }
    assert not Project.objects.exists()


def test_service_rules_come_back_per_field(org, pm):
    response = api_as(pm).post(
        LIST,
        {
            "organisation": org.pk,
            "name": "Triage",
            "timebox_start": "2026-05-01",
            "decision_date": "2026-04-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "decision_date": ["The decision date cannot be before the timebox starts."]
    }


def test_stage_cannot_be_set_on_create(org, pm):
    response = api_as(pm).post(
        LIST, {"organisation": org.pk, "name": "Shortcut", "stage": "production"}, format="json"
    )
    assert response.status_code == 400
    assert "decision" in response.json()["stage"][0]
    assert not Project.objects.exists()


# --- updating ------------------------------------------------------------------------------


def test_pm_patches_a_project_and_it_is_audited(project, pm, org):
    engineer = member(org, "viewer", full_name="Eve Engineer")
    response = api_as(pm).patch(
        detail(project),
        {"summary": "Now with OCR.", "engineering_owner": engineer.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == "Now with OCR."
    assert body["engineering_owner_detail"]["full_name"] == "Eve Engineer"
    assert "Engineering owner" not in body["missing_owners"]
    project.refresh_from_db()
    assert project.engineering_owner == engineer
    event = AuditEvent.objects.get(project=project, action="project.updated")
    assert event.changes["summary"][1] == "Now with OCR."
    assert event.changes["engineering_owner"] == [None, engineer.pk]


def test_put_replaces_the_editable_fields(project, pm):
    response = api_as(pm).put(detail(project), {"name": "Invoice triage v2"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["slug"] == "invoice-triage-v2"


def test_a_get_body_can_be_sent_back_unchanged(project, pm):
    client = api_as(pm)
    body = client.get(detail(project)).json()
    response = client.put(detail(project), body, format="json")
    assert response.status_code == 200, response.content


def test_stage_write_is_refused_on_update(project, pm):
    response = api_as(pm).patch(detail(project), {"stage": "production"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "stage": [
            "The stage changes only through a recorded decision at a gate; "
            "it cannot be written here."
        ]
    }
    project.refresh_from_db()
    assert project.stage == "proposed"


def test_a_project_cannot_move_to_another_organisation(project, pm, other_org):
    response = api_as(pm).patch(detail(project), {"organisation": other_org.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["organisation"]
    project.refresh_from_db()
    assert project.organisation_id != other_org.pk


@pytest.mark.parametrize("role", ["executive", "viewer", "partner"])
def test_non_pm_may_not_patch(project, role, executive, viewer, partner):
    person = {"executive": executive, "viewer": viewer, "partner": partner}[role]
    response = api_as(person).patch(detail(project), {"summary": "Hijacked"}, format="json")
    assert response.status_code == 403
    assert "PM" in response.json()["detail"]
    project.refresh_from_db()
    assert project.summary != "Hijacked"


def test_outsider_patch_is_404_and_changes_nothing(project, outsider):
    response = api_as(outsider).patch(detail(project), {"summary": "Hijacked"}, format="json")
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.summary != "Hijacked"


def test_owner_outside_the_organisation_refused_on_patch(project, pm, outsider):
    response = api_as(pm).patch(detail(project), {"pm": outsider.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["pm"]


def test_decision_maker_must_be_an_executive(project, pm, viewer, org):
    response = api_as(pm).patch(detail(project), {"decision_maker": viewer.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "decision_maker": ["The decision-maker must be an executive of the organisation."]
    }
    response = api_as(pm).post(
        LIST, {"organisation": org.pk, "name": "Triage", "decision_maker": pm.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["decision_maker"]
    project.refresh_from_db()
    assert project.decision_maker.email == "exec@acme.test"


def test_delete_is_not_allowed(project, pm):
    response = api_as(pm).delete(detail(project))
    assert response.status_code == 405
    assert Project.objects.filter(pk=project.pk).exists()


def test_session_writes_need_the_csrf_token(project, pm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(pm)
    response = client.patch(
        detail(project), {"summary": "No token"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/api/docs/?script=")  # Swagger UI's init script hands out the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        detail(project),
        {"summary": "With token"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.content


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 500])
def test_project_list_query_count_does_not_grow(
    org, pm, executive, rows, django_assert_num_queries
):
    people = [member(org, "viewer") for _ in range(3)]
    ProjectFactory.create_batch(
        rows,
        organisation=org,
        pm=pm,
        decision_maker=executive,
        business_owner=people[0],
        production_owner=people[1],
        engineering_owner=people[2],
    )
    client = api_as(pm)
    # session, user, their organisations (a literal list for the scope), the page of projects,
    # the people the page names (one query, not five joins)
    with django_assert_num_queries(5):
        response = client.get(LIST, {"page_size": 200})
    assert len(response.json()["results"]) == min(rows, 200)


@pytest.mark.parametrize("rows", [5, 500])
def test_project_list_query_count_does_not_grow_with_a_token(
    org, pm, executive, rows, django_assert_num_queries
):
    from portfolio.services import token_create

    people = [member(org, "viewer") for _ in range(3)]
    ProjectFactory.create_batch(
        rows,
        organisation=org,
        pm=pm,
        decision_maker=executive,
        business_owner=people[0],
        production_owner=people[1],
        engineering_owner=people[2],
    )
    _, secret = token_create(user=pm, name="BI export")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get(LIST)  # first use records the token's last-used time (then at most once a minute)
    # the token with its user, their organisations, the page of projects, the people it names
    with django_assert_num_queries(4):
        response = client.get(LIST, {"page_size": 200})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows, 200)


@pytest.mark.parametrize("rows", [5, 500])
def test_membership_list_query_count_does_not_grow(org, partner, rows, django_assert_num_queries):
    for _ in range(rows):
        MembershipFactory(organisation=org)
    client = api_as(partner)
    with django_assert_num_queries(3):
        response = client.get(reverse("api:membership-list"), {"page_size": 200})
    assert len(response.json()["results"]) == min(rows, 200)
    assert Membership.objects.count() == rows


@pytest.mark.parametrize("rows", [5, 500])
def test_organisation_list_query_count_does_not_grow(pm, rows, django_assert_num_queries):
    from tests.factories import OrganisationFactory

    for o in OrganisationFactory.create_batch(rows):
        MembershipFactory(organisation=o, user=pm, role="viewer")
    client = api_as(pm)
    # session, user, their organisations (the scope's literal list), the page
    with django_assert_num_queries(4):
        response = client.get(reverse("api:organisation-list"), {"page_size": 200})
    assert len(response.json()["results"]) == min(rows + 1, 200)  # plus the pm's own org
