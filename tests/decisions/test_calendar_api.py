"""/api/v1/calendar-feed/: whether the caller has a live feed and what it holds (never the
secret), a new secret URL answered once, revoking it — with real personal access tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icalendar import Calendar
from rest_framework.test import APIClient

from decisions.models import CalendarFeed
from portfolio.services import token_create
from tests.decisions.helpers import in_poc
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

BASE = "https://gatehouse.example.com"
FEED = "/api/v1/calendar-feed/"
ROTATE = "/api/v1/calendar-feed/rotate/"
REVOKE = "/api/v1/calendar-feed/revoke/"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.GATEHOUSE_BASE_URL = BASE


def bearer(user, scope="write") -> APIClient:
    _, secret = token_create(user=user, name="Calendar sync", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_routes_are_where_the_schema_says():
    assert reverse("api:calendar-feed-list") == FEED
    assert reverse("api:calendar-feed-rotate") == ROTATE
    assert reverse("api:calendar-feed-revoke") == REVOKE


def test_rotate_answers_the_url_once_and_the_status_never_shows_the_secret(
    client, org, pm, executive
):
    project, _, _ = in_poc(org, pm, executive, name="Invoice triage")
    api = bearer(pm)
    before = api.get(FEED)
    assert before.status_code == 200
    assert before.json()["active"] is False
    assert before.json()["key_prefix"] is None and before.json()["created_at"] is None

    created = api.post(ROTATE)
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    url = created.json()["url"]
    assert url.startswith(f"{BASE}/decisions/calendar/cal_") and url.endswith(".ics")
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.usable().get(user=pm)
    assert created.json()["key_prefix"] == feed.key_prefix and secret.startswith(feed.key_prefix)

    # The URL is a working feed (a calendar client sends no credentials).
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200
    assert len(Calendar.from_ical(response.content).events) == 2

    status = api.get(FEED)
    body = status.json()
    assert body["active"] is True and body["key_prefix"] == feed.key_prefix
    assert body["created_at"]
    assert secret not in status.content.decode()
    assert {(d["kind"], d["project"], d["summary"]) for d in body["dates"]} == {
        ("gate", project.pk, "Graduation gate of Invoice triage due"),
        ("kill", project.pk, "Kill deadline of Invoice triage"),
    }


def test_rotating_again_stops_the_old_url_and_revoke_stops_the_new_one(client, org, pm, executive):
    in_poc(org, pm, executive)
    api = bearer(pm)
    first = api.post(ROTATE).json()["url"].removeprefix(BASE)
    second = api.post(ROTATE).json()["url"].removeprefix(BASE)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    revoked = api.post(REVOKE)
    assert revoked.status_code == 204 and not revoked.content
    assert client.get(second).status_code == 404
    assert api.get(FEED).json()["active"] is False
    assert api.post(REVOKE).status_code == 204  # nothing live: nothing to do


def test_a_read_only_token_may_look_but_not_rotate_or_revoke(org, pm, executive):
    in_poc(org, pm, executive)
    reader = bearer(pm, scope="read")
    assert reader.get(FEED).status_code == 200
    assert reader.post(ROTATE).status_code == 403
    assert reader.post(REVOKE).status_code == 403
    assert not CalendarFeed.objects.filter(user=pm).exists()


def test_each_caller_sees_and_changes_only_their_own_feed(org, other_org, pm, executive, outsider):
    in_poc(org, pm, executive)
    ProjectFactory(organisation=other_org, name="Globex pricing", pm=outsider)
    mine = bearer(pm)
    mine.post(ROTATE)
    theirs = bearer(outsider)
    body = theirs.get(FEED).json()
    assert body["active"] is False
    assert [d["summary"] for d in body["dates"]] == ["Charter gate of Globex pricing due"]
    assert theirs.post(REVOKE).status_code == 204
    assert CalendarFeed.objects.usable().filter(user=pm).exists()  # untouched


def test_anonymous_callers_are_refused():
    api = APIClient()
    assert api.get(FEED).status_code == 401
    assert api.post(ROTATE).status_code == 401
    assert not CalendarFeed.objects.exists()


def test_the_schema_documents_the_three_operations(client, pm):
    client.force_login(pm)  # the schema needs a login outside the demo (config/api_docs.py)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    status = paths[FEED]["get"]
    rotate = paths[ROTATE]["post"]
    revoke = paths[REVOKE]["post"]
    assert "calendar feed" in status["summary"].lower()
    assert "never the secret" in status["description"]
    assert set(rotate["responses"]) >= {"201", "401", "403"}
    answer = rotate["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    secret_schema = schema["components"]["schemas"][answer.rsplit("/", 1)[1]]
    assert {"url", "key_prefix", "created_at"} <= set(secret_schema["properties"])
    status_fields = set(schema["components"]["schemas"]["CalendarFeed"]["properties"])
    assert status_fields == {"active", "key_prefix", "created_at", "dates"}  # no URL, no secret
    assert "requestBody" not in rotate and "requestBody" not in revoke
    assert set(revoke["responses"]) >= {"204", "401", "403"}


@pytest.mark.parametrize("n", [3, 30])
def test_the_status_costs_the_same_queries_at_3_and_30_projects(
    org, pm, executive, n, django_assert_num_queries
):
    for _ in range(n):
        ProjectFactory(organisation=org, pm=pm, decision_maker=executive)
    api = bearer(pm)
    api.post(ROTATE)
    # The token and its user; the organisations and roles; the live feed; the dates.
    with django_assert_num_queries(4):
        body = api.get(FEED).json()
    assert len(body["dates"]) == n
