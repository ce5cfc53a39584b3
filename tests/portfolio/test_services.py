"""The portfolio services: every write and rule of projects and memberships, on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction

from portfolio import services
from portfolio.models import AuditEvent, Membership, Project, Stage, StageChange
from tests.factories import ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db

DM_MESSAGE = "The decision-maker must be an executive of the organisation."
NOT_A_MEMBER = "This person is not a member of the project's organisation."


def create(org, by, **kwargs):
    return services.project_create(organisation=org, by=by, **{"name": "Invoice triage", **kwargs})


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- project_create ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["executive", "viewer", "partner", "outsider"])
def test_create_is_refused_to_anyone_but_a_pm_of_the_organisation(
    org, who, executive, viewer, partner, outsider
):
    person = {"executive": executive, "viewer": viewer, "partner": partner, "outsider": outsider}
    with pytest.raises(PermissionDenied, match="Only a PM of this organisation"):
        create(org, person[who])
    assert not Project.objects.exists()
    assert not AuditEvent.objects.filter(action="project.created").exists()


def test_create_defaults_the_pm_to_the_creator_and_audits(org, pm, executive):
    project = create(org, pm, name="  Invoice triage ", decision_maker=executive)
    assert project.pm == pm and project.created_by == pm
    assert project.name == "Invoice triage" and project.stage == Stage.PROPOSED
    event = AuditEvent.objects.get(project=project, action="project.created")
    assert event.actor == pm
    assert event.changes["decision_maker"] == [None, executive.pk]
    assert event.changes["pm"] == [None, pm.pk]


def test_create_keeps_a_pm_named_by_the_creator(org, pm):
    colleague = member(org, "pm")
    assert create(org, pm, pm=colleague).pm == colleague


def test_repeated_names_get_numbered_slugs_per_organisation(org, other_org, pm, outsider):
    slugs = [create(org, pm).slug for _ in range(3)]
    assert slugs == ["invoice-triage", "invoice-triage-2", "invoice-triage-3"]
    # Another organisation has its own slugs.
    assert create(other_org, outsider).slug == "invoice-triage"


def test_create_refuses_owners_who_are_not_members(org, pm, outsider):
    with pytest.raises(ValidationError) as excinfo:
        create(org, pm, business_owner=outsider, production_owner=outsider)
    assert errors_of(excinfo) == {
        "business_owner": [NOT_A_MEMBER],
        "production_owner": [NOT_A_MEMBER],
    }
    assert not Project.objects.exists()


@pytest.mark.parametrize("role", ["pm", "viewer"])
def test_create_refuses_a_decision_maker_who_is_not_an_executive(org, pm, role):
    person = member(org, role)
    with pytest.raises(ValidationError) as excinfo:
        create(org, pm, decision_maker=person)
    assert errors_of(excinfo) == {"decision_maker": [DM_MESSAGE]}
    assert not Project.objects.exists()


def test_a_decision_maker_from_another_organisation_is_just_not_a_member(org, pm, other_org):
    foreign_executive = member(other_org, "executive")
    with pytest.raises(ValidationError) as excinfo:
        create(org, pm, decision_maker=foreign_executive)
    assert errors_of(excinfo) == {"decision_maker": [NOT_A_MEMBER]}


def test_create_checks_the_timebox_and_decision_date(org, pm):
    from datetime import date

    with pytest.raises(ValidationError) as excinfo:
        create(
            org,
            pm,
            timebox_start=date(2030, 3, 1),
            timebox_end=date(2030, 2, 1),
            decision_date=date(2030, 1, 1),
        )
    assert errors_of(excinfo) == {
        "timebox_end": ["The timebox cannot end before it starts."],
        "decision_date": ["The decision date cannot be before the timebox starts."],
    }


# --- the slug race (item: two creates with the same name at the same moment) -------------------


@pytest.mark.django_db(transaction=True)
def test_two_creates_of_the_same_name_at_once_both_succeed(org, pm):
    """The first create holds its new row uncommitted; the second picks the same slug (the row is
    invisible to it), blocks on the unique index, and after the first commits must fall back to
    the next free slug instead of failing with an IntegrityError (a 500)."""
    outcome: dict[str, object] = {}

    def second_create():
        try:
            outcome["project"] = create(org, pm)
        except Exception as exc:  # reported below
            outcome["error"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        first = create(org, pm)
        worker = threading.Thread(target=second_create)
        worker.start()
        # Wait until the second create is blocked on our uncommitted row.
        for _ in range(200):
            with connection.cursor() as cursor:
                # Statistics are a snapshot per transaction: drop it to see the worker now.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'INSERT INTO \"portfolio_project\"%%'"
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the second create never reached the unique index")
    worker.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    second = outcome["project"]
    assert {first.slug, second.slug} == {"invoice-triage", "invoice-triage-2"}
    assert Project.objects.count() == 2
    assert AuditEvent.objects.filter(action="project.created").count() == 2


# --- project_update ----------------------------------------------------------------------------


def test_update_refuses_fields_that_are_not_editable(project, pm):
    with pytest.raises(ValidationError) as excinfo:
        services.project_update(
            project=project, by=pm, stage=Stage.PRODUCTION, slug="x", summary="ok"
        )
    assert errors_of(excinfo) == {
        "slug": ["This field cannot be changed here."],
        "stage": ["This field cannot be changed here."],
    }
    project.refresh_from_db()
    assert project.stage == Stage.PROPOSED and project.summary != "ok"


@pytest.mark.parametrize("who", ["executive", "viewer", "partner"])
def test_update_is_refused_to_anyone_but_a_pm(project, who, executive, viewer, partner):
    person = {"executive": executive, "viewer": viewer, "partner": partner}[who]
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, by=person, summary="Hijacked")
    project.refresh_from_db()
    assert project.summary != "Hijacked"


def test_update_audits_only_what_changed(project, pm, org):
    engineer = member(org, "viewer")
    services.project_update(
        project=project, by=pm, summary=project.summary, engineering_owner=engineer
    )
    event = AuditEvent.objects.get(project=project, action="project.updated")
    assert event.changes == {"engineering_owner": [None, engineer.pk]}
    services.project_update(project=project, by=pm, engineering_owner=engineer)
    assert AuditEvent.objects.filter(project=project, action="project.updated").count() == 1


def test_update_owner_rules(project, pm, org, outsider):
    viewer = member(org, "viewer")
    with pytest.raises(ValidationError) as excinfo:
        services.project_update(project=project, by=pm, pm=outsider, decision_maker=viewer)
    assert errors_of(excinfo) == {"pm": [NOT_A_MEMBER], "decision_maker": [DM_MESSAGE]}
    project.refresh_from_db()
    assert project.pm == pm and project.decision_maker.email == "exec@acme.test"
    assert not AuditEvent.objects.filter(project=project, action="project.updated").exists()


def test_rename_takes_the_next_free_slug(org, pm):
    ProjectFactory(organisation=org, name="Churn radar", slug="churn-radar")
    project = create(org, pm)
    project = services.project_update(project=project, by=pm, name="Churn radar")
    assert project.slug == "churn-radar-2"
    # Saving the same name again keeps the slug.
    assert services.project_update(project=project, by=pm, name="Churn radar").slug == (
        "churn-radar-2"
    )


def test_a_killed_project_keeps_a_decision_maker_who_left_the_executive_role(
    project, pm, executive, org
):
    """History is not re-judged: the summary of a killed project can still be corrected, but
    naming a non-executive decision-maker now is refused."""
    services.project_change_stage(project=project, to_stage=Stage.KILLED, by=executive)
    services.membership_set(user=executive, organisation=org, role="viewer")
    project = services.project_update(project=project, by=pm, summary="Killed: no data.")
    assert project.summary == "Killed: no data."
    with pytest.raises(ValidationError) as excinfo:
        services.project_update(project=project, by=pm, decision_maker=member(org, "pm"))
    assert errors_of(excinfo) == {"decision_maker": [DM_MESSAGE]}


# --- project_change_stage ------------------------------------------------------------------------


def test_stage_moves_along_the_lifecycle_and_is_logged(project, executive):
    change = services.project_change_stage(
        project=project, to_stage=Stage.POC, by=executive, reason="Charter signed."
    )
    project.refresh_from_db()
    assert project.stage == Stage.POC
    assert (change.from_stage, change.to_stage, change.changed_by) == ("proposed", "poc", executive)
    event = AuditEvent.objects.get(project=project, action="project.stage_changed")
    assert event.changes == {"stage": ["proposed", "poc"]}
    assert event.note == "Charter signed."


@pytest.mark.parametrize(
    "path, illegal",
    [
        ([], Stage.PILOT),  # proposed → pilot skips the charter gate
        ([], Stage.PRODUCTION),
        ([Stage.KILLED], Stage.POC),  # killed is terminal
        ([Stage.KILLED], Stage.PROPOSED),
        ([Stage.POC, Stage.PILOT], Stage.POC),  # no going back
        ([Stage.POC], Stage.POC),
    ],
)
def test_illegal_stage_moves_are_refused(project, executive, path, illegal):
    for stage in path:
        services.project_change_stage(project=project, to_stage=stage, by=executive)
    before = StageChange.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.project_change_stage(project=project, to_stage=illegal, by=executive)
    current = path[-1] if path else Stage.PROPOSED
    assert errors_of(excinfo) == {"stage": [f"A project cannot move from {current} to {illegal}."]}
    project.refresh_from_db()
    assert project.stage == current
    assert StageChange.objects.count() == before


# --- membership_set / membership_remove ------------------------------------------------------------


def test_membership_set_creates_and_changes_roles_with_an_audit(org):
    admin = UserFactory(is_staff=True)
    person = UserFactory()
    membership = services.membership_set(user=person, organisation=org, role="viewer", by=admin)
    services.membership_set(user=person, organisation=org, role="viewer", by=admin)  # no change
    services.membership_set(user=person, organisation=org, role="pm", by=admin)
    membership.refresh_from_db()
    assert membership.role == "pm"
    events = AuditEvent.objects.filter(object_type="portfolio.membership").order_by("id")
    assert [(e.action, e.changes, e.actor) for e in events] == [
        ("membership.created", {"role": [None, "viewer"]}, admin),
        ("membership.updated", {"role": ["viewer", "pm"]}, admin),
    ]
    assert {e.organisation_id for e in events} == {org.pk}


def test_membership_set_refuses_an_unknown_role(org):
    with pytest.raises(ValidationError) as excinfo:
        services.membership_set(user=UserFactory(), organisation=org, role="owner")
    assert list(errors_of(excinfo)) == ["role"]
    assert not Membership.objects.exists()


def test_an_executive_who_decides_a_live_project_keeps_the_role(project, executive, org):
    ProjectFactory(organisation=org, name="Churn radar", decision_maker=executive)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_set(user=executive, organisation=org, role="viewer")
    (message,) = errors_of(excinfo)["role"]
    assert message == (
        "Erin Executive is the decision-maker of Churn radar (decision-maker), Invoice triage "
        "(decision-maker), and a decision-maker must be an executive. Name another "
        "decision-maker there first."
    )
    assert Membership.objects.get(user=executive, organisation=org).role == "executive"
    assert not AuditEvent.objects.filter(action="membership.updated").exists()


def test_the_role_can_change_once_only_finished_projects_remain(project, executive, org, pm):
    services.project_change_stage(project=project, to_stage=Stage.KILLED, by=executive)
    services.membership_set(user=executive, organisation=org, role="pm")
    assert Membership.objects.get(user=executive, organisation=org).role == "pm"


def test_membership_remove_is_audited(org):
    admin = UserFactory(is_staff=True)
    person = member(org, "viewer")
    membership = Membership.objects.get(user=person)
    services.membership_remove(membership=membership, by=admin)
    assert not Membership.objects.filter(user=person).exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert (event.actor, event.changes, event.organisation_id) == (
        admin,
        {"role": ["viewer", None]},
        org.pk,
    )


def test_a_named_owner_cannot_be_removed_until_replaced(project, executive, org, pm):
    services.project_change_stage(project=project, to_stage=Stage.KILLED, by=executive)
    membership = Membership.objects.get(user=executive, organisation=org)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_remove(membership=membership, by=None)
    assert excinfo.value.messages == [
        "Erin Executive cannot be removed from Acme Logistics: they are still named on "
        "Invoice triage (business owner, decision-maker). Replace them as owner there first."
    ]
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.filter(action="membership.removed").exists()

    successor = member(org, "executive")
    services.project_update(project=project, by=pm, decision_maker=successor, business_owner=None)
    services.membership_remove(membership=membership, by=None)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_ownership_in_another_organisation_does_not_block_removal(org, other_org, outsider):
    ProjectFactory(organisation=other_org, pm=outsider)
    services.membership_set(user=outsider, organisation=org, role="viewer")
    services.membership_remove(
        membership=Membership.objects.get(user=outsider, organisation=org), by=None
    )
    assert list(
        Membership.objects.filter(user=outsider).values_list("organisation", flat=True)
    ) == [other_org.pk]


def test_a_long_list_of_projects_is_cut_short(org):
    person = member(org, "pm")
    for n in range(12):
        ProjectFactory(organisation=org, name=f"Project {n:02}", pm=person)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_validate_remove(membership=Membership.objects.get(user=person))
    (message,) = excinfo.value.messages
    assert "Project 00 (PM)" in message and "Project 09 (PM)" in message
    assert "Project 10" not in message and "and 2 more" in message


# --- the admin variant --------------------------------------------------------------------------


def test_admin_variant_needs_a_staff_user_with_the_permission(org, pm, executive):
    with pytest.raises(PermissionDenied):
        create(org, pm, via_admin=True)  # a PM, but not an admin
    superuser = UserFactory(is_staff=True, is_superuser=True)
    project = create(org, superuser, via_admin=True, decision_maker=executive)
    assert project.pm is None  # an admin is not made the PM of a project they registered
    event = AuditEvent.objects.get(project=project, action="project.created")
    assert (event.actor, event.note) == (superuser, "In the admin.")
    project = services.project_update(
        project=project, by=superuser, via_admin=True, summary="Set up by the admin."
    )
    assert project.summary == "Set up by the admin."
    with pytest.raises(ValidationError):
        services.project_update(project=project, by=superuser, via_admin=True, name="")
