import pytest
from django.db import IntegrityError

from portfolio.models import Organisation, Project
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


def test_projects_visible_to_member_only_in_own_organisation(project, other_project, pm):
    assert list(Project.objects.visible_to(pm)) == [project]


def test_partner_sees_every_organisation(project, other_project, partner):
    assert set(Project.objects.visible_to(partner)) == {project, other_project}
    assert Organisation.objects.visible_to(partner).count() == 2


def test_anonymous_and_inactive_see_nothing(project, pm):
    from django.contrib.auth.models import AnonymousUser

    assert not Project.objects.visible_to(AnonymousUser()).exists()
    pm.is_active = False
    pm.save()
    assert not Project.objects.visible_to(pm).exists()


def test_member_of_two_organisations_sees_both(org, other_org, project, other_project):
    both = member(org, "viewer")
    from tests.factories import MembershipFactory

    MembershipFactory(user=both, organisation=other_org, role="viewer")
    assert set(Project.objects.visible_to(both)) == {project, other_project}


def test_timebox_end_before_start_refused_by_database(org):
    from datetime import date

    with pytest.raises(IntegrityError):
        ProjectFactory(
            organisation=org, timebox_start=date(2026, 5, 1), timebox_end=date(2026, 4, 1)
        )


def test_stage_is_not_editable_in_forms():
    assert Project._meta.get_field("stage").editable is False


@pytest.mark.parametrize(
    "field", ["business_owner", "production_owner", "engineering_owner", "decision_maker", "pm"]
)
def test_named_finds_a_person_in_any_owner_role_by_user_or_id(org, field):
    person = member(org, "viewer")
    named = ProjectFactory(organisation=org, **{field: person})
    ProjectFactory(organisation=org)  # names someone else, or nobody
    assert list(Project.objects.named(person)) == [named]
    assert list(Project.objects.named(person.pk)) == [named]
