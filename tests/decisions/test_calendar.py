"""The private calendar feed (DOMAIN.md "Reminders and escalation"): parsed back with the
``icalendar`` library, it holds exactly the person's dates; a moved date keeps its UID and
raises SEQUENCE; a revoked or replaced secret is a 404; the profile creates, shows once,
replaces and revokes it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from decisions import services
from decisions.calendar import hash_secret
from decisions.models import CalendarFeed, Gate
from portfolio.models import Membership, Project
from tests.contract import row_counts
from tests.decisions.helpers import days, in_poc, proposed_project
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

BASE = "https://gatehouse.example.com"
HOST = "gatehouse.example.com"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.GATEHOUSE_BASE_URL = BASE


def _path(secret: str) -> str:
    return reverse("decisions:calendar-feed", kwargs={"secret": secret})


def _fetch(client, secret: str) -> Calendar:
    response = client.get(_path(secret))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> dict[str, dict]:
    """{UID: what a calendar shows of the event}."""
    return {
        str(e.uid): {
            "summary": str(e["SUMMARY"]),
            "start": e.start,
            "sequence": e.sequence,
            "description": str(e["DESCRIPTION"]),
            "triggers": [a["TRIGGER"].dt for a in e.subcomponents if a.name == "VALARM"],
        }
        for e in calendar.events
    }


def _feed_of(user) -> str:
    _feed, secret = services.calendar_feed_rotate(user=user)
    return secret


def _kill(project, executive):
    services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="other",
        rationale="The business case did not hold.",
    )


# --- what the feed holds ---------------------------------------------------------------------


def test_the_feed_holds_exactly_the_dates_of_the_projects_the_person_owns_or_decides(
    client, org, other_org, pm, executive, outsider
):
    poc, version, _ = in_poc(org, pm, executive, name="Invoice triage")
    proposed = proposed_project(org, pm, executive, name="Churn model")
    # In flight, but naming someone else: not the PM's.
    other_pm = member(org, "pm", full_name="Quinn Other")
    not_mine = ProjectFactory(
        organisation=org, name="Not mine", pm=other_pm, decision_maker=executive
    )
    # Killed: no dates any more.
    killed = proposed_project(org, pm, executive, name="Stopped bot")
    _kill(killed, executive)
    # Another organisation's project that (wrongly) names the PM: they may not see it.
    ProjectFactory(organisation=other_org, name="Globex pricing", pm=pm, decision_maker=outsider)

    events = _events(_fetch(client, _feed_of(pm)))

    poc.refresh_from_db()
    proposed.refresh_from_db()
    charter_gate = Gate.objects.get(project=proposed, from_stage="proposed")
    assert {uid: (e["summary"], e["start"]) for uid, e in events.items()} == {
        f"project-{poc.pk}-gate-poc@{HOST}": (
            "Graduation gate of Invoice triage due",
            version.decision_date,
        ),
        f"project-{poc.pk}-kill@{HOST}": ("Kill deadline of Invoice triage", poc.kill_deadline),
        f"project-{proposed.pk}-gate-proposed@{HOST}": (
            "Charter gate of Churn model due",
            charter_gate.due_date,
        ),
    }
    # The decision-maker has the same dates in a feed of their own, and those of the project
    # they decide that the PM has nothing to do with.
    assert set(_events(_fetch(client, _feed_of(executive)))) == {
        *events,
        f"project-{not_mine.pk}-gate-proposed@{HOST}",
    }
    # Someone named on nothing has an empty (but valid) calendar.
    viewer = member(org, "viewer")
    assert _events(_fetch(client, _feed_of(viewer))) == {}


def test_each_event_is_all_day_links_to_the_project_and_rings_the_day_before(
    client, org, pm, executive
):
    project, _, _ = in_poc(org, pm, executive, name="Invoice triage")
    response = client.get(_path(_feed_of(pm)))
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["PRODID"]).startswith("-//Gatehouse//")
    assert len(calendar.events) == 2
    link = f"{BASE}/projects/{project.pk}/"
    assert link == BASE + project.get_absolute_url()
    for event in calendar.events:
        start = event.start
        assert isinstance(start, date) and not hasattr(start, "hour")  # DTSTART;VALUE=DATE
        assert event.end == start + timedelta(days=1)
        assert link in str(event["DESCRIPTION"])
        assert str(event["URL"]) == link
        (alarm,) = event.subcomponents
        assert alarm.name == "VALARM"
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm["TRIGGER"].dt == timedelta(days=-1)
        assert event.sequence == Project.objects.get(pk=project.pk).schedule_version
    # The alarm on the kill deadline fires at the start of the day before it.
    kill = next(e for e in calendar.events if str(e.uid).endswith("-kill@" + HOST))
    (when,) = kill.alarms.times
    fires = when.trigger.date() if isinstance(when.trigger, datetime) else when.trigger
    assert fires == kill.start - timedelta(days=1)


def test_a_moved_date_keeps_the_uid_raises_sequence_and_moves_dtstart(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    secret = _feed_of(pm)
    before = _events(_fetch(client, secret))
    services.decision_record(
        project=project,
        outcome="extend",
        by=executive,
        rationale="Two more weeks of data.",
        new_kill_deadline=days(49),
        new_decision_date=days(52),
    )
    after = _events(_fetch(client, secret))

    assert set(after) == set(before)  # same UIDs: the calendar moves the events it has
    gate_uid = f"project-{project.pk}-gate-poc@{HOST}"
    kill_uid = f"project-{project.pk}-kill@{HOST}"
    assert (after[gate_uid]["start"], after[kill_uid]["start"]) == (days(52), days(49))
    assert before[gate_uid]["start"] != days(52) and before[kill_uid]["start"] != days(49)
    for uid in (gate_uid, kill_uid):
        assert after[uid]["sequence"] > before[uid]["sequence"]


def test_a_killed_project_leaves_the_feed(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    secret = _feed_of(pm)
    _kill(project, executive)
    assert _events(_fetch(client, secret)) == {}


def test_a_person_who_lost_access_to_the_organisation_gets_none_of_its_dates(
    client, org, other_org, pm, executive
):
    in_poc(org, pm, executive)
    Membership.objects.create(user=pm, organisation=other_org, role="pm")
    theirs = ProjectFactory(organisation=other_org, name="Globex pricing", pm=pm)
    secret = _feed_of(pm)
    assert len(_events(_fetch(client, secret))) == 3

    # The membership ends outside the services (the services refuse it while the person is
    # still named): the projects still name them, the feed shows none of it any more.
    Membership.objects.filter(user=pm, organisation=org).unaudited_delete()
    assert set(_events(_fetch(client, secret))) == {f"project-{theirs.pk}-gate-proposed@{HOST}"}


def test_a_deactivated_account_has_no_feed(client, org, pm, executive):
    in_poc(org, pm, executive)
    secret = _feed_of(pm)
    pm.is_active = False
    pm.save(update_fields=["is_active"])
    assert client.get(_path(secret)).status_code == 404


# --- the secret ------------------------------------------------------------------------------


def test_a_revoked_replaced_or_unknown_secret_answers_404(client, org, pm, executive):
    in_poc(org, pm, executive)
    first = _feed_of(pm)
    assert client.get(_path(first)).status_code == 200

    second = _feed_of(pm)  # rotating revokes the first
    assert client.get(_path(first)).status_code == 404
    assert client.get(_path(second)).status_code == 200

    services.calendar_feed_revoke(user=pm)
    assert client.get(_path(second)).status_code == 404
    assert client.get(_path("cal_not-a-feed")).status_code == 404


def test_the_secret_is_stored_only_as_a_hash_and_one_feed_is_live(org, pm):
    feed, secret = services.calendar_feed_rotate(user=pm)
    assert secret.startswith("cal_") and len(secret) > 40
    assert feed.key_hash == hash_secret(secret) != secret
    assert secret.startswith(feed.key_prefix) and len(feed.key_prefix) < 12
    assert not CalendarFeed.objects.filter(key_hash__contains=secret[4:20]).exists()
    again, other = services.calendar_feed_rotate(user=pm)
    assert other != secret
    assert list(CalendarFeed.objects.usable().filter(user=pm)) == [again]
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert services.calendar_feed_revoke(user=pm) == again
    assert services.calendar_feed_revoke(user=pm) is None  # twice is harmless
    assert not CalendarFeed.objects.usable().filter(user=pm).exists()


def test_the_feed_needs_no_login_and_reading_it_writes_nothing(client, org, pm, executive):
    in_poc(org, pm, executive)
    secret = _feed_of(pm)
    before = row_counts()
    response = client.get(_path(secret))  # no session, no token: the secret is the credential
    assert response.status_code == 200
    assert row_counts() == before
    assert CalendarFeed.objects.get(user=pm).revoked_at is None
    assert "no-store" not in response.get("Cache-Control", "")
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("n", [3, 30])
def test_the_feed_costs_the_same_queries_at_3_and_30_projects(
    client, org, pm, executive, n, django_assert_num_queries
):
    projects = [ProjectFactory(organisation=org, pm=pm, decision_maker=executive) for _ in range(n)]
    for i, project in enumerate(projects):
        Project.objects.filter(pk=project.pk).unaudited_update(kill_deadline=days(30 + i))
    secret = _feed_of(pm)
    # The feed and its owner; the owner's organisations; the projects with their open gate.
    with django_assert_num_queries(3):
        response = client.get(_path(secret))
    assert len(Calendar.from_ical(response.content).events) == 2 * n


# --- the profile -----------------------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "calendar-feed"}


def test_the_profile_loads_the_calendar_section_in_place(client, pm):
    client.force_login(pm)
    html = client.get(reverse("profile")).content.decode()
    assert 'id="calendar-feed"' in html
    assert f'hx-get="{reverse("decisions:calendar")}"' in html
    section = client.get(reverse("decisions:calendar"), **HTMX).content.decode()
    assert "<html" not in section and 'data-testid="calendar-feed"' in section
    assert "gate due dates and kill deadlines" in section
    assert "Create a feed address" in section
    assert reverse("decisions:calendar-revoke") not in section  # nothing to revoke yet


def test_creating_a_feed_shows_its_url_once_with_a_copy_button(client, org, pm, executive):
    in_poc(org, pm, executive, name="Invoice triage")
    client.force_login(pm)
    response = client.post(reverse("decisions:calendar-rotate"))
    assert response.status_code == 302
    assert response["Location"] == reverse("profile") + "#calendar-feed"

    shown = client.get(reverse("decisions:calendar"), **HTMX)
    html = shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    assert 'data-copy-target="#calendar-feed-url"' in html
    start = html.index('<code id="calendar-feed-url">') + len('<code id="calendar-feed-url">')
    url = html[start : html.index("</code>", start)]
    assert url.startswith(f"{BASE}/decisions/calendar/cal_") and url.endswith(".ics")
    feed = CalendarFeed.objects.usable().get(user=pm)
    assert feed.key_prefix in url
    assert "Graduation gate of Invoice triage due" in html  # what it holds now

    # The URL works, and it is never shown again.
    assert client.get(url.removeprefix(BASE)).status_code == 200
    again = client.get(reverse("decisions:calendar"), **HTMX).content.decode()
    assert url not in again and 'id="calendar-feed-url"' not in again
    assert f"{feed.key_prefix}…" in again and "Replace the address" in again
    assert "data-confirm" in again and reverse("decisions:calendar-revoke") in again


def test_replacing_and_revoking_from_the_profile(client, org, pm, executive):
    in_poc(org, pm, executive)
    client.force_login(pm)
    first = _feed_of(pm)
    client.post(reverse("decisions:calendar-rotate"))
    assert client.get(_path(first)).status_code == 404
    live = CalendarFeed.objects.usable().get(user=pm)

    response = client.post(reverse("decisions:calendar-revoke"))
    assert response.status_code == 302
    assert response["Location"] == reverse("profile") + "#calendar-feed"
    live.refresh_from_db()
    assert live.revoked_at is not None
    assert not CalendarFeed.objects.usable().filter(user=pm).exists()
    profile = client.get(reverse("profile")).content.decode()
    assert "calendar feed is revoked" in profile
    # A secret still waiting in the session is never shown once its feed is gone.
    assert "calendar-feed-url" not in client.get(reverse("decisions:calendar")).content.decode()


def test_without_htmx_the_section_is_a_page_and_its_forms_come_back_to_it(client, pm):
    client.force_login(pm)
    page = client.get(reverse("decisions:calendar")).content.decode()
    assert "<html" in page and "Your calendar feed" in page
    assert 'name="back" value="page"' in page
    response = client.post(reverse("decisions:calendar-rotate"), {"back": "page"})
    assert response["Location"] == reverse("decisions:calendar")
    shown = client.get(reverse("decisions:calendar")).content.decode()
    assert 'id="calendar-feed-url"' in shown


def test_the_section_lists_only_the_persons_own_visible_dates(
    client, org, other_org, pm, executive, outsider
):
    in_poc(org, pm, executive, name="Invoice triage")
    ProjectFactory(organisation=other_org, name="Globex pricing", pm=outsider)
    ProjectFactory(organisation=other_org, name="Globex misnamed", pm=pm)
    client.force_login(pm)
    html = client.get(reverse("decisions:calendar"), **HTMX).content.decode()
    assert "Kill deadline of Invoice triage" in html
    assert "Globex" not in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_section_costs_the_same_queries_at_3_and_30_projects(
    client, org, pm, executive, n, django_assert_num_queries
):
    for _ in range(n):
        ProjectFactory(organisation=org, pm=pm, decision_maker=executive)
    _feed_of(pm)
    client.force_login(pm)
    # The session and its user; the organisations and roles; the live feed; the dates; the two
    # of the context processors.
    with django_assert_num_queries(7):
        html = client.get(reverse("decisions:calendar"), **HTMX).content.decode()
    assert html.count("Charter gate of") == n
