"""The bell, the notifications page, marking read and the email preferences page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.models import MANDATORY_KINDS, NotificationPreference, Reminder, ReminderKind
from tests.contract import row_counts
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("decisions:notifications")
BELL = reverse("decisions:notification-bell")
READ_ALL = reverse("decisions:notifications-read-all")
PREFERENCES = reverse("decisions:notification-preferences")
HTMX = {"HTTP_HX_REQUEST": "true"}


def notify(recipient, project, *, kind=ReminderKind.DUE_SOON, minutes_ago=0, read=False, **kw):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    name = project.name if project else "the week"
    return Reminder.objects.create(
        recipient=recipient,
        project=project,
        kind=kind,
        due_date=kw.pop("due_date", timezone.localdate() + timedelta(days=7)),
        subject=kw.pop("subject", f"“{name}”: the graduation gate is due within a week"),
        body=kw.pop("body", f"A decision on {name} is due."),
        url=kw.pop("url", f"/projects/{project.pk}/#gate" if project else "/projects/"),
        created_at=created,
        read_at=created if read else None,
        **kw,
    )


def read_url(reminder) -> str:
    return reverse("decisions:notification-read", args=[reminder.pk])


def bell_label(html: str) -> str:
    return re.search(r'id="notification-bell"[^>]*aria-label="([^"]+)"', html, re.S).group(1)


# --- the bell --------------------------------------------------------------------------------


def test_the_bell_counts_the_persons_unread_notifications(client, pm, executive, project):
    for i in range(3):
        notify(pm, project, minutes_ago=i, due_date=timezone.localdate() + timedelta(days=i))
    notify(pm, project, kind=ReminderKind.STALLED, read=True)
    notify(executive, project)  # someone else's
    client.force_login(pm)
    response = client.get(BELL, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert bell_label(html) == "Notifications, 3 unread"
    assert '<span class="bell-count" aria-hidden="true">3</span>' in html
    assert f'href="{PAGE}"' in html
    assert "<svg" in html and "http" not in html  # inline icon, nothing fetched from elsewhere
    assert "no-cache" in response["Cache-Control"]


def test_the_bell_with_nothing_unread_shows_no_count(client, pm, project):
    notify(pm, project, read=True)
    client.force_login(pm)
    html = client.get(BELL).content.decode()
    assert bell_label(html) == "Notifications, none unread"
    assert "bell-count" not in html


def test_the_bell_caps_a_long_count(client, pm, project):
    for i in range(100):
        notify(pm, project, due_date=timezone.localdate() + timedelta(days=i))
    client.force_login(pm)
    html = client.get(BELL).content.decode()
    assert bell_label(html) == "Notifications, 100 unread"
    assert ">99+</span>" in html


def test_the_bell_leaves_out_a_project_the_person_may_not_see(client, pm, project, other_project):
    notify(pm, project)
    notify(pm, other_project)  # another organisation's project: never the PM's to hear about
    client.force_login(pm)
    assert bell_label(client.get(BELL).content.decode()) == "Notifications, 1 unread"
    assert other_project.name not in client.get(PAGE).content.decode()


def test_an_expired_session_keeps_the_polled_bell_as_it_is(client):
    """htmx would follow a login redirect and swap the login page into the navigation."""
    assert client.get(BELL, **HTMX).status_code == 204
    response = client.get(BELL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_page_loads_the_bell_lazily(client, pm, project):
    notify(pm, project)
    client.force_login(pm)
    html = client.get(reverse("portfolio:home")).content.decode()
    slot = re.search(r'<div class="bell-slot"[^>]*>', html).group(0)
    assert f'hx-get="{BELL}"' in slot
    assert 'hx-trigger="load, every 60s"' in slot
    # The page itself paid no query for it: it shows the bell without a count.
    assert bell_label(html) == "Notifications"
    assert "bell-count" not in html
    # Drawn by the stylesheet: the page's own <svg> (a chart) stays the first on it.
    assert 'class="bell-glyph"' in html and "bell-icon" not in html


@pytest.mark.parametrize("rows", [5, 50])
def test_bell_query_count_is_pinned(client, pm, project, rows, django_assert_num_queries):
    for i in range(rows):
        notify(pm, project, due_date=timezone.localdate() + timedelta(days=i))
    client.force_login(pm)
    # session, user, the organisations, the unread count.
    with django_assert_num_queries(4):
        response = client.get(BELL, **HTMX)
    assert bell_label(response.content.decode()) == f"Notifications, {rows} unread"


# --- the notifications page ------------------------------------------------------------------


def test_the_page_lists_the_persons_notifications_newest_first(client, pm, executive, project):
    older = notify(pm, project, minutes_ago=90, subject="Older: the charter waits", read=True)
    newer = notify(
        pm,
        project,
        kind=ReminderKind.LAPSED,
        minutes_ago=5,
        subject="Newer: the decision date lapsed",
        body="Nobody decided.\nDecide now.",
    )
    digest = notify(pm, None, kind=ReminderKind.DIGEST, minutes_ago=1, subject="Your digest")
    notify(executive, project, subject="Not yours to read")
    client.force_login(pm)
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(digest.subject) < html.index(newer.subject) < html.index(older.subject)
    assert "Not yours to read" not in html
    assert "Nobody decided.<br>Decide now." in html
    assert f'<a href="/projects/{project.pk}/#gate">Open {project.name}</a>' in html
    assert '<a href="/projects/">Open</a>' in html  # the digest is about no project
    assert html.count("<time datetime=") >= 3
    # Unread ones are marked and can be marked read; the read one says when it was read.
    unread_rows = re.findall(
        r'<li id="notification-\d+" class="notification notification-unread"', html
    )
    assert len(unread_rows) == 2
    assert f'action="{read_url(newer)}"' in html
    assert f'action="{read_url(older)}"' not in html
    assert "2 unread" in html
    assert f'href="{PREFERENCES}"' in html


def test_a_link_that_is_not_a_path_of_ours_is_not_rendered(client, pm, project):
    notify(pm, project, url="javascript:alert(1)", subject="Odd link")
    notify(pm, project, url="//elsewhere.example/x", subject="Other host", kind="stalled")
    client.force_login(pm)
    html = client.get(PAGE).content.decode()
    assert "Odd link" in html and "Other host" in html
    assert "javascript:" not in html and "elsewhere.example" not in html


def test_unread_only_is_a_filter_in_the_url(client, pm, project):
    notify(pm, project, subject="Still unread")
    notify(pm, project, kind=ReminderKind.STALLED, subject="Already read", read=True)
    client.force_login(pm)
    html = client.get(PAGE, {"unread": "1"}).content.decode()
    assert "Still unread" in html and "Already read" not in html
    assert re.search(r'href="[^"]*\?unread=1"[^>]*aria-current="page"', html)
    both = client.get(PAGE).content.decode()
    assert "Still unread" in both and "Already read" in both


def test_an_htmx_filter_gets_only_the_list(client, pm, project):
    notify(pm, project, subject="Still unread")
    client.force_login(pm)
    response = client.get(PAGE, {"unread": "1"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Still unread" in html
    assert "HX-Request" in response["Vary"]


def test_the_page_is_paginated(client, pm, project, settings):
    settings.GATEHOUSE_PAGE_SIZE = 3
    for i in range(7):
        notify(
            pm,
            project,
            minutes_ago=i,
            subject=f"Reminder number {i}",
            due_date=timezone.localdate() + timedelta(days=i),
        )
    client.force_login(pm)
    first = client.get(PAGE).content.decode()
    assert "Reminder number 0" in first and "Reminder number 3" not in first
    assert "1–3 of 7" in first
    third = client.get(PAGE, {"page": 3}).content.decode()
    assert "Reminder number 6" in third and "Reminder number 5" not in third


def test_the_empty_page_says_what_will_appear(client, pm, project):
    client.force_login(pm)
    html = client.get(PAGE).content.decode()
    assert "No notifications yet" in html
    assert "a charter waiting for your signature" in html
    notify(pm, project, read=True)
    html = client.get(PAGE, {"unread": "1"}).content.decode()
    assert "Nothing unread" in html


def test_a_get_never_writes(client, pm, project):
    notify(pm, project)
    notify(pm, None, kind=ReminderKind.DIGEST)
    client.force_login(pm)
    before = row_counts()
    unread = set(Reminder.objects.unread().values_list("pk", flat=True))
    for url, query in ((PAGE, {}), (PAGE, {"unread": "1"}), (BELL, {}), (PREFERENCES, {})):
        assert client.get(url, query).status_code == 200
        assert client.get(url, query, **HTMX).status_code == 200
    assert row_counts() == before
    assert set(Reminder.objects.unread().values_list("pk", flat=True)) == unread


@pytest.mark.parametrize("rows", [5, 50])
def test_notifications_page_query_count_is_pinned(
    client, pm, project, rows, django_assert_num_queries
):
    other = ProjectFactory(organisation=project.organisation, pm=pm)
    for i in range(rows):
        notify(pm, project if i % 2 else other, due_date=timezone.localdate() + timedelta(days=i))
    notify(pm, None, kind=ReminderKind.DIGEST)
    client.force_login(pm)
    # session, user, the navigation (organisations, worker heartbeat), the page's count, its
    # rows with their projects, the unread count; the organisations (+1 since issue 12).
    with django_assert_num_queries(8):
        response = client.get(PAGE)
    assert response.content.decode().count('class="notification notification-unread"') == min(
        rows + 1, 25
    )


# --- marking read -----------------------------------------------------------------------------


def test_someone_elses_notification_is_a_404_and_stays_unread(client, pm, executive, project):
    theirs = notify(executive, project)
    client.force_login(pm)
    assert client.post(read_url(theirs)).status_code == 404
    assert client.post(read_url(theirs), **HTMX).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_notification_about_a_project_the_person_may_not_see_is_a_404(client, pm, other_project):
    mine = notify(pm, other_project)
    client.force_login(pm)
    assert client.post(read_url(mine)).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_reading_by_get_is_not_allowed(client, pm, project):
    mine = notify(pm, project)
    client.force_login(pm)
    assert client.get(read_url(mine)).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_read_in_place_swaps_the_row_the_count_and_the_bell(client, pm, project):
    mine = notify(pm, project, subject="Decide on it")
    notify(pm, project, kind=ReminderKind.STALLED)
    client.force_login(pm)
    response = client.post(read_url(mine), {"next": f"{PAGE}?unread=1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert html.lstrip().startswith(f'<li id="notification-{mine.pk}" class="notification">')
    assert "Decide on it" in html and "Mark read" not in html
    assert '<span id="notifications-unread-count" hx-swap-oob="true">1 unread</span>' in html
    oob_bell = re.search(r'<a id="notification-bell"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in oob_bell
    assert 'aria-label="Notifications, 1 unread"' in oob_bell


def test_mark_read_without_javascript_goes_back_to_the_page(client, pm, project):
    mine = notify(pm, project)
    client.force_login(pm)
    response = client.post(read_url(mine), {"next": f"{PAGE}?unread=1&page=1"})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?unread=1&page=1"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_never_sends_the_browser_elsewhere(client, pm, project):
    mine = notify(pm, project)
    client.force_login(pm)
    response = client.post(read_url(mine), {"next": "https://elsewhere.example/"})
    assert response["Location"] == PAGE


def test_mark_all_read(client, pm, executive, project):
    mine = [notify(pm, project), notify(pm, None, kind=ReminderKind.DIGEST)]
    theirs = notify(executive, project)
    client.force_login(pm)
    response = client.post(READ_ALL, {"next": f"{PAGE}?unread=1"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?unread=1"
    assert all(Reminder.objects.get(pk=r.pk).read_at for r in mine)
    assert Reminder.objects.get(pk=theirs.pk).read_at is None
    page = client.get(response["Location"]).content.decode()
    assert "2 notifications marked read." in page
    assert "Nothing unread" in page


def test_mark_all_read_through_htmx_loads_the_page_again(client, pm, project):
    notify(pm, project)
    client.force_login(pm)
    response = client.post(READ_ALL, **HTMX)
    assert response.status_code == 200
    assert f'"path": "{PAGE}"' in response["HX-Location"]
    assert Reminder.objects.unread().count() == 0


def test_the_mark_read_forms_post_with_htmx_an_indicator_and_without_it(client, pm, project):
    mine = notify(pm, project)
    client.force_login(pm)
    html = client.get(PAGE).content.decode()
    form = re.search(
        rf'<form class="notification-action"[^>]*action="{read_url(mine)}"[^>]*>', html
    )
    assert form, html
    assert f'hx-post="{read_url(mine)}"' in form.group(0)
    assert f'hx-indicator="#notification-{mine.pk}-busy"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in html
    read_all = re.search(rf'<form method="post" action="{READ_ALL}"[^>]*>', html).group(0)
    assert f'hx-post="{READ_ALL}"' in read_all and "hx-indicator" in read_all


# --- email preferences -------------------------------------------------------------------------


def test_preferences_offer_one_checkbox_per_kind_and_lock_the_mandatory_ones(client, pm):
    NotificationPreference.objects.create(user=pm, kind=ReminderKind.STALLED, email=False)
    client.force_login(pm)
    html = client.get(PREFERENCES).content.decode()
    boxes = dict(re.findall(r'<input type="checkbox" name="(\w+)"([^>]*)>', html))
    assert set(boxes) == set(ReminderKind.values)
    for kind in MANDATORY_KINDS:
        assert "disabled" in boxes[kind] and "checked" in boxes[kind]
    assert "checked" not in boxes["stalled"] and "disabled" not in boxes["stalled"]
    assert "checked" in boxes["due_soon"]
    assert "Lapses and escalations always reach you by email" in html
    for kind in ReminderKind:
        assert f"{kind.label}</label>" in html.replace("&#x27;", "'")


def test_saving_preferences_switches_email_off_and_on(client, pm):
    client.force_login(pm)
    # Unticked boxes are not posted: everything but "due_soon" and "digest" is switched off.
    response = client.post(PREFERENCES, {"due_soon": "on", "digest": "on"})
    assert response.status_code == 302 and response["Location"] == PREFERENCES
    now = services.notification_preferences(user=pm)
    assert now["due_soon"] and now["digest"]
    assert not now["stalled"] and not now["signatures"] and not now["due_tomorrow"]
    assert "Your email preferences are saved." in client.get(PREFERENCES).content.decode()


def test_posting_a_mandatory_kind_off_leaves_it_on(client, pm):
    client.force_login(pm)
    # "lapsed", "escalation"… are not posted (unticked): a disabled field keeps its value.
    client.post(PREFERENCES, {"due_soon": "on"})
    assert all(services.notification_preferences(user=pm)[kind] for kind in MANDATORY_KINDS)
    assert not NotificationPreference.objects.filter(email=False, kind__in=MANDATORY_KINDS).exists()


def test_a_refused_save_keeps_what_was_typed(client, pm, monkeypatch):
    def refuse(**kwargs):
        from django.core.exceptions import ValidationError

        raise ValidationError({"stalled": ["Not now."], "__all__": ["Try again later."]})

    monkeypatch.setattr(services, "notification_preferences_set", refuse)
    client.force_login(pm)
    response = client.post(PREFERENCES, {"stalled": "on"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Not now." in html and "Try again later." in html
    boxes = dict(re.findall(r'<input type="checkbox" name="(\w+)"([^>]*)>', html))
    assert "checked" in boxes["stalled"]
    assert "checked" not in boxes["due_soon"]  # unticked as sent, not as stored
    assert not NotificationPreference.objects.exists()


def test_the_profile_links_to_the_preferences(client, pm):
    client.force_login(pm)
    assert f'href="{PREFERENCES}"' in client.get(reverse("profile")).content.decode()
