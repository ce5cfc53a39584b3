"""The demo portfolio that `make demo` loads: varied enough to show every state, and safe to rerun."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from portfolio.demo import ADMIN_EMAIL, DEMO_LOGINS, DEMO_PASSWORD
from portfolio.models import (
    OWNER_FIELDS,
    AuditEvent,
    Membership,
    Organisation,
    Project,
    Stage,
    StageChange,
    User,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, User, Membership, Project, StageChange, AuditEvent)
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Loaded once for the module inside a transaction rolled back at the end (as Django's
    setUpTestData does); each test runs in its own savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_loading_twice_duplicates_nothing(demo):
    first = counts()
    call_command("load_demo", stdout=StringIO())
    assert counts() == first


def test_portfolio_has_the_size_and_spread_of_a_real_firm(demo):
    sizes = sorted(Organisation.objects.annotate(n=Count("projects")).values_list("n", flat=True))
    assert len(sizes) >= 12
    assert sum(sizes) >= 150
    assert sizes[-1] >= 35 and sizes[0] <= 3  # one big organisation, some tiny ones
    stages = set(Project.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)
    assert Project.objects.filter(stage=Stage.KILLED).count() >= 10


def test_every_role_is_present(demo):
    partner = User.objects.get(email="partner@gatehouse.demo")
    assert partner.is_partner
    assert not partner.memberships.filter(role="pm").exists()
    for role in ("pm", "executive", "viewer"):
        assert Membership.objects.filter(role=role).count() >= 5, role
    in_two = Membership.objects.values("user").annotate(n=Count("id")).filter(n__gt=1)
    assert in_two.count() >= 2
    assert User.objects.get(email=ADMIN_EMAIL).is_superuser


def test_printed_logins_work_with_the_published_password(demo, client):
    for email, _role, _orgs in DEMO_LOGINS:
        assert email in demo
        # Through the login page, as a visitor of the demo does (django-axes' backend also
        # refuses client.login(), which calls authenticate() without a request).
        response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
    assert DEMO_PASSWORD in demo


def test_named_owners_are_members_of_the_projects_organisation(demo):
    members = set(Membership.objects.values_list("organisation_id", "user_id"))
    named = 0
    for row in Project.objects.values("organisation_id", *[f"{f}_id" for f in OWNER_FIELDS]):
        for field in OWNER_FIELDS:
            if row[f"{field}_id"]:
                named += 1
                assert (row["organisation_id"], row[f"{field}_id"]) in members, field
    assert named > 600


def test_the_usual_gaps_show(demo):
    today = timezone.localdate()
    now = timezone.now()
    active = Project.objects.active()
    assert active.filter(production_owner__isnull=True).count() >= 10
    assert not Project.objects.filter(
        stage=Stage.PRODUCTION, production_owner__isnull=True
    ).exists()
    assert active.filter(decision_date__lt=today).count() >= 5  # overdue
    assert active.filter(
        decision_date__gte=today, decision_date__lte=today + timezone.timedelta(days=14)
    ).exists()
    assert active.filter(decision_date__gt=today + timezone.timedelta(days=30)).exists()
    assert active.filter(updated_at__lt=now - timezone.timedelta(days=21)).count() >= 5  # stalled
    assert active.filter(updated_at__gte=now - timezone.timedelta(days=7)).count() >= 5


def test_advanced_projects_carry_their_stage_history(demo):
    advanced = Project.objects.exclude(stage=Stage.PROPOSED)
    without_history = advanced.annotate(n=Count("stage_changes")).filter(n=0)
    assert not without_history.exists()
    for project in Project.objects.filter(stage=Stage.PRODUCTION)[:5]:
        path = list(project.stage_changes.order_by("changed_at").values_list("to_stage", flat=True))
        assert path == ["poc", "pilot", "production"]
    assert not StageChange.objects.filter(changed_at__gt=timezone.now()).exists()
    killed = StageChange.objects.filter(to_stage=Stage.KILLED)
    assert not killed.filter(reason="").exists()
    # A kill names who made it, except the lapse policy's: some PoCs of the story were killed
    # because nobody decided, and their decision names the policy instead.
    by_policy = killed.filter(changed_by__isnull=True)
    assert by_policy.exists()
    from decisions.models import Decision

    policy_kills = Decision.objects.filter(outcome="kill", decided_by__isnull=True)
    assert set(policy_kills.values_list("project_id", flat=True)) == set(
        by_policy.values_list("project_id", flat=True)
    )
    assert not policy_kills.filter(decided_by_policy="").exists()
    assert set(policy_kills.values_list("reason_category", flat=True)) == {"decision_lapsed"}
    # Stage changes went through the audited service, dated like the history they tell.
    audited = AuditEvent.objects.filter(action="project.stage_changed")
    assert audited.count() == StageChange.objects.count()
    assert audited.filter(at__lt=timezone.now() - timezone.timedelta(days=60)).exists()


def test_timelines_read_in_story_order_not_loading_order(demo):
    """Charters and gates the demo writes in one run are dated when their story says."""
    from charters.models import CharterVersion
    from decisions.models import Gate

    for version in CharterVersion.objects.filter(number=1, submitted_at__isnull=False)[:40]:
        project = version.charter.project
        submitted = AuditEvent.objects.get(action="charter.submitted", object_id=str(version.pk)).at
        assert submitted == version.submitted_at
        into_poc = project.stage_changes.filter(to_stage=Stage.POC).first()
        if into_poc is not None:  # the charter was agreed before the PoC began
            assert submitted <= into_poc.changed_at, project
    for gate in Gate.objects.filter(from_stage=Stage.POC)[:40]:
        into_poc = gate.project.stage_changes.filter(to_stage=Stage.POC).first()
        assert gate.opened_at == into_poc.changed_at
        opened = AuditEvent.objects.get(action="gate.opened", object_id=str(gate.pk))
        assert opened.at == gate.opened_at


def test_the_partners_dashboard_has_something_to_say_in_every_panel(demo, client):
    """A partner opening the demo's dashboard sees each kind of ending and of lateness: kills
    by the lapse policy and by people, pivots, extensions, and decision-makers who differ."""
    partner = User.objects.get(email="partner@gatehouse.demo")
    client.force_login(partner)
    summary = client.get(reverse("decisions:dashboard")).context["summary"]
    graveyard = summary.graveyard
    assert graveyard.by_policy.value > 0 and graveyard.by_person.value > 0
    assert graveyard.pivots.value > 0
    assert summary.funnel.reached_production.value > 0
    assert sum(row.extensions.value for row in summary.accountability) > 0
    lateness = {row.days_late.value for row in summary.accountability} - {None}
    assert len(lateness) >= 3, lateness


def test_every_project_carries_the_inputs_of_its_states_as_its_history_says(demo):
    """The demo writes gates and readings as history, past the services: the stored inputs of
    the derived states (the open gate's due date, the approved threshold, the newest metric)
    must still be what that history says, or the list would show a wrong state."""
    from decisions.states import inputs
    from portfolio.models import STATE_INPUTS

    fresh = Project.objects.annotate(**{f"fresh_{k}": v for k, v in inputs().items()})
    rows = list(fresh.values("name", *STATE_INPUTS, *(f"fresh_{k}" for k in STATE_INPUTS)))
    stale = [r["name"] for r in rows if any(r[k] != r[f"fresh_{k}"] for k in STATE_INPUTS)]
    assert stale == []
    assert sum(r["latest_metric"] is not None for r in rows) >= 20
    assert sum(r["kill_threshold"] is not None for r in rows) >= 40


def test_each_charter_fits_its_project_and_comes_after_it(demo):
    """A project that reads documents measures extraction, a forecast measures forecast error,
    and no charter is dated before its project was registered."""
    from django.db.models import F

    from charters.models import CharterVersion

    versions = CharterVersion.objects.select_related("charter__project")
    assert versions.count() >= 40
    for v in versions:
        name = v.charter.project.name.lower()
        if "ocr" in name or "extraction" in name:
            assert v.metric_name in ("Extraction F1", "Manual review rate", ""), (name, v)
        if "forecast" in name:
            assert v.metric_name in ("Forecast error (MAPE)", ""), (name, v)
    early = versions.filter(created_at__lt=F("charter__project__created_at"))
    assert list(early.values_list("charter__project__name", flat=True)) == []
    assert not versions.filter(submitted_at__lt=F("created_at")).exists()


def test_every_killed_project_of_the_demo_was_killed_by_a_recorded_decision(demo):
    """The graveyard tells its stories whole: a kill at a gate, with its date and its reason
    (a project is killed at one of its gates; production has none)."""
    from decisions.models import Decision

    killed = Project.objects.filter(stage=Stage.KILLED)
    assert killed.count() >= 10
    assert not killed.filter(killed_at__isnull=True).exists()
    assert not killed.filter(kill_reason="").exists()
    decided = set(Decision.objects.filter(outcome="kill").values_list("project_id", flat=True))
    assert set(killed.values_list("pk", flat=True)) <= decided
    assert not StageChange.objects.filter(from_stage=Stage.PRODUCTION).exists()


def test_graduated_and_killed_projects_of_the_demo_show_what_their_poc_measured(demo):
    """A graduated project's readings reached its threshold; a project killed for its numbers
    fell short. Every reading is dated before the project went live or was killed."""
    from decisions.models import Measurement

    def beyond(project, value) -> bool:
        if project.kill_direction == "higher":
            return value >= project.kill_threshold
        return value <= project.kill_threshold

    graduated = Project.objects.filter(stage=Stage.PRODUCTION, kill_threshold__isnull=False)
    for_the_numbers = Project.objects.filter(
        stage=Stage.KILLED,
        kill_reason__in=["metric_not_reached", "decision_lapsed"],
        kill_threshold__isnull=False,
    )
    assert graduated.exists() and for_the_numbers.exists()
    for project in [*graduated, *for_the_numbers]:
        readings = list(
            Measurement.objects.filter(project=project, kind="metric").order_by("measured_at")
        )
        assert readings or project.poc_started_at is None, project.name
        if not readings:
            continue
        left = project.production_reached_at or project.killed_at
        assert readings[0].measured_at.date() >= project.poc_started_at.date(), project.name
        assert readings[-1].measured_at <= left, project.name
        assert project.latest_metric == readings[-1].value, project.name
        assert beyond(project, readings[-1].value) == (project.stage == Stage.PRODUCTION), (
            project.name
        )


def test_the_demo_pm_has_a_charter_of_their_own_being_drafted(demo):
    """Whoever logs in as the demo PM finds, on their home page, a charter they are writing."""
    from charters.selectors import pm_open_versions
    from portfolio.models import User

    pm = User.objects.get(email="pm@gatehouse.demo")
    shown, count = pm_open_versions(pm)
    assert any(v.status == "draft" for v in shown), [
        (v.charter.project.name, v.status) for v in shown
    ]
    assert count == len(shown)
