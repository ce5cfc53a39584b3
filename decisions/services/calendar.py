"""A person's private calendar feed: a new secret URL (which revokes the old one), or none.

The secret is returned once, to be shown once; only its SHA-256 and a short prefix are stored
(``decisions.calendar.hash_secret``). Reading the feed is ``decisions.calendar``'s and writes
nothing — not even a last-fetched time.

Audited, as API tokens are: a credential made or revoked is on the record (filed under no
organisation or project: a person's feed belongs to neither).
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from portfolio import audit
from portfolio.models import User

from ..calendar import hash_secret
from ..models import CalendarFeed

# Marks the secret as Gatehouse's calendar feed wherever it turns up (a log, a shared link).
FEED_MARK = "cal_"
PREFIX_LENGTH = 10  # what the profile and the API show of it: "cal_" and six characters


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> tuple[CalendarFeed, str]:
    """Revoke the person's live feed, if any, and create a new one. Returns the feed and its
    secret, which is never stored or shown again: old subscriptions stop at once."""
    # Lock the person's row: two rotations at once run one after the other, so the second
    # revokes the first's feed instead of tripping over the one-live-feed constraint.
    User.objects.select_for_update().filter(pk=user.pk).first()
    calendar_feed_revoke(user=user)
    secret = FEED_MARK + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, key_hash=hash_secret(secret), key_prefix=secret[:PREFIX_LENGTH]
    )
    audit.record(
        actor=user,
        action=audit.Action.CALENDAR_FEED_CREATED,
        instance=feed,
        changes={"key_prefix": [None, feed.key_prefix]},
    )
    return feed, secret


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> CalendarFeed | None:
    """Revoke the person's live feed: its URL answers 404 from now on. Returns the revoked feed,
    or None when there was none (revoking twice is harmless)."""
    feed = CalendarFeed.objects.usable().select_for_update().filter(user=user).first()
    if feed is None:
        return None
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    audit.record(
        actor=user,
        action=audit.Action.CALENDAR_FEED_REVOKED,
        instance=feed,
        changes={"revoked_at": [None, audit.plain(feed.revoked_at)]},
    )
    return feed
