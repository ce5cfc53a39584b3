"""The Django admin as an administrator uses it: it writes through the services, shows their
refusals next to the field, audits every change and never deletes projects or their history."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from portfolio import services
from portfolio.models import AuditEvent, Membership, Project, Stage, StageChange
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db

DM_MESSAGE = "The decision-maker must be an executive of the organisation."
NOT_A_MEMBER = "This person is not a member of the project&#x27;s organisation."


@pytest.fixture
def admin_client(client, db):
    client.force_login(
        UserFactory(
            email="admin@firm.test", full_name="Ada Admin", is_staff=True, is_superuser=True
        )
    )
    return client


def _value(bound) -> str | list | None:
    value = bound.value()
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, date):
        return value.isoformat()
    return value


def form_data(response) -> dict:
    """What the browser would post back from an admin add/change page, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime):  # the admin's split date and time inputs
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), f"{value:%H:%M:%S}"
            continue
        value = _value(form[name])
        if value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = _value(formset.management_form[name])
        for each in formset.forms:
            for name in each.fields:
                value = _value(each[name])
                if value is not None:
                    data[each.add_prefix(name)] = value
    return data


def field_row(html: str, field: str) -> str:
    """The admin's row for one field: its errors are shown inside it."""
    match = re.search(
        rf'<div class="form-row[^"]*field-{field}[^"]*">.*?(?=<div class="form-row|</fieldset>)',
        html,
        re.S,
    )
    assert match, f"no row for {field}"
    return match.group(0)


def project_url(project, action="change") -> str:
    return reverse(f"admin:portfolio_project_{action}", args=[project.pk])


# --- projects --------------------------------------------------------------------------------


def test_admin_cannot_name_a_non_member_as_pm(admin_client, project, outsider):
    url = project_url(project)
    data = form_data(admin_client.get(url))
    data["pm"] = outsider.pk
    data["summary"] = "Edited in the admin."
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert NOT_A_MEMBER in field_row(html, "pm")
    assert "Edited in the admin." in html  # what the admin typed is kept
    project.refresh_from_db()
    assert project.pm.email == "pm@acme.test" and project.summary != "Edited in the admin."
    assert not AuditEvent.objects.filter(project=project, action="project.updated").exists()


def test_admin_cannot_name_a_viewer_as_decision_maker(admin_client, project, viewer):
    url = project_url(project)
    data = form_data(admin_client.get(url))
    data["decision_maker"] = viewer.pk
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert DM_MESSAGE in field_row(response.content.decode(), "decision_maker")
    project.refresh_from_db()
    assert project.decision_maker.email == "exec@acme.test"


def test_inverted_timebox_is_one_message_next_to_its_field(admin_client, project):
    url = project_url(project)
    data = form_data(admin_client.get(url))
    data.update(timebox_start="2030-03-01", timebox_end="2030-02-01")
    html = admin_client.post(url, data).content.decode()
    assert "The timebox cannot end before it starts." in field_row(html, "timebox_end")
    assert "Constraint" not in html


def test_a_valid_admin_change_is_saved_through_the_service_and_audited(admin_client, project, org):
    engineer = member(org, "viewer", full_name="Eve Engineer")
    url = project_url(project)
    data = form_data(admin_client.get(url))
    data.update(engineering_owner=engineer.pk, name="Invoice triage v2", stage="production")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.engineering_owner == engineer
    assert project.slug == "invoice-triage-v2"  # the service picks the slug
    assert project.stage == Stage.PROPOSED  # read-only: posting a stage changes nothing
    event = AuditEvent.objects.get(project=project, action="project.updated")
    assert event.actor.email == "admin@firm.test"
    assert event.note == "In the admin."
    assert event.changes["engineering_owner"] == [None, engineer.pk]
    assert event.changes["name"] == ["Invoice triage", "Invoice triage v2"]


