"""How long a signed-in session lasts, as the person at the keyboard meets it: an idle timeout, an
absolute age, and a password change that signs out their other sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolio.services import token_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PROFILE = reverse("profile")


def logged_in_client(email: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def signed_in(client: Client) -> bool:
    response = client.get(PROFILE)
    return response.status_code == 200


def session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_a_session_idle_past_the_timeout_is_signed_out_with_a_message(pm):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in_client("pm@acme.test")
    idle = timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 60)
    with time_machine.travel(start + idle, tick=False):
        response = client.get(PROFILE, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "You were signed out after an hour without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive_past_the_idle_timeout(pm):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in_client("pm@acme.test")
    step = timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 10 * 60)
    for n in range(1, 4):  # three times the step: well past one idle timeout in all
        with time_machine.travel(start + n * step, tick=False):
            assert signed_in(client), f"signed out after {n} steps of {step}"


def test_a_busy_session_still_ends_at_its_absolute_age(pm):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in_client("pm@acme.test")
    step = timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 10 * 60)
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    at = start + step
    while at < start + age - timedelta(minutes=1):
        with time_machine.travel(at, tick=False):
            assert signed_in(client), f"signed out {at - start} after login"
        at += step
    with time_machine.travel(start + age + timedelta(minutes=1), tick=False):
        assert not signed_in(client)


def test_reading_pages_writes_the_session_at_most_once_per_resolution(pm):
    """A read never writes — except the session's last-seen time, once every few minutes."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in_client("pm@acme.test")
    resolution = timedelta(seconds=settings.SESSION_ACTIVITY_RESOLUTION)
    with (
        time_machine.travel(start + resolution / 2, tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        for path in ("/", PROFILE, "/projects/"):
            assert client.get(path).status_code == 200
    assert session_writes(queries.captured_queries) == []
    with (
        time_machine.travel(start + resolution + timedelta(seconds=1), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        for path in ("/", PROFILE, "/projects/"):
            assert client.get(path).status_code == 200
    assert len(session_writes(queries.captured_queries)) == 1


def test_changing_the_password_signs_out_the_other_sessions_and_keeps_this_one(pm):
    laptop = logged_in_client("pm@acme.test")
    phone = logged_in_client("pm@acme.test")
    _, secret = token_create(user=pm, name="CI")
    assert signed_in(laptop) and signed_in(phone)

    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Your other sessions have been signed out" in response.content.decode()

    assert signed_in(laptop)
    assert not signed_in(phone)
    # Decided: personal access tokens are credentials of their own and keep working (the done
    # page says so); their owner revokes any of them on the profile page.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api:me-list")).status_code == 200
