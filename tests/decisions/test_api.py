"""The decisions API: same rules as the pages (one service layer), tokens, 405s, tenancy."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from decisions import services
from decisions.models import Decision, Measurement
from portfolio.services import token_create
from tests.decisions.helpers import days, gate_id, graduation_ready, in_poc, proposed_project

pytestmark = pytest.mark.django_db


def bearer(user, scope="write") -> APIClient:
    _, secret = token_create(user=user, name="CI harness", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def session(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_harness_reports_a_score_with_a_read_write_token_and_the_page_shows_the_status(
    client, org, pm, executive
):
    project, version, _ = in_poc(org, pm, executive)
    page = reverse("portfolio:project-detail", args=[project.pk])
    client.force_login(pm)
    assert 'data-kill-status="on_track"' in client.get(page).content.decode()

    harness = bearer(pm, scope="write")
    response = harness.post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "metric", "value": "77.5", "note": "model v3"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "api" and response.json()["token_name"] == "CI harness"
    html = client.get(page).content.decode()
    assert 'data-kill-status="met"' in html
    assert "77.5" in html

    reader = bearer(pm, scope="read")
    refused = reader.post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "metric", "value": "10"},
        format="json",
    )
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert Measurement.objects.filter(project=project).count() == 1
    # Reading with a read-only token is fine.
    listed = reader.get(reverse("api:measurement-list"), {"project": project.pk})
    assert [m["value"] for m in listed.json()["results"]] == ["77.5000"]


def test_measurement_for_a_foreign_project_is_404_and_creates_nothing(project, outsider):
    response = bearer(outsider).post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "metric", "value": "1"},
        format="json",
    )
    assert response.status_code == 404
    assert not Measurement.objects.exists()


def test_measurement_errors_are_per_field(project, pm):
    response = session(pm).post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "latency_ms", "value": "-5"},
        format="json",
    )
    assert response.status_code == 400
    assert "value" in response.json()


def test_go_through_the_api_is_refused_with_the_unmet_criteria_then_recorded(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    api = bearer(executive)
    url = reverse("api:decision-list")
    go = {"project": project.pk, "gate": gate_id(project), "outcome": "go"}
    refused = api.post(url, go, format="json")
    assert refused.status_code == 400
    assert "criteria are not met" in refused.json()["outcome"][0]
    assert "An evaluation harness" in refused.json()["outcome"][0]
    graduation_ready(project, who)
    go["new_decision_date"] = days(90).isoformat()
    created = api.post(url, go, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["from_stage"], body["to_stage"]) == ("poc", "pilot")
    assert body["snapshot"]["criteria_met"] == "6 of 6"
    detail = reverse("api:decision-detail", args=[body["id"]])
    assert api.get(detail).json()["outcome"] == "go"
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(detail, {"rationale": "x"}, format="json").status_code == 405
    assert Decision.objects.get(pk=body["id"]).rationale == ""


def test_only_the_decision_maker_decides_through_the_api(project, pm):
    services.gate_open(project=project)
    response = bearer(pm).post(
        reverse("api:decision-list"),
        {
            "project": project.pk,
            "gate": gate_id(project),
            "outcome": "kill",
            "reason_category": "other",
            "rationale": "x",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_kill_needs_a_reason_and_extend_is_limited_through_the_api(org, pm, executive):
    project = proposed_project(org, pm, executive)
    gate = services.gate_open(project=project).pk
    api = bearer(executive)
    url = reverse("api:decision-list")
    response = api.post(
        url, {"project": project.pk, "gate": gate, "outcome": "kill"}, format="json"
    )
    assert response.status_code == 400
    assert {"reason_category", "rationale"} <= set(response.json())
    extend = {
        "project": project.pk,
        "gate": gate,
        "outcome": "extend",
        "rationale": "More data",
        "new_kill_deadline": days(10).isoformat(),
        "new_decision_date": days(12).isoformat(),
    }
    assert api.post(url, extend, format="json").status_code == 201
    again = api.post(url, extend, format="json")
    assert again.status_code == 400 and "already been extended" in again.json()["outcome"][0]


def test_supersede_through_the_api(org, pm, executive):
    project = proposed_project(org, pm, executive)
    api = bearer(executive)
    url = reverse("api:decision-list")
    first = api.post(
        url,
        {
            "project": project.pk,
            "gate": services.gate_open(project=project).pk,
            "outcome": "extend",
            "rationale": "x",
            "new_kill_deadline": days(60).isoformat(),
            "new_decision_date": days(61).isoformat(),
        },
        format="json",
    ).json()
    fix = api.post(
        url,
        {
            "project": project.pk,
            "outcome": "kill",
            "reason_category": "business_case_not_made",
            "rationale": "No case",
            "supersedes": first["id"],
            "supersede_reason": "The extension was a mistake.",
        },
        format="json",
    )
    assert fix.status_code == 201, fix.content
    assert fix.json()["supersedes"] == first["id"]
    project.refresh_from_db()
    assert project.stage == "killed"


def test_gates_and_criteria_and_marking_through_the_api(org, pm, executive, viewer):
    project, _, _ = in_poc(org, pm, executive)
    api = bearer(pm)
    gates = api.get(reverse("api:gate-list"), {"project": project.pk}).json()["results"]
    graduation = next(g for g in gates if g["from_stage"] == "poc")
    assert graduation["is_open"] and graduation["criteria_total"] == 6
    assert graduation["criteria_met"] == 3
    quality = next(c for c in graduation["criteria"] if c["key"] == "production-quality")
    mark_url = reverse("api:criterion-mark", args=[quality["id"]])
    missing = api.post(mark_url, {"state": "met"}, format="json")
    assert missing.status_code == 400 and "evidence_text" in missing.json()
    marked = api.post(
        mark_url,
        {"state": "met", "evidence_url": "https://wiki.example.com/quality"},
        format="json",
    )
    assert marked.status_code == 200, marked.content
    assert marked.json()["met"] is True and marked.json()["marked_by"] == str(pm)
    assert (
        bearer(viewer)
        .post(mark_url, {"state": "not_met", "evidence_text": "no"}, format="json")
        .status_code
        == 403
    )
    gate = api.get(reverse("api:gate-detail", args=[graduation["id"]])).json()
    assert gate["criteria_met"] == 4
    automatic = next(c for c in graduation["criteria"] if c["key"] == "cost-model")
    refused = api.post(
        reverse("api:criterion-mark", args=[automatic["id"]]),
        {"state": "met", "evidence_text": "x"},
        format="json",
    )
    assert refused.status_code == 400


def test_foreign_gates_and_timeline_are_invisible(org, pm, executive, outsider):
    project, _, _ = in_poc(org, pm, executive)
    api = bearer(outsider)
    assert api.get(reverse("api:gate-list")).json()["results"] == []
    assert api.get(reverse("api:criterion-list")).json()["results"] == []
    assert api.get(reverse("api:decision-list")).json()["results"] == []
    timeline = reverse("api:project-timeline-list", args=[project.pk])
    assert api.get(timeline).status_code == 404


def test_timeline_api_tells_the_story_newest_first(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    body = bearer(pm).get(reverse("api:project-timeline-list", args=[project.pk])).json()
    kinds = [e["kind"] for e in body["results"]]
    assert {"decision", "stage", "signature", "version"} <= set(kinds)
    times = [e["at"] for e in body["results"]]
    assert times == sorted(times, reverse=True)
    decision = next(e for e in body["results"] if e["kind"] == "decision")
    assert decision["actor"] == str(executive) and "go" in decision["summary"]


def test_list_endpoints_run_a_fixed_number_of_queries(
    org, pm, executive, django_assert_num_queries
):
    def grow(n):
        for i in range(n):
            p = proposed_project(org, pm, executive)
            services.gate_open(project=p)
            services.measurement_record(project=p, kind="metric", value=Decimal(i), by=pm)
            services.decision_record(
                project=p, outcome="kill", by=executive, reason_category="other", rationale="x"
            )

    api = session(pm)
    names = ("api:gate-list", "api:criterion-list", "api:measurement-list", "api:decision-list")
    grow(5)
    small = {}
    for name in names:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(reverse(name)).status_code == 200
        small[name] = len(ctx.captured_queries)
    grow(45)
    for name in names:
        with django_assert_num_queries(small[name]):
            assert len(api.get(reverse(name)).json()["results"]) >= 5


def test_a_decision_names_its_gate_and_a_retry_is_refused(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    api = bearer(executive)
    url = reverse("api:decision-list")
    missing = api.post(url, {"project": project.pk, "outcome": "go"}, format="json")
    assert missing.status_code == 400 and "gate" in missing.json()
    foreign = services.gate_open(project=proposed_project(org, pm, executive))
    wrong = api.post(
        url, {"project": project.pk, "gate": foreign.pk, "outcome": "go"}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"gate": ["No such gate of this project."]}
    go = {
        "project": project.pk,
        "gate": gate_id(project),
        "outcome": "go",
        "new_decision_date": days(80).isoformat(),
    }
    assert api.post(url, go, format="json").status_code == 201
    retried = api.post(url, go, format="json")
    assert retried.status_code == 400
    assert retried.json() == {"gate": ["This gate has already been decided."]}
    project.refresh_from_db()
    assert (project.stage, project.decision_date) == ("pilot", days(80))


def test_go_into_pilot_without_the_next_decision_date_is_a_400(org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    response = bearer(executive).post(
        reverse("api:decision-list"),
        {"project": project.pk, "gate": gate_id(project), "outcome": "go"},
        format="json",
    )
    assert response.status_code == 400
    assert "decision date of the production gate" in response.json()["new_decision_date"][0]


def test_a_viewer_named_decision_maker_is_refused_with_the_reason(org, pm, viewer):
    project = proposed_project(org, pm, viewer)
    response = bearer(viewer).post(
        reverse("api:decision-list"),
        {
            "project": project.pk,
            "gate": services.gate_open(project=project).pk,
            "outcome": "kill",
            "reason_category": "other",
            "rationale": "x",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "The decision-maker must be an executive of the organisation."
    }
    assert not Decision.objects.exists()


def test_extend_through_the_api_refuses_far_or_shorter_deadlines(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    api = bearer(executive)
    url = reverse("api:decision-list")
    extend = {
        "project": project.pk,
        "gate": gate_id(project),
        "outcome": "extend",
        "rationale": "More data",
    }
    far = api.post(
        url,
        {**extend, "new_kill_deadline": "9999-12-31", "new_decision_date": "9999-12-31"},
        format="json",
    )
    assert far.status_code == 400 and "at most a year ahead" in far.json()["new_kill_deadline"][0]
    shorter = api.post(
        url,
        {**extend, "new_kill_deadline": days(7).isoformat(), "new_decision_date": days(9)},
        format="json",
    )
    assert shorter.status_code == 400
    assert "later than the current one" in shorter.json()["new_kill_deadline"][0]
    assert not Decision.objects.filter(outcome="extend").exists()


def test_a_harness_score_with_many_decimals_is_rounded_not_refused(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    response = bearer(pm).post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "metric", "value": "0.87654321"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["value"] == "0.8765"
    too_big = bearer(pm).post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "metric", "value": "12345678901234"},
        format="json",
    )
    assert too_big.status_code == 400 and "value" in too_big.json()


def test_a_reading_dated_before_the_project_is_refused(org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    response = bearer(pm).post(
        reverse("api:measurement-list"),
        {
            "project": project.pk,
            "kind": "metric",
            "value": "80",
            "measured_at": "0001-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "before the project began" in response.json()["measured_at"][0]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00"])
def test_a_time_at_the_edge_of_the_calendar_is_a_400_not_a_crash(org, pm, executive, when):
    """A naive 0001-01-01 cannot be placed in the server's time zone at all."""
    project, _, _ = in_poc(org, pm, executive)
    response = bearer(pm).post(
        reverse("api:measurement-list"),
        {"project": project.pk, "kind": "metric", "value": "80", "measured_at": when},
        format="json",
    )
    assert response.status_code == 400
    assert "measured_at" in response.json()
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("events", [5, 500])
def test_the_timeline_api_runs_a_fixed_number_of_queries(
    org, pm, executive, events, django_assert_num_queries
):
    from decisions.models import Measurement as Reading

    project, _, _ = in_poc(org, pm, executive)
    for i in range(events):  # written straight to the table: the count is what matters here
        Reading(project=project, kind="metric", value=i, recorded_by=pm).save()
    api = session(pm)
    url = reverse("api:project-timeline-list", args=[project.pk])
    api.get(url)  # warm the session
    # auth, project, count, page, one per kind (7), people named by the audit changes.
    with django_assert_num_queries(TIMELINE_API_QUERIES):
        response = api.get(url)
    assert response.json()["count"] >= events


TIMELINE_API_QUERIES = 11


def test_the_schema_documents_decisions_as_append_only_with_their_refusals(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    listing, item = paths["/api/v1/decisions/"], paths["/api/v1/decisions/{id}/"]
    assert set(listing) == {"get", "post"} and set(item) == {"get"}
    assert {"201", "400", "401", "403"} <= set(listing["post"]["responses"])
    body = schema["components"]["schemas"]["DecisionCreateRequest"]["properties"]
    assert "already been decided" in body["gate"]["description"]
    assert "required for poc → pilot" in body["new_decision_date"]["description"]
    value = schema["components"]["schemas"]["MeasurementRequest"]["properties"]["value"]
    assert "Rounded half up to 4 decimal places" in value["description"]
