"""The admin cannot erase history: people and organisations with history are deactivated, not
deleted (audited); "delete selected" explains a refusal instead of failing; tokens are
read-only but for "Revoke"; credentials made and revoked, and admin edits of gate templates,
are on the record."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from charters import admin as charters_admin
from charters.models import Charter
from decisions.models import CriterionTemplate, GateTemplate
from portfolio import audit, services
from portfolio.models import AuditEvent, Organisation, PersonalAccessToken, User
from tests.charters.helpers import approved
from tests.factories import UserFactory
from tests.portfolio.test_admin import form_data

pytestmark = pytest.mark.django_db

API = reverse("api:project-list")
DEACTIVATE_INSTEAD = "Deactivate"


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="admin@firm.test", full_name="Ada Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- Deleting people and organisations with history ---------------------------------------


def test_deleting_an_organisation_with_history_is_refused_with_what_to_do(admin_client, project):
    org = project.organisation
    events = AuditEvent.objects.filter(organisation=org).count()
    url = reverse("admin:portfolio_organisation_delete", args=[org.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "has history in Gatehouse" in text and "Deactivate it instead" in text
    assert 'name="post"' not in text  # no confirm button
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Organisation.objects.filter(pk=org.pk).exists()
    assert AuditEvent.objects.filter(organisation=org).count() == events


def test_deleting_a_person_with_history_is_refused_with_what_to_do(admin_client, project, pm):
    audit.record(actor=pm, action=audit.Action.PROJECT_UPDATED, instance=project)
    url = reverse("admin:portfolio_user_delete", args=[pm.pk])
    text = admin_client.get(url).content.decode()
    assert "Pat Manager has history in Gatehouse" in text and "Deactivate them instead" in text
    assert admin_client.post(url, {"post": "yes"}).status_code == 200
    assert User.objects.filter(pk=pm.pk).exists()
    assert AuditEvent.objects.filter(actor=pm).exists()


def test_delete_selected_on_people_with_history_says_why(admin_client, project, pm, executive):
    response = admin_client.post(
        reverse("admin:portfolio_user_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [pm.pk, executive.pk], "post": "yes"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was deleted" in text and "Deactivate" in text
    assert User.objects.filter(pk__in=[pm.pk, executive.pk]).count() == 2


def test_a_person_without_history_can_still_be_deleted(admin_client):
    newcomer = UserFactory(email="typo@firm.test")
    url = reverse("admin:portfolio_user_delete", args=[newcomer.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()


def test_the_service_refuses_anywhere_else(project, pm, org):
    with pytest.raises(ValidationError, match="Deactivate them instead"):
        services.history_validate_delete(pm)
    with pytest.raises(ValidationError, match="Deactivate it instead"):
        services.history_validate_delete(org)


def test_delete_selected_never_fails_with_an_error_page(admin_client, project, monkeypatch):
    """Any admin that lets "delete selected" reach a row the audit protects: a message, not a
    500 (it was BulkWriteRefused on the charters' admin)."""
    approved(project)
    # As the charters' admin was before it became read-only: deleting allowed.
    monkeypatch.setattr(charters_admin.ReadOnlyAdmin, "has_delete_permission", lambda *a, **k: True)
    charter = Charter.objects.get(project=project)
    response = admin_client.post(
        reverse("admin:charters_charter_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [charter.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Nothing was deleted" in response.content.decode()
    assert Charter.objects.filter(pk=charter.pk).exists()


# --- Deactivation -----------------------------------------------------------------------------


def test_deactivating_a_person_stops_their_sessions_and_tokens_and_is_audited(
    admin_client, admin_user, project, pm
):
    _, secret = services.token_create(user=pm, name="CI")
    their_browser = Client()
    their_browser.force_login(pm)
    assert their_browser.get(reverse("portfolio:home")).status_code == 200
    assert Client().get(API, **bearer(secret)).status_code == 200

    admin_client.post(
        reverse("admin:portfolio_user_changelist"),
        {"action": "deactivate", ACTION_CHECKBOX_NAME: [pm.pk]},
    )
    pm.refresh_from_db()
    assert pm.is_active is False
    assert their_browser.get(reverse("portfolio:home")).status_code == 302  # back to the login page
    assert Client().get(API, **bearer(secret)).status_code == 401
    event = AuditEvent.objects.get(action="person.deactivated")
    assert (event.actor, event.object_id, event.actor_name) == (
        admin_user,
        str(pm.pk),
        "Ada Admin",
    )
    assert AuditEvent.objects.filter(
        action="token.revoked", object_type="portfolio.personalaccesstoken"
    ).exists()

    admin_client.post(
        reverse("admin:portfolio_user_changelist"),
        {"action": "reactivate", ACTION_CHECKBOX_NAME: [pm.pk]},
    )
    pm.refresh_from_db()
    assert pm.is_active is True
    assert AuditEvent.objects.filter(action="person.reactivated", actor=admin_user).exists()


def test_active_is_not_a_checkbox_any_more(admin_client, pm):
    page = admin_client.get(reverse("admin:portfolio_user_change", args=[pm.pk]))
    assert 'name="is_active"' not in page.content.decode()
    page = admin_client.get(reverse("admin:portfolio_organisation_change", args=[pm.pk]))
    assert 'name="is_active"' not in page.content.decode()


def test_a_deactivated_organisation_keeps_its_history_readable_but_takes_no_new_projects(
    admin_client, admin_user, project, pm, org, other_org
):
    services.membership_set(user=pm, organisation=other_org, role="pm", by=admin_user)
    services.membership_set(
        user=UserFactory(full_name="Third"), organisation=other_org, role="pm", by=admin_user
    )
    reader = Client()
    reader.force_login(pm)
    assert {o.pk for o in reader.get(reverse("portfolio:home")).context["nav_organisations"]} == {
        org.pk,
        other_org.pk,
    }

    admin_client.post(
        reverse("admin:portfolio_organisation_changelist"),
        {"action": "deactivate", ACTION_CHECKBOX_NAME: [org.pk]},
    )
    org.refresh_from_db()
    assert org.is_active is False
    event = AuditEvent.objects.get(action="organisation.deactivated")
    assert (event.actor, event.organisation_id, event.organisation_name) == (
        admin_user,
        org.pk,
        "Acme Logistics",
    )
    # Gone from the switcher and from where a project is registered; its projects still read.
    assert [o.pk for o in reader.get(reverse("portfolio:home")).context["nav_organisations"]] == [
        other_org.pk
    ]
    assert reader.get(project.get_absolute_url()).status_code == 200
    with pytest.raises(ValidationError, match="deactivated: it takes no new projects"):
        services.project_create(organisation=org, by=pm, name="After the lights went out")
    _, secret = services.token_create(user=pm, name="CI", scope="write")
    response = Client().post(
        API,
        {"organisation": org.pk, "name": "Through the API"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 400
    assert "deactivated: it takes no new projects" in str(response.json())
    response = reader.get(reverse("portfolio:project-create"))
    assert org.name not in [
        str(c[1]) for c in response.context["form"].fields["organisation"].choices
    ]

    admin_client.post(
        reverse("admin:portfolio_organisation_changelist"),
        {"action": "reactivate", ACTION_CHECKBOX_NAME: [org.pk]},
    )
    assert AuditEvent.objects.filter(action="organisation.reactivated").exists()
    org.refresh_from_db()
    assert services.project_create(organisation=org, by=pm, name="Back in business").pk


# --- Tokens -----------------------------------------------------------------------------------


def test_the_token_admin_cannot_unrevoke_move_or_widen(admin_client, pm, executive):
    token, secret = services.token_create(user=pm, name="CI", scope="read")
    services.token_revoke(token=token, by=pm)
    token.refresh_from_db()
    url = reverse("admin:portfolio_personalaccesstoken_change", args=[token.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = admin_client.post(
        url,
        {
            "name": "CI",
            "user": executive.pk,
            "scope": "write",
            "revoked_at_0": "",
            "revoked_at_1": "",
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 403
    after = PersonalAccessToken.objects.get(pk=token.pk)
    assert (after.user_id, after.scope, after.revoked_at) == (pm.pk, "read", token.revoked_at)
    assert Client().get(API, **bearer(secret)).status_code == 401
    assert (
        admin_client.post(
            reverse("admin:portfolio_personalaccesstoken_delete", args=[token.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_the_token_admin_revokes_and_it_is_audited(admin_client, admin_user, project, pm):
    token, secret = services.token_create(user=pm, name="CI", scope="write")
    assert Client().get(API, **bearer(secret)).status_code == 200
    admin_client.post(
        reverse("admin:portfolio_personalaccesstoken_changelist"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(API, **bearer(secret)).status_code == 401
    event = AuditEvent.objects.get(action="token.revoked", object_id=str(token.pk))
    assert (event.actor, event.note) == (admin_user, "In the admin.")


def test_tokens_made_and_revoked_on_the_profile_are_audited(client, pm):
    client.force_login(pm)
    client.post(reverse("token-create"), {"name": "Eval harness", "scope": "write", "expiry": "90"})
    token = PersonalAccessToken.objects.get(user=pm)
    created = AuditEvent.objects.get(action="token.created")
    assert (created.actor, created.object_id) == (pm, str(token.pk))
    assert created.changes["scope"] == [None, "write"]
    client.post(reverse("token-revoke", args=[token.pk]))
    assert AuditEvent.objects.get(action="token.revoked").actor == pm


def test_calendar_feed_links_made_and_revoked_are_audited(client, pm):
    client.force_login(pm)
    client.post(reverse("decisions:calendar-rotate"))
    client.post(reverse("decisions:calendar-rotate"))  # a new link: the old one is revoked
    client.post(reverse("decisions:calendar-revoke"))
    actions = list(
        AuditEvent.objects.filter(actor=pm).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "calendar_feed.created",
        "calendar_feed.revoked",
        "calendar_feed.created",
        "calendar_feed.revoked",
    ]


# --- Gate templates ---------------------------------------------------------------------------


def test_an_admin_edit_of_a_gate_template_is_audited_with_what_changed(admin_client, admin_user):
    template = GateTemplate.objects.get(from_stage="poc")
    criterion = template.criteria.order_by("order", "id").first()
    url = reverse("admin:decisions_gatetemplate_change", args=[template.pk])
    page = admin_client.get(url)
    data = form_data(page)
    data["name"] = "PoC review"
    prefix = next(k for k, v in data.items() if k.endswith("-id") and str(v) == str(criterion.pk))
    data[prefix.replace("-id", "-title")] = "Metric reached on the labelled set"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    event = AuditEvent.objects.get(action="gate_template.updated")
    assert event.actor == admin_user
    assert event.changes["name"] == [template.name, "PoC review"]
    before, after = event.changes["criteria"]
    assert any("Metric reached on the labelled set" in line for line in after)
    assert not any("Metric reached on the labelled set" in line for line in before)
    assert CriterionTemplate.objects.get(pk=criterion.pk).title == (
        "Metric reached on the labelled set"
    )
    # Not deleted: the gates opened from it name it.
    delete = reverse("admin:decisions_gatetemplate_delete", args=[template.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_the_audit_log_is_listed_read_only_with_the_names_it_kept(admin_client, project, pm):
    event = audit.record(actor=pm, action=audit.Action.PROJECT_UPDATED, instance=project)
    page = admin_client.get(reverse("admin:portfolio_auditevent_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pat Manager" in text and "Acme Logistics" in text
    assert "delete_selected" not in text
    change = reverse("admin:portfolio_auditevent_change", args=[event.pk])
    assert admin_client.post(change, {"note": "Rewritten"}).status_code == 403
