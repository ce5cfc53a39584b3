"""Notifications and each project's reminder history through /api/v1/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from decisions.models import DeliveryStatus, Reminder, ReminderKind
from portfolio.models import TokenScope
from portfolio.services import token_create
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:notification-list")
READ_ALL = reverse("api:notification-read-all")


def detail(reminder) -> str:
    return reverse("api:notification-detail", args=[reminder.pk])


def read(reminder) -> str:
    return reverse("api:notification-read", args=[reminder.pk])


def history(project) -> str:
    return reverse("api:project-reminder-list", args=[project.pk])


def notify(recipient, project, *, kind=ReminderKind.DUE_SOON, minutes_ago=0, read=False, **kw):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    name = project.name if project else "the week"
    return Reminder.objects.create(
        recipient=recipient,
        project=project,
        kind=kind,
        due_date=kw.pop("due_date", timezone.localdate() + timedelta(days=7)),
        subject=kw.pop("subject", f"“{name}”: the graduation gate is due within a week"),
        body=f"A decision on {name} is due.",
        url=f"/projects/{project.pk}/#gate" if project else "/projects/",
        created_at=created,
        read_at=created if read else None,
        **kw,
    )


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- the caller's notifications ----------------------------------------------------------------


def test_the_list_is_the_callers_own_newest_first(pm, executive, project, other_project):
    older = notify(pm, project, minutes_ago=30, read=True)
    newer = notify(pm, project, kind=ReminderKind.LAPSED, minutes_ago=1)
    digest = notify(pm, None, kind=ReminderKind.DIGEST, minutes_ago=10)
    notify(executive, project)  # someone else's
    notify(pm, other_project)  # about a project the PM may not see
    response = api_as(pm).get(LIST)
    assert ids(response) == [newer.pk, digest.pk, older.pk]
    row = response.json()["results"][0]
    assert row == {
        "id": newer.pk,
        "kind": "lapsed",
        "kind_display": "A due date lapsed with no decision",
        "project": project.pk,
        "project_name": project.name,
        "due_date": newer.due_date.isoformat(),
        "subject": newer.subject,
        "body": newer.body,
        "url": f"/projects/{project.pk}/#gate",
        "created_at": row["created_at"],
        "read_at": None,
        "unread": True,
    }
    digest_row = response.json()["results"][1]
    assert digest_row["project"] is None and digest_row["project_name"] is None


def test_unread_filter(pm, project):
    unread = notify(pm, project, minutes_ago=1)
    done = notify(pm, project, kind=ReminderKind.STALLED, minutes_ago=2, read=True)
    client = api_as(pm)
    assert ids(client.get(LIST, {"unread": "true"})) == [unread.pk]
    assert ids(client.get(LIST, {"unread": "false"})) == [done.pk]
    assert ids(client.get(LIST)) == [unread.pk, done.pk]


def test_one_notification_and_never_another_persons(pm, executive, project, other_project):
    mine = notify(pm, project)
    theirs = notify(executive, project)
    hidden = notify(pm, other_project)
    client = api_as(pm)
    assert client.get(detail(mine)).json()["subject"] == mine.subject
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(detail(hidden)).status_code == 404


def test_mark_read(pm, project):
    mine = notify(pm, project)
    response = api_as(pm).post(read(mine))
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert response.json()["unread"] is False and response.json()["read_at"]
    # Again: still read, at the first time.
    first = mine.read_at
    assert api_as(pm).post(read(mine)).status_code == 200
    mine.refresh_from_db()
    assert mine.read_at == first


def test_nobody_marks_another_persons_notification(pm, executive, outsider, project, partner):
    theirs = notify(executive, project)
    for person in (pm, outsider, partner):
        assert api_as(person).post(read(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_callers_own(pm, executive, project, other_project):
    mine = [notify(pm, project), notify(pm, None, kind=ReminderKind.DIGEST)]
    notify(pm, project, kind=ReminderKind.STALLED, read=True)
    theirs = notify(executive, project)
    hidden = notify(pm, other_project)
    response = api_as(pm).post(READ_ALL)
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert all(Reminder.objects.get(pk=r.pk).read_at for r in mine)
    assert Reminder.objects.get(pk=theirs.pk).read_at is None
    assert Reminder.objects.get(pk=hidden.pk).read_at is None
    assert api_as(pm).post(READ_ALL).json() == {"marked": 0}


def test_a_read_only_token_reads_but_does_not_mark(pm, project):
    mine = notify(pm, project)
    _, secret = token_create(user=pm, name="Dashboard", scope=TokenScope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ids(client.get(LIST)) == [mine.pk]
    assert client.post(read(mine)).status_code == 403
    assert client.post(READ_ALL).status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_list_never_writes(pm, project):
    mine = notify(pm, project)
    client = api_as(pm)
    client.get(LIST)
    client.get(detail(mine))
    client.get(history(project))
    mine.refresh_from_db()
    assert mine.read_at is None


@pytest.mark.parametrize("rows", [5, 50])
def test_notification_list_query_count_is_pinned(pm, project, rows, django_assert_num_queries):
    other = ProjectFactory(organisation=project.organisation, pm=pm)
    for i in range(rows):
        notify(pm, project if i % 2 else other, due_date=timezone.localdate() + timedelta(days=i))
    client = api_as(pm)
    # session, user, the organisations, the page of notifications with their projects.
    with django_assert_num_queries(4):
        response = client.get(LIST, {"page_size": 50})
    assert len(ids(response)) == rows


# --- a project's reminder history --------------------------------------------------------------


def test_history_lists_every_recipient_with_the_email_status(
    pm, executive, viewer, partner, project, other_project
):
    told_pm = notify(pm, project, minutes_ago=5, email_status=DeliveryStatus.SENT)
    told_exec = notify(
        executive, project, kind=ReminderKind.ESCALATION, minutes_ago=1, email_error="550 no"
    )
    notify(pm, other_project)  # another project
    notify(partner, None, kind=ReminderKind.DIGEST)  # about no project
    for reader in (pm, viewer, partner):
        response = api_as(reader).get(history(project))
        assert ids(response) == [told_exec.pk, told_pm.pk]
    rows = api_as(viewer).get(history(project)).json()["results"]
    assert rows[0]["recipient"] == {
        "id": executive.pk,
        "full_name": executive.full_name,
        "email": executive.email,
    }
    assert rows[0]["kind"] == "escalation" and rows[0]["email_status"] == "pending"
    assert rows[1]["email_status"] == "sent"
    # Who read what, and a mail server's error, stay with the recipient and the admin.
    assert "read_at" not in rows[0] and "email_error" not in rows[0]


def test_history_of_a_project_the_caller_may_not_see_is_a_404(outsider, project):
    notify(project.pm, project)
    response = api_as(outsider).get(history(project))
    assert response.status_code == 404
    assert project.name not in response.content.decode()


def test_history_is_read_only(pm, project):
    assert api_as(pm).post(history(project), {}).status_code == 405


@pytest.mark.parametrize("rows", [5, 50])
def test_history_query_count_is_pinned(
    pm, executive, viewer, project, rows, django_assert_num_queries
):
    people = [pm, executive, viewer]
    for i in range(rows):
        notify(people[i % 3], project, due_date=timezone.localdate() + timedelta(days=i))
    client = api_as(viewer)
    # session, user, the organisations, the project through the scope, the page of reminders
    # with recipients.
    with django_assert_num_queries(5):
        response = client.get(history(project), {"page_size": 50})
    assert len(ids(response)) == rows


def test_pages_of_a_batch_created_at_one_time_hold_each_notification_once(pm, project):
    """A sweep creates its reminders with one timestamp: the cursor must not skip or repeat."""
    at = timezone.now()
    batch = [
        notify(pm, project, due_date=timezone.localdate() + timedelta(days=i)) for i in range(7)
    ]
    Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(created_at=at)
    client, seen, url = api_as(pm), [], LIST + "?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted((r.pk for r in batch), reverse=True)
