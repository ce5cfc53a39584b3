"""Marking notifications read and choosing which reminders come by email (the services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from decisions import services
from decisions.models import MANDATORY_KINDS, NotificationPreference, Reminder, ReminderKind

pytestmark = pytest.mark.django_db


def notify(recipient, project, *, kind=ReminderKind.DUE_SOON, days_ago=0, read=False):
    created = timezone.now() - timedelta(days=days_ago)
    return Reminder.objects.create(
        recipient=recipient,
        project=project,
        kind=kind,
        due_date=timezone.localdate() + timedelta(days=7 - days_ago),
        subject=f"{kind} about {project.name if project else 'the week'}",
        body="Something is due.",
        url=f"/projects/{project.pk}/#gate" if project else "/projects/",
        created_at=created,
        read_at=created if read else None,
    )


def test_mark_read_marks_once_and_keeps_the_first_time(pm, project):
    reminder = notify(pm, project)
    services.notification_mark_read(reminder=reminder, by=pm)
    reminder.refresh_from_db()
    first = reminder.read_at
    assert first is not None

    again = services.notification_mark_read(reminder=Reminder.objects.get(pk=reminder.pk), by=pm)
    assert again.read_at == first
    reminder.refresh_from_db()
    assert reminder.read_at == first


def test_a_stale_copy_marked_read_learns_the_time_already_stored(pm, project):
    reminder = notify(pm, project)
    stale = Reminder.objects.get(pk=reminder.pk)
    services.notification_mark_read(reminder=reminder, by=pm)
    marked = services.notification_mark_read(reminder=stale, by=pm)
    assert marked.read_at == Reminder.objects.get(pk=reminder.pk).read_at


def test_nobody_marks_another_persons_notification(pm, executive, project):
    reminder = notify(executive, project)
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(reminder=reminder, by=pm)
    reminder.refresh_from_db()
    assert reminder.read_at is None


def test_mark_all_read_marks_only_the_persons_own_unread(pm, executive, project, other_project):
    mine = [notify(pm, project), notify(pm, project, kind=ReminderKind.STALLED)]
    already = notify(pm, project, kind=ReminderKind.LAPSED, read=True)
    digest = notify(pm, None, kind=ReminderKind.DIGEST)
    theirs = notify(executive, project)
    # About a project the PM may not see (another organisation): not theirs to see, untouched.
    hidden = notify(pm, other_project)
    read_before = Reminder.objects.get(pk=already.pk).read_at

    assert services.notification_mark_all_read(by=pm) == 3

    assert all(Reminder.objects.get(pk=r.pk).read_at for r in [*mine, digest])
    assert Reminder.objects.get(pk=already.pk).read_at == read_before
    assert Reminder.objects.get(pk=theirs.pk).read_at is None
    assert Reminder.objects.get(pk=hidden.pk).read_at is None
    assert services.notification_mark_all_read(by=pm) == 0


def test_every_kind_is_emailed_until_switched_off(pm):
    assert services.notification_preferences(user=pm) == dict.fromkeys(ReminderKind.values, True)
    assert not NotificationPreference.objects.exists()  # a read writes nothing


def test_preferences_are_upserted_one_row_per_kind(pm, executive):
    now = services.notification_preferences_set(
        user=pm, email_by_kind={"due_soon": False, "stalled": False, "digest": True}
    )
    assert now["due_soon"] is False and now["stalled"] is False
    assert now["digest"] is True and now["due_tomorrow"] is True
    assert all(now[kind] for kind in MANDATORY_KINDS)

    services.notification_preferences_set(user=pm, email_by_kind={"due_soon": True})
    rows = dict(NotificationPreference.objects.filter(user=pm).values_list("kind", "email"))
    assert rows == {"due_soon": True, "stalled": False, "digest": True}
    # Kinds not given keep their setting; nobody else's preferences move.
    assert services.notification_preferences(user=pm)["stalled"] is False
    assert not NotificationPreference.objects.filter(user=executive).exists()


@pytest.mark.parametrize("kind", sorted(MANDATORY_KINDS))
def test_lapses_and_escalations_cannot_be_switched_off(pm, kind):
    with pytest.raises(ValidationError) as refused:
        services.notification_preferences_set(
            user=pm, email_by_kind={"due_soon": False, kind: False}
        )
    assert set(refused.value.message_dict) == {kind}
    (message,) = refused.value.message_dict[kind]
    assert "always reach you by email" in message
    assert ReminderKind(kind).label in message
    # Refused as a whole: not even the allowed change is saved.
    assert not NotificationPreference.objects.filter(user=pm).exists()


def test_a_mandatory_kind_may_be_confirmed_on(pm):
    services.notification_preferences_set(user=pm, email_by_kind={"escalation": True})
    assert NotificationPreference.objects.get(user=pm, kind="escalation").email is True


def test_an_unknown_kind_is_refused(pm):
    with pytest.raises(ValidationError) as refused:
        services.notification_preferences_set(user=pm, email_by_kind={"birthdays": False})
    assert "“birthdays” is not a kind of reminder." in refused.value.messages
    assert not NotificationPreference.objects.exists()


def test_the_database_refuses_a_switched_off_mandatory_kind_too(pm):
    """Behind the service, the check constraint: no path can switch a lapse notice off."""
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=pm, kind=ReminderKind.LAPSED, email=False)
