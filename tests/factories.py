import factory
from django.utils import timezone

from portfolio.hooks import project_created
from portfolio.models import Membership, Organisation, Project, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.VIEWER


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project written straight to the database (tests of the service use the service), then
    announced through the same registration hook the service runs: it stands at the gate of its
    stage from the start, as every real project does."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    summary = "Classify inbound support tickets with an LLM."
    timebox_start = factory.LazyFunction(lambda: timezone.localdate())
    timebox_end = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(weeks=6))

    @factory.post_generation
    def announce(obj, create, extracted, **kwargs):
        if create:
            project_created.run(project=obj, by=None)


def member(org, role, **user_kwargs):
    """A new user with ``role`` in ``org``."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organisation=org, role=role)
    return user