def test_admin_registers_a_project_through_the_service(admin_client, org, pm, executive):
    url = reverse("admin:portfolio_project_add")
    data = form_data(admin_client.get(url))
    data.update(organisation=org.pk, name="Contract reader", pm=pm.pk, decision_maker=pm.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert DM_MESSAGE in field_row(response.content.decode(), "decision_maker")
    assert not Project.objects.exists()

    data["decision_maker"] = executive.pk
    response = admin_client.post(url, data)
    assert response.status_code == 302
    project = Project.objects.get()
    assert (project.name, project.slug, project.pm, project.decision_maker) == (
        "Contract reader",
        "contract-reader",
        pm,
        executive,
    )
    event = AuditEvent.objects.get(project=project, action="project.created")
    assert event.actor.email == "admin@firm.test"


def test_stage_slug_and_organisation_are_read_only_on_change(admin_client, project):
    form = admin_client.get(project_url(project)).context["adminform"].form
    assert {"stage", "slug", "organisation"}.isdisjoint(form.fields)


def test_projects_and_their_stage_history_cannot_be_deleted(admin_client, project, executive):
    change = services.project_change_stage(project=project, to_stage=Stage.POC, by=executive)
    assert admin_client.get(project_url(project, "delete")).status_code == 403
    assert admin_client.post(project_url(project, "delete"), {"post": "yes"}).status_code == 403
    stage_change_delete = reverse("admin:portfolio_stagechange_delete", args=[change.pk])
    assert admin_client.post(stage_change_delete, {"post": "yes"}).status_code == 403
    # No bulk delete either.
    changelist = admin_client.get(reverse("admin:portfolio_project_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    response = admin_client.post(
        reverse("admin:portfolio_stagechange_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [change.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Project.objects.filter(pk=project.pk).exists()
    assert StageChange.objects.filter(pk=change.pk).exists()


# --- memberships -------------------------------------------------------------------------------


def test_bulk_removal_of_memberships_goes_through_the_service(admin_client, org):
    people = [member(org, "viewer") for _ in range(3)]
    ids = list(Membership.objects.filter(user__in=people).values_list("pk", flat=True))
    url = reverse("admin:portfolio_membership_changelist")
    confirm = admin_client.post(url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids})
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    response = admin_client.post(
        url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=ids).exists()
    events = AuditEvent.objects.filter(action="membership.removed")
    assert events.count() == 3
    assert {e.actor.email for e in events} == {"admin@firm.test"}


def test_bulk_removal_refuses_a_named_owner_and_removes_nothing(admin_client, org, project, pm):
    bystander = member(org, "viewer")
    ids = list(Membership.objects.filter(user__in=[bystander, pm]).values_list("pk", flat=True))
    url = reverse("admin:portfolio_membership_changelist")
    for data in (
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids},
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "post": "yes"},
    ):
        response = admin_client.post(url, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "cannot be removed yet" in html
        assert "Pat Manager cannot be removed from Acme Logistics" in html
        assert "Invoice triage (PM)" in html
    assert Membership.objects.filter(pk__in=ids).count() == 2
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_single_membership_delete_page_says_why_it_cannot_go(admin_client, org, project, pm):
    membership = Membership.objects.get(user=pm, organisation=org)
    url = reverse("admin:portfolio_membership_delete", args=[membership.pk])
    for response in (admin_client.get(url), admin_client.post(url, {"post": "yes"})):
        assert response.status_code == 200
        assert "Replace them as owner there first." in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_single_membership_delete_is_audited(admin_client, org):
    membership = Membership.objects.get(user=member(org, "viewer"))
    url = reverse("admin:portfolio_membership_delete", args=[membership.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.removed").count() == 1


def test_deleting_a_person_removes_their_memberships_through_the_audit(admin_client, org):
    person = member(org, "viewer", full_name="Short Stay")
    url = reverse("admin:portfolio_user_delete", args=[person.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(user_id=person.pk).exists()
    removed = AuditEvent.objects.get(action="membership.removed")
    assert removed.organisation_id == org.pk and removed.changes == {"role": ["viewer", None]}


def test_deleting_a_named_owner_or_their_organisation_is_refused(admin_client, org, project, pm):
    for url in (
        reverse("admin:portfolio_user_delete", args=[pm.pk]),
        reverse("admin:portfolio_organisation_delete", args=[org.pk]),
    ):
        for response in (admin_client.get(url), admin_client.post(url, {"post": "yes"})):
            assert response.status_code == 200
            assert "Cannot delete" in response.content.decode()
    assert Membership.objects.filter(user=pm, organisation=org).exists()
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_membership_role_change_is_audited_and_refused_for_a_live_decision_maker(
    admin_client, org, project, executive
):
    membership = Membership.objects.get(user=executive, organisation=org)
    url = reverse("admin:portfolio_membership_change", args=[membership.pk])
    data = form_data(admin_client.get(url))
    assert "user" not in data and "organisation" not in data  # read-only once created
    data["role"] = "viewer"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    row = field_row(response.content.decode(), "role")
    assert "is the decision-maker of Invoice triage" in row
    membership.refresh_from_db()
    assert membership.role == "executive"

    services.project_change_stage(project=project, to_stage=Stage.KILLED, by=executive)
    assert admin_client.post(url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "viewer"
    event = AuditEvent.objects.get(action="membership.updated")
    assert (event.changes, event.actor.email) == (
        {"role": ["executive", "viewer"]},
        "admin@firm.test",
    )


def test_adding_a_membership_in_the_admin_is_audited(admin_client, org):
    person = UserFactory(full_name="Nina New")
    url = reverse("admin:portfolio_membership_add")
    response = admin_client.post(url, {"user": person.pk, "organisation": org.pk, "role": "pm"})
    assert response.status_code == 302
    assert Membership.objects.get(user=person).role == "pm"
    assert AuditEvent.objects.filter(action="membership.created").count() == 1


def test_organisation_inline_saves_and_removes_through_the_services(
    admin_client, org, project, pm, viewer
):
    url = reverse("admin:portfolio_organisation_change", args=[org.pk])
    page = admin_client.get(url)
    data = form_data(page)
    rows = {data[f"memberships-{i}-user"]: i for i in range(int(data["memberships-INITIAL_FORMS"]))}
    newcomer = UserFactory(full_name="Nina New")
    extra = int(data["memberships-INITIAL_FORMS"])
    data[f"memberships-{extra}-user"] = newcomer.pk
    data[f"memberships-{extra}-role"] = "viewer"

    # Removing the PM of a project is refused and nothing at all is saved.
    refused = dict(data, **{f"memberships-{rows[pm.pk]}-DELETE": "on"})
    response = admin_client.post(url, refused)
    assert response.status_code == 200
    assert "Pat Manager cannot be removed from Acme Logistics" in response.content.decode()
    assert Membership.objects.filter(user=pm, organisation=org).exists()
    assert not Membership.objects.filter(user=newcomer).exists()

    # Removing the viewer and adding the newcomer works, each audited.
    accepted = dict(data, **{f"memberships-{rows[viewer.pk]}-DELETE": "on"})
    response = admin_client.post(url, accepted)
    assert response.status_code == 302
    assert not Membership.objects.filter(user=viewer, organisation=org).exists()
    assert Membership.objects.get(user=newcomer, organisation=org).role == "viewer"
    assert [
        (e.action, e.object_repr.split(" —")[0])
        for e in AuditEvent.objects.filter(object_type="portfolio.membership").order_by("id")
    ] == [("membership.removed", "Vic Viewer"), ("membership.created", "Nina New")]


def test_membership_inline_cannot_move_a_membership_to_someone_else(admin_client, org, viewer):
    url = reverse("admin:portfolio_organisation_change", args=[org.pk])
    data = form_data(admin_client.get(url))
    index = next(
        i
        for i in range(int(data["memberships-INITIAL_FORMS"]))
        if data[f"memberships-{i}-user"] == viewer.pk
    )
    data[f"memberships-{index}-user"] = UserFactory().pk
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "remove it and add a new one" in response.content.decode()
    assert Membership.objects.filter(user=viewer, organisation=org).exists()


def test_user_page_membership_inline_goes_through_the_services(admin_client, org, pm, project):
    url = reverse("admin:portfolio_user_change", args=[pm.pk])
    data = form_data(admin_client.get(url))
    data.pop("password", None)
    data["memberships-0-role"] = "viewer"
    data["memberships-0-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Invoice triage (PM)" in response.content.decode()
    assert Membership.objects.get(user=pm, organisation=org).role == "pm"

    del data["memberships-0-DELETE"]
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Membership.objects.get(user=pm, organisation=org).role == "viewer"
    event = AuditEvent.objects.get(action="membership.updated")
    assert event.changes == {"role": ["pm", "viewer"]}
