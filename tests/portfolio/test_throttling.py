"""Abuse is throttled: password guessing, API floods and password-reset floods, as their targets
meet them — through the login page, the API and the reset page."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from portfolio.services import token_create
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
RESET = reverse("password_reset")
LIST = reverse("api:project-list")


def log_in(client: Client, email: str, password: str, **headers):
    return client.post(LOGIN, {"username": email, "password": password}, **headers)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_until_locked(client: Client, email: str, **headers):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, email, "not-my-password", **headers)
    return response


# --- login: lockout per account and per address ------------------------------------------------


def test_twenty_wrong_passwords_then_the_right_one_does_not_log_in(client, pm):
    for _ in range(20):
        log_in(client, "pm@acme.test", "not-my-password")
    response = log_in(client, "pm@acme.test", PASSWORD)

    assert not signed_in(client)
    # The login page again, not a bare error page: what was typed, and when to try again.
    assert response.status_code == 429
    body = response.content.decode()
    assert "Log in to Gatehouse" in body
    assert 'value="pm@acme.test"' in body
    minutes = settings.AXES_COOLOFF_TIME.total_seconds() // 60
    assert f"try again in {minutes:.0f} minutes" in body
    assert 0 < int(response["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()


def test_the_lockout_starts_at_the_limit_and_ends_after_the_cool_off(client, pm):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "pm@acme.test", "not-my-password").status_code == 200
    # The attempt that reaches the limit is already answered with the lockout.
    locked = log_in(client, "pm@acme.test", "not-my-password")
    assert locked.status_code == 429
    # Trying on during the lockout does not extend it: the announced time holds.
    later = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        assert log_in(client, "pm@acme.test", "not-my-password").status_code == 429
        assert log_in(client, "pm@acme.test", PASSWORD).status_code == 429
    after_cool_off = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)
    with time_machine.travel(after_cool_off, tick=False):
        response = log_in(client, "pm@acme.test", PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)


def test_an_account_is_locked_whichever_address_the_guesses_come_from(client, pm):
    with override_settings(TRUSTED_PROXIES=1):
        for n in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "PM@acme.test", "nope", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
        response = log_in(client, "pm@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert response.status_code == 429
    assert not signed_in(client)


def test_an_address_is_locked_whichever_accounts_it_tries(client, org):
    people = [UserFactory(email=f"person{n}@acme.test") for n in range(3)]
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{n}@acme.test", "nope")
    response = log_in(client, people[0].email, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_behind_the_proxy_one_address_lockout_leaves_other_people_alone(client, pm, executive):
    """Every request arrives from the proxy's address; the client's is in X-Forwarded-For."""
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    with override_settings(TRUSTED_PROXIES=1):
        fail_until_locked(client, "nobody@acme.test", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
        # The locked-out client cannot slip out by writing its own X-Forwarded-For entry: the
        # proxy appends the address it saw, and only that last entry is believed.
        spoofed = log_in(
            client,
            "pm@acme.test",
            PASSWORD,
            HTTP_X_FORWARDED_FOR="192.0.2.50, 203.0.113.7",
            **proxy,
        )
        assert spoofed.status_code == 429
        colleague = Client()
        response = log_in(
            colleague, "exec@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy
        )
        assert response.status_code == 302
        assert signed_in(colleague)


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(
        UserFactory(
            email="admin@firm.test", full_name="Ada Admin", is_staff=True, is_superuser=True
        )
    )
    return client


def test_an_administrator_unlocks_a_locked_out_person_from_their_user_page(
    client, admin_client, pm
):
    fail_until_locked(client, "pm@acme.test")
    assert log_in(client, "pm@acme.test", PASSWORD).status_code == 429

    # Staff find the lockout in the admin: Axes › Access attempts lists the account.
    attempts = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200
    assert "pm@acme.test" in attempts.content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:axes_accessattempt_changelist") in index

    # The people list offers the unlock as an action.
    changelist = reverse("admin:portfolio_user_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "Unlock login" in page
    response = admin_client.post(
        changelist,
        {"action": "unlock_login", ACTION_CHECKBOX_NAME: [pm.pk]},
        follow=True,
    )
    assert "may log in again at once" in response.content.decode()

    response = log_in(client, "pm@acme.test", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_axes_reset_unlocks_too(client, pm):
    from axes.utils import reset

    fail_until_locked(client, "pm@acme.test")
    assert reset(username="pm@acme.test") >= 1
    assert log_in(client, "pm@acme.test", PASSWORD).status_code == 302


def test_failed_logins_are_recorded_without_the_password(client, pm):
    from axes.models import AccessAttempt

    log_in(client, "pm@acme.test", "my-secret-guess")
    attempt = AccessAttempt.objects.get(username="pm@acme.test")
    assert "my-secret-guess" not in attempt.post_data


def test_the_admin_login_is_locked_out_too(client, pm):
    admin_login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(admin_login, {"username": "pm@acme.test", "password": "nope"})
    response = client.post(admin_login, {"username": "pm@acme.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "try again in" in response.content.decode()


# --- the API: per token, per address ---------------------------------------------------------

LOW_RATES = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"token": "5/min", "address": "3/min"},
}


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@override_settings(REST_FRAMEWORK=LOW_RATES)
def test_a_token_over_its_rate_gets_429_with_retry_after_and_other_tokens_carry_on(project, pm):
    _, first = token_create(user=pm, name="Nightly export")
    _, second = token_create(user=pm, name="Dashboard sync")
    runaway = bearer(first)
    for _ in range(5):
        assert runaway.get(LIST).status_code == 200
    response = runaway.get(LIST)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]

    # The same person's other token has its own allowance.
    assert bearer(second).get(LIST).status_code == 200

    # A minute later the runaway token is let through again.
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert runaway.get(LIST).status_code == 200


@override_settings(REST_FRAMEWORK=LOW_RATES)
def test_calls_without_credentials_are_throttled_per_address(db, settings):
    # The schema opened to anyone (as in the demo): an endpoint that answers without credentials.
    settings.GATEHOUSE_PUBLIC_API_DOCS = True
    schema = reverse("api-schema")
    here, elsewhere = APIClient(REMOTE_ADDR="192.0.2.1"), APIClient(REMOTE_ADDR="192.0.2.2")
    for _ in range(3):
        assert here.get(schema).status_code == 200
    response = here.get(schema)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert elsewhere.get(schema).status_code == 200


def test_the_default_rates_stop_a_flood(project, pm):
    """The finding: 150 calls in under two seconds all answered 200."""
    _, secret = token_create(user=pm, name="Flood")
    client = bearer(secret)
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"].split("/")[0])
    me = reverse("api:me-list")
    statuses = [client.get(me).status_code for _ in range(rate + 1)]
    assert statuses[:rate] == [200] * rate
    assert statuses[-1] == 429


def test_the_schema_documents_429_with_retry_after_on_every_operation(client, pm):
    client.force_login(pm)  # outside the demo the schema needs a login
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 20
    for path, method, operation in operations:
        too_many = operation["responses"].get("429")
        assert too_many, f"{method.upper()} {path} does not document 429"
        assert "Retry-After" in too_many["headers"], f"{method.upper()} {path}"


# --- password reset: per email address, per sender's address ----------------------------------


def ask_reset(client: Client, email: str, **headers):
    return client.post(RESET, {"email": email}, **headers)


def without_csrf(body: bytes) -> str:
    """The page with its CSRF tokens (new on every answer) blanked."""
    return re.sub(r"[A-Za-z0-9]{64}", "CSRF", body.decode())


def test_reset_requests_for_one_email_are_limited_and_keep_what_was_typed(client, pm):
    limit = settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    for _ in range(limit):
        assert ask_reset(client, "pm@acme.test").status_code == 302
    assert len(mail.outbox) == limit

    response = ask_reset(client, "pm@acme.test")
    assert response.status_code == 429
    assert len(mail.outbox) == limit  # nothing more sent
    body = response.content.decode()
    assert "Too many password reset requests" in body
    assert re.search(r"Ask again in \d+ minutes?", body)
    assert 'value="pm@acme.test"' in body
    assert int(response["Retry-After"]) > 0

    # Another address is counted on its own.
    assert ask_reset(Client(), "exec@acme.test").status_code == 302


def test_the_limit_answers_the_same_whether_or_not_the_account_exists(pm):
    limit = settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    answers = {}
    for n, email in enumerate(["pm@acme.test", "nobody@acme.test"]):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        under = [ask_reset(client, email) for _ in range(limit)]
        assert {r.status_code for r in under} == {302}
        assert {r["Location"] for r in under} == {reverse("password_reset_done")}
        over = ask_reset(client, email)
        assert over.status_code == 429
        answers[email] = (over.status_code, without_csrf(over.content).replace(email, "EMAIL"))
    a, b = answers["pm@acme.test"][1].splitlines(), answers["nobody@acme.test"][1].splitlines()
    assert a == b, "\n".join(difflib.unified_diff(a, b, lineterm=""))
    assert answers["pm@acme.test"][0] == answers["nobody@acme.test"][0]


def test_reset_requests_from_one_address_are_limited(client, db):
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    for n in range(limit):
        assert ask_reset(client, f"someone{n}@acme.test").status_code == 302
    response = ask_reset(client, "someone-else@acme.test")
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    # An hour later the address may ask again.
    window = timedelta(seconds=settings.PASSWORD_RESET_LIMIT_WINDOW + 1)
    with time_machine.travel(timezone.now() + window, tick=False):
        assert ask_reset(client, "someone-else@acme.test").status_code == 302
