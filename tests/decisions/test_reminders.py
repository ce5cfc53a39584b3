"""The reminder sweep on real PostgreSQL, with the clock moved (time-machine): each kind of
reminder, the every-N-days repeat, escalation, the digest, kill pending and each lapse policy."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from decisions import services
from decisions.models import (
    Decision,
    DeliveryStatus,
    KillReason,
    LapsePolicy,
    OrganisationPolicy,
    Reminder,
    ReminderKind,
)
from decisions.services.delivery import reminder_send
from portfolio.models import Project, Stage
from tests.charters.helpers import in_review
from tests.decisions.helpers import in_poc, proposed_project
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def at(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def sweep():
    return services.reminders_sweep()


def told(kind, project=None) -> dict[str, list[int]]:
    """{recipient email: [occurrence, …]} of the reminders of ``kind`` (about ``project``)."""
    rows = Reminder.objects.filter(kind=kind)
    if project is not None:
        rows = rows.filter(project=project)
    out: dict[str, list[int]] = {}
    for email, occurrence in rows.order_by("occurrence").values_list(
        "recipient__email", "occurrence"
    ):
        out.setdefault(email, []).append(occurrence)
    return out


@pytest.fixture
def people(org, pm, executive, partner):
    return {
        "pm": pm,
        "executive": executive,
        "other_executive": member(org, "executive", email="exec2@acme.test"),
        "partner": partner,
    }


@pytest.fixture
def poc(org, pm, executive, people):
    """A PoC whose charter was approved today: kill deadline in 5 weeks, decision in 6w3d."""
    project, version, who = in_poc(org, pm, executive)
    return project, version


def test_a_kill_deadline_is_announced_a_week_and_a_day_before_then_repeats_once_lapsed(poc, people):
    project, version = poc
    kill = version.kill_deadline
    owners = {"pm@acme.test": [0], "exec@acme.test": [0]}
    with time_machine.travel(at(kill - timedelta(days=5)), tick=False):
        sweep()
        assert told(ReminderKind.KILL_SOON, project) == owners
        again = sweep()
        assert again.claimed == 0 and told(ReminderKind.KILL_SOON, project) == owners
    with time_machine.travel(at(kill - timedelta(days=1)), tick=False):
        sweep()
        assert told(ReminderKind.KILL_TOMORROW, project) == owners
    with time_machine.travel(at(kill + timedelta(days=1)), tick=False):
        sweep()
        assert Project.objects.with_states().get(pk=project.pk).kill_pending
        assert told(ReminderKind.KILL_PENDING, project) == owners
    # Every 3 days (the default policy) while it stays lapsed — once per period, not per sweep.
    with time_machine.travel(at(kill + timedelta(days=2)), tick=False):
        assert (
            sweep().claimed == 0 or not told(ReminderKind.KILL_PENDING, project)["pm@acme.test"][1:]
        )
    with time_machine.travel(at(kill + timedelta(days=4)), tick=False):
        sweep()
        assert told(ReminderKind.KILL_PENDING, project) == {
            "pm@acme.test": [0, 1],
            "exec@acme.test": [0, 1],
        }
    assert not told(ReminderKind.ESCALATION, project)


def test_a_gate_due_date_a_week_away_tomorrow_and_lapsed(org, pm, executive, people):
    project, version, _ = in_poc(org, pm, executive)
    # The metric reached the threshold: the kill condition asks for nothing, the gate does.
    services.measurement_record(project=project, kind="metric", value=Decimal("80"), by=pm)
    due = version.decision_date
    owners = {"pm@acme.test": [0], "exec@acme.test": [0]}
    with time_machine.travel(at(due - timedelta(days=6)), tick=False):
        sweep()
    with time_machine.travel(at(due - timedelta(days=1)), tick=False):
        sweep()
    with time_machine.travel(at(due + timedelta(days=1)), tick=False):
        sweep()
    assert told(ReminderKind.DUE_SOON, project) == owners
    assert told(ReminderKind.DUE_TOMORROW, project) == owners
    assert told(ReminderKind.LAPSED, project) == owners
    assert not told(ReminderKind.KILL_SOON, project)
    reminder = Reminder.objects.get(kind=ReminderKind.LAPSED, recipient=pm)
    assert reminder.due_date == due and "has not been made" in reminder.subject


def test_a_sweep_after_downtime_sends_each_missed_reminder_once(poc, people):
    project, version = poc
    # Beat was down for the week before the kill deadline: the first sweep after it still
    # announces the deadline (once), not once per missed run.
    with time_machine.travel(at(version.kill_deadline - timedelta(days=1)), tick=False):
        sweep()
    assert told(ReminderKind.KILL_TOMORROW, project) == {"pm@acme.test": [0], "exec@acme.test": [0]}
    assert not told(ReminderKind.KILL_SOON, project)


def test_a_moved_date_re_arms_the_reminder(poc, people):
    project, version = poc
    kill = version.kill_deadline
    with time_machine.travel(at(kill - timedelta(days=1)), tick=False):
        sweep()
        services.decision_record(
            project=project,
            outcome="extend",
            by=people["executive"],
            rationale="Two more weeks of production data.",
            new_kill_deadline=kill + timedelta(days=14),
            new_decision_date=kill + timedelta(days=20),
        )
    with time_machine.travel(at(kill + timedelta(days=13)), tick=False):
        sweep()
    dates = sorted(
        Reminder.objects.filter(
            kind=ReminderKind.KILL_TOMORROW, recipient=people["pm"]
        ).values_list("due_date", flat=True)
    )
    assert dates == [kill, kill + timedelta(days=14)]


def test_overdue_for_more_than_a_week_escalates_to_the_executives_and_partners(
    poc, people, other_org
):
    project, version = poc
    stranger = member(other_org, "executive", email="exec@globex.test")
    with time_machine.travel(at(version.kill_deadline + timedelta(days=8)), tick=False):
        sweep()
    assert told(ReminderKind.ESCALATION, project) == {
        "exec@acme.test": [0],
        "exec2@acme.test": [0],
        "partner@firm.test": [0],
    }
    assert not Reminder.objects.filter(recipient=stranger, project=project).exists()


def test_a_stalled_project_tells_its_pm_and_decision_maker_once_per_lull(
    org, pm, executive, people
):
    project = proposed_project(org, pm, executive, timebox_start=None, timebox_end=None)
    Project.objects.filter(pk=project.pk).unaudited_update(
        updated_at=timezone.now() - timedelta(days=22)
    )
    sweep()
    sweep()
    assert told(ReminderKind.STALLED, project) == {"pm@acme.test": [0], "exec@acme.test": [0]}


def test_a_charter_waiting_for_signatures_chases_those_who_have_not_signed(
    org, pm, executive, people
):
    project = proposed_project(org, pm, executive)
    version, who = in_review(project)
    services_charters = __import__("charters.services", fromlist=["charter_sign"])
    services_charters.charter_sign(version=version, by=who["business_owner"])
    with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
        sweep()
        assert not told(ReminderKind.SIGNATURES)
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        sweep()
    # The executive signed as business owner and decision-maker at once; the production owner
    # has not signed.
    assert set(told(ReminderKind.SIGNATURES, project)) == {who["production_owner"].email}


def test_the_weekly_digest_covers_the_firm_for_partners_and_their_organisations_for_executives(
    poc, people, other_org
):
    project, version = poc
    foreign = proposed_project(
        other_org,
        member(other_org, "pm", email="pm@globex.test"),
        member(other_org, "executive", email="exec@globex.test"),
        name="Globex secret",
        timebox_start=timezone.localdate() - timedelta(days=30),
    )
    with time_machine.travel(at(version.kill_deadline + timedelta(days=2)), tick=False):
        sweep()
        sweep()
    digests = {r.recipient.email: r for r in Reminder.objects.filter(kind=ReminderKind.DIGEST)}
    assert {"partner@firm.test", "exec@acme.test", "exec2@acme.test", "exec@globex.test"} <= set(
        digests
    )
    assert (
        Reminder.objects.filter(kind=ReminderKind.DIGEST, recipient=people["partner"]).count() == 1
    )
    firm = digests["partner@firm.test"].context["digest"]
    assert {row["name"] for row in firm["attention"]} >= {project.name, foreign.name}
    assert firm["kill_pending"] == 1
    acme = digests["exec@acme.test"].context["digest"]
    assert foreign.name not in str(acme) and project.name in str(acme)
    assert dict(acme["funnel"])["PoC"] == 1


def test_the_remind_policy_only_keeps_reminding(poc, people, org):
    project, version = poc
    OrganisationPolicy.objects.create(
        organisation=org, lapse_policy=LapsePolicy.REMIND, lapse_grace_days=7
    )
    with time_machine.travel(at(version.kill_deadline + timedelta(days=9)), tick=False):
        sweep()
    project.refresh_from_db()
    assert project.stage == Stage.POC
    assert not told(ReminderKind.LAPSE_POLICY)
    # 9 days after the deadline, repeated every 3 days: the fourth reminder (repeat 3).
    assert told(ReminderKind.KILL_PENDING, project)["pm@acme.test"] == [3]


def test_the_escalate_policy_tells_the_executives_and_partners_after_the_grace_period(
    poc, people, org
):
    project, version = poc
    OrganisationPolicy.objects.create(
        organisation=org, lapse_policy=LapsePolicy.ESCALATE, lapse_grace_days=3
    )
    with time_machine.travel(at(version.kill_deadline + timedelta(days=3)), tick=False):
        sweep()
        assert not told(ReminderKind.LAPSE_POLICY)
    with time_machine.travel(at(version.kill_deadline + timedelta(days=4)), tick=False):
        sweep()
    assert told(ReminderKind.LAPSE_POLICY, project) == {
        "exec@acme.test": [0],
        "exec2@acme.test": [0],
        "partner@firm.test": [0],
    }
    project.refresh_from_db()
    assert project.stage == Stage.POC


def test_the_kill_policy_records_an_automatic_kill_whose_maker_is_the_policy(
    client, poc, people, org
):
    project, version = poc
    OrganisationPolicy.objects.create(
        organisation=org, lapse_policy=LapsePolicy.KILL, lapse_grace_days=5
    )
    with time_machine.travel(at(version.kill_deadline + timedelta(days=5)), tick=False):
        assert sweep().killed == []
    with time_machine.travel(at(version.kill_deadline + timedelta(days=6)), tick=False):
        assert sweep().killed == [project.pk]
        assert sweep().killed == []  # a second sweep kills nothing twice
    project.refresh_from_db()
    assert project.stage == Stage.KILLED and project.kill_deadline is None
    decision = Decision.objects.get(project=project, outcome="kill")
    assert decision.decided_by is None
    assert decision.reason_category == KillReason.DECISION_LAPSED
    assert "Acme Logistics's lapse policy: kill automatically 5 days after" in (
        decision.decided_by_policy
    )
    assert told(ReminderKind.LAPSE_POLICY, project) == {
        "pm@acme.test": [0],
        "exec@acme.test": [0],
        "exec2@acme.test": [0],
        "partner@firm.test": [0],
    }
    client.force_login(people["pm"])
    timeline = client.get(f"/decisions/projects/{project.pk}/timeline/").content.decode()
    assert "lapse policy" in timeline and "Decision lapsed" in timeline
    api = client.get(f"/api/v1/decisions/{decision.pk}/").json()
    assert api["decided_by"] is None and api["decided_by_policy"] == decision.decided_by_policy
    assert api["reason_category"] == "decision_lapsed"


def test_nobody_is_told_about_a_project_they_may_not_see(poc, people, other_org, org):
    project, version = poc
    # The decision-maker left the organisation's executive role? No: a named owner cannot leave.
    # A partner who is deactivated hears nothing; a member of another organisation nothing.
    UserFactory(email="gone@firm.test", is_partner=True, is_active=False)
    member(other_org, "executive", email="exec@globex.test")
    with time_machine.travel(at(version.kill_deadline + timedelta(days=9)), tick=False):
        sweep()
    names = set(Reminder.objects.values_list("recipient__email", flat=True))
    assert "gone@firm.test" not in names and "exec@globex.test" not in {
        r.recipient.email for r in Reminder.objects.filter(project=project)
    }
    for reminder in Reminder.objects.exclude(project=None).select_related("recipient", "project"):
        assert Project.objects.visible_to(reminder.recipient).filter(pk=reminder.project_id)


# --- exactly once, by email -----------------------------------------------------------------------


def test_each_reminder_is_emailed_once_with_a_link_to_where_to_act(
    poc, people, django_capture_on_commit_callbacks, settings
):
    settings.GATEHOUSE_BASE_URL = "https://gatehouse.example.com"
    project, version = poc
    with time_machine.travel(at(version.kill_deadline - timedelta(days=1)), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_sweep(enqueue=lambda pk: reminder_send(reminder_id=pk))
        sent = len(mail.outbox)
        assert sent == Reminder.objects.filter(email_status=DeliveryStatus.SENT).count() > 0
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_sweep(enqueue=lambda pk: reminder_send(reminder_id=pk))
        assert len(mail.outbox) == sent
    message = next(m for m in mail.outbox if "kill deadline is tomorrow" in m.subject)
    assert project.name in message.subject
    assert f"https://gatehouse.example.com/projects/{project.pk}/#gate" in message.body
    html = message.alternatives[0][0]
    assert f'href="https://gatehouse.example.com/projects/{project.pk}/#gate"' in html
    assert message.extra_headers["List-Unsubscribe"] == (
        "<https://gatehouse.example.com/decisions/notifications/preferences/>"
    )
    reminder = Reminder.objects.get(kind=ReminderKind.KILL_TOMORROW, recipient__email=message.to[0])
    assert message.extra_headers["Message-ID"] == (
        f"<gatehouse.reminder.{reminder.pk}@gatehouse.example.com>"
    )


def test_the_send_task_delivered_twice_sends_once(poc, people):
    project, version = poc
    with time_machine.travel(at(version.kill_deadline - timedelta(days=1)), tick=False):
        sweep()
    reminder = Reminder.objects.filter(kind=ReminderKind.KILL_TOMORROW).first()
    assert reminder_send(reminder_id=reminder.pk) == DeliveryStatus.SENT
    assert reminder_send(reminder_id=reminder.pk) == "skipped"
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.email_attempts == 1 and reminder.emailed_at is not None


def test_a_rolled_back_sweep_enqueues_nothing(poc, django_capture_on_commit_callbacks):
    from django.db import transaction

    project, version = poc
    enqueued: list[int] = []
    with (
        time_machine.travel(at(version.kill_deadline - timedelta(days=1)), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.reminders_sweep(enqueue=enqueued.append)
        raise RuntimeError("the worker died mid-sweep")
    assert enqueued == [] and callbacks == []
    assert not Reminder.objects.exists()


def test_a_muted_kind_stays_in_the_app_but_a_lapse_cannot_be_muted(poc, people):
    from django.db import IntegrityError, transaction

    from decisions.models import NotificationPreference

    project, version = poc
    NotificationPreference.objects.create(
        user=people["pm"], kind=ReminderKind.KILL_TOMORROW, email=False
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(
            user=people["pm"], kind=ReminderKind.KILL_PENDING, email=False
        )
    with time_machine.travel(at(version.kill_deadline - timedelta(days=1)), tick=False):
        sweep()
    mine = Reminder.objects.get(kind=ReminderKind.KILL_TOMORROW, recipient=people["pm"])
    assert mine.email_status == DeliveryStatus.NOT_EMAILED and mine.read_at is None
    assert reminder_send(reminder_id=mine.pk) == "skipped"
    assert mail.outbox == []


def test_a_transient_smtp_failure_stays_pending_and_a_permanent_one_is_recorded(
    poc, people, monkeypatch
):
    import smtplib

    from decisions.services import delivery

    project, version = poc
    with time_machine.travel(at(version.kill_deadline - timedelta(days=1)), tick=False):
        sweep()
    first, second = Reminder.objects.filter(kind=ReminderKind.KILL_TOMORROW)[:2]

    def refuse(code):
        def send(self, fail_silently=False):
            raise smtplib.SMTPResponseException(
                code, b"try later" if code < 500 else b"no such user"
            )

        return send

    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", refuse(451))
    with pytest.raises(delivery.TransientDeliveryError):
        reminder_send(reminder_id=first.pk)
    first.refresh_from_db()
    assert (first.email_status, first.email_attempts) == (DeliveryStatus.PENDING, 1)
    assert "451" in first.email_error
    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", refuse(550))
    assert reminder_send(reminder_id=second.pk) == DeliveryStatus.FAILED
    second.refresh_from_db()
    assert "550" in second.email_error
    monkeypatch.undo()
    # The retry (or the next sweep) sends what is still pending.
    assert reminder_send(reminder_id=first.pk) == DeliveryStatus.SENT
