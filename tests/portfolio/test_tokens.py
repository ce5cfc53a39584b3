"""Personal access tokens through the HTTP API, with real tokens from ``token_create``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portfolio.models import PersonalAccessToken, Project
from portfolio.services import token_create, token_revoke

pytestmark = pytest.mark.django_db

LIST = reverse("api:project-list")
ME = reverse("api:me-list")


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def client():
    # CSRF enforced like a real browser would have it: tokens must not need it.
    return Client(enforce_csrf_checks=True)


def test_token_lifecycle(client, project, pm, org):
    token, secret = token_create(user=pm, name="Eval harness", scope="write")
    assert token.last_used_at is None

    # Used: the API answers as the token's owner, and the last-used time is recorded.
    response = client.get(LIST, **bearer(secret))
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Invoice triage"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)

    # A read-write token writes, without a CSRF token (it is not a browser session).
    response = client.post(
        LIST,
        {"organisation": org.pk, "name": "Posted by CI"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 201, response.content

    # Revoked: refused with a reason.
    token_revoke(token=token, by=pm)
    response = client.get(LIST, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "This token has been revoked; create a new one on your profile page."
    )
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_read_only_token_reads_but_may_not_write(client, project, pm, org):
    _, secret = token_create(user=pm, name="BI export", scope="read")
    assert client.get(LIST, **bearer(secret)).status_code == 200
    response = client.post(
        LIST,
        {"organisation": org.pk, "name": "Should not exist"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    response = client.patch(
        reverse("api:project-detail", args=[project.pk]),
        {"summary": "Changed"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert list(Project.objects.values_list("name", "summary")) == [
        ("Invoice triage", project.summary)
    ]


def test_expired_token_is_refused(client, project, pm):
    token, secret = token_create(
        user=pm, name="Short lived", expires_at=timezone.now() + timedelta(days=1)
    )
    assert client.get(LIST, **bearer(secret)).status_code == 200
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(LIST, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("This token has expired")


def test_unknown_and_malformed_tokens_are_refused(client, project):
    response = client.get(LIST, **bearer("gh_not-a-real-token"))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("This token is unknown")
    response = client.get(LIST, HTTP_AUTHORIZATION="Bearer")
    assert response.status_code == 401
    assert "Authorization: Bearer <token>" in response.json()["detail"]
    response = client.get(LIST)
    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, pm):
    _, secret = token_create(user=pm, name="Leaver", scope="write")
    pm.is_active = False
    pm.save()
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["detail"] == "This token's user is deactivated."


def test_only_the_hash_is_stored(pm):
    token, secret = token_create(user=pm, name="CI", scope="write")
    row = PersonalAccessToken.objects.filter(pk=token.pk).values().get()
    assert secret not in repr(row)
    assert row["key_hash"] == PersonalAccessToken.hash_secret(secret)
    assert secret.startswith(row["key_prefix"]) and len(row["key_prefix"]) < len(secret) / 3


def test_token_sees_only_its_owners_scope(client, project, other_project, outsider):
    _, secret = token_create(user=outsider, name="Globex BI")
    response = client.get(reverse("api:project-detail", args=[project.pk]), **bearer(secret))
    assert response.status_code == 404


def test_me_tells_a_tool_whose_token_it_holds(client, pm, org):
    _, secret = token_create(user=pm, name="Eval harness", scope="read")
    body = client.get(ME, **bearer(secret)).json()
    assert body["email"] == "pm@acme.test"
    assert body["memberships"][0]["role"] == "pm"
    assert body["token"]["name"] == "Eval harness"
    assert body["token"]["scope"] == "read"
    assert secret not in str(body)


def test_last_used_is_refreshed_after_a_minute(client, pm):
    token, secret = token_create(user=pm, name="CI")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=an_hour_ago)
    client.get(ME, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at > an_hour_ago + timedelta(minutes=59)
