"""A person's private calendar feed (DOMAIN.md "Reminders and escalation"): the gate due dates
and kill deadlines of the projects in flight they own or decide, as iCalendar built with the
``icalendar`` library. A read: building or serving the feed never writes.

What the feed holds, per project that names the person in an owner role (``named``), that they
may still see (``visible_to``: a person who left the organisation gets none of its dates) and
that is in flight (proposed, PoC, pilot):

- the open gate's due date: "Graduation gate of X due", UID ``project-<id>-gate-<stage>@<host>``
  (the stage the gate leads out of, so the next gate is a new event);
- the kill deadline, when the project has one (and it is not the gate's own due date, as in a
  pilot): "Kill deadline of X", UID
  ``project-<id>-kill@<host>``.

Each event is all-day, carries ``SEQUENCE`` = ``Project.schedule_version`` (it rises whenever one
of the project's dates moves, so calendar clients take the new date over the old one), a
description with the project's absolute address, and an alarm the day before. The whole feed is
two queries: the feed and its owner, then the projects with their open gate.

The secret in the feed's URL is the credential; only its SHA-256 is stored (``hash_secret``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from icalendar import Alarm, Calendar, Event
from icalendar.enums import TRANSP
from icalendar.prop import vDuration

from portfolio.models import Project

from .models import CalendarFeed, Gate

if TYPE_CHECKING:  # pragma: no cover
    from portfolio.models import User

GATE = "gate"
KILL = "kill"
ALARM_BEFORE = timedelta(days=1)
# How often a client should fetch the feed again (a hint: clients choose for themselves).
REFRESH_EVERY = timedelta(hours=1)
PRODID = "-//Gatehouse//Deadline calendar feed//EN"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_for_secret(secret: str) -> CalendarFeed | None:
    """The live feed whose URL carries ``secret``, with its owner loaded; None for an unknown or
    revoked secret, or an owner whose account is switched off."""
    if not secret:
        return None
    feed = (
        CalendarFeed.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_secret(secret))
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed


def live_feed(user: User) -> CalendarFeed | None:
    """The person's live feed, if they have one."""
    return CalendarFeed.objects.usable().filter(user=user).first()


def absolute(path: str) -> str:
    return f"{settings.GATEHOUSE_BASE_URL}{path}"


def feed_url(secret: str) -> str:
    """The address a calendar subscribes to: absolute, with the secret in it."""
    return absolute(reverse("decisions:calendar-feed", kwargs={"secret": secret}))


def host() -> str:
    """The right-hand side of every UID: Gatehouse's public host name."""
    return urlsplit(settings.GATEHOUSE_BASE_URL).hostname or "gatehouse.invalid"


@dataclass(frozen=True)
class FeedEvent:
    """One deadline in a person's feed."""

    uid: str
    kind: str  # GATE or KILL
    day: date
    summary: str
    description: str
    project_id: int
    project_name: str
    url: str
    sequence: int


def _long_date(day: date) -> str:
    return date_format(day, "j F Y")


def feed_events(user: User) -> list[FeedEvent]:
    """The deadlines of ``user``'s feed, soonest first: one query, whatever the number of
    projects."""
    open_gate = Gate.objects.filter(project_id=OuterRef("pk"), from_stage=OuterRef("stage"))
    rows = (
        Project.objects.visible_to(user)
        .named(user)
        .active()
        .with_states()
        .annotate(gate_name=Subquery(open_gate.order_by().values("name")[:1]))
        .order_by("pk")
        .values("pk", "name", "stage", "kill_deadline", "schedule_version", "gate_due", "gate_name")
    )
    at = host()
    events: list[FeedEvent] = []
    for row in rows:
        url = absolute(reverse("portfolio:project-detail", args=[row["pk"]]))
        common = {
            "project_id": row["pk"],
            "project_name": row["name"],
            "url": url,
            "sequence": row["schedule_version"],
        }
        if row["gate_due"] is not None:
            gate_name = row["gate_name"] or "Gate"
            day = row["gate_due"]
            events.append(
                FeedEvent(
                    uid=f"project-{row['pk']}-gate-{row['stage']}@{at}",
                    kind=GATE,
                    day=day,
                    summary=f"{gate_name} of {row['name']} due",
                    description=(
                        f"The {gate_name.lower()} of {row['name']} is due on {_long_date(day)}: "
                        "by then its decision-maker records go, kill or extend.\n\n"
                        f"Open the project: {url}"
                    ),
                    **common,
                )
            )
        # In pilot the kill deadline is the production gate's due date: one event says it.
        if row["kill_deadline"] is not None and row["kill_deadline"] != row["gate_due"]:
            day = row["kill_deadline"]
            events.append(
                FeedEvent(
                    uid=f"project-{row['pk']}-kill@{at}",
                    kind=KILL,
                    day=day,
                    summary=f"Kill deadline of {row['name']}",
                    description=(
                        f"The kill deadline of {row['name']} is {_long_date(day)}: unless the "
                        "kill condition signed off in its charter is met by then, the project is "
                        "killed, or extended with a reason.\n\n"
                        f"Open the project: {url}"
                    ),
                    **common,
                )
            )
    events.sort(key=lambda e: (e.day, e.project_name, e.kind))
    return events


def feed_calendar(user: User, events: list[FeedEvent], *, now: datetime | None = None) -> Calendar:
    """The iCalendar of ``events``: all-day events, SEQUENCE from the project's schedule
    version, and a display alarm the day before each."""
    stamp = now or timezone.now()
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name="Gatehouse deadlines",
        description=(
            f"The gate due dates and kill deadlines of the projects {user} owns or decides."
        ),
        refresh_interval=REFRESH_EVERY,
        uid=f"calendar-feed-{user.pk}@{host()}",
    )
    # RFC 7986 wants the value type spelt out; Outlook reads its own X-PUBLISHED-TTL instead.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_EVERY))
    for e in events:
        calendar.add_component(
            Event.new(
                uid=e.uid,
                start=e.day,
                end=e.day + timedelta(days=1),
                stamp=stamp,
                sequence=e.sequence,
                summary=e.summary,
                description=e.description,
                url=e.url,
                # A deadline does not make the person busy that day.
                transparency=TRANSP.TRANSPARENT,
                subcomponents=[
                    Alarm.new_display(description=f"Tomorrow: {e.summary}", trigger=-ALARM_BEFORE)
                ],
            )
        )
    return calendar


def feed_ics(user: User) -> bytes:
    """The person's feed as ``text/calendar`` bytes."""
    return feed_calendar(user, feed_events(user)).to_ical()
