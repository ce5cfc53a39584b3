"""A person's in-app notifications and their email preferences.

A ``Reminder`` is its recipient's notification: marking it read is the only change a person
makes to it. Preferences say, per kind of reminder, whether it also goes by email (no row: it
does); lapses and escalations (``MANDATORY_KINDS``) always do — silence is never an outcome.
The sweep (``reminders``) reads the preferences when it claims a reminder.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portfolio.models import User

from ..models import MANDATORY_KINDS, NotificationPreference, Reminder, ReminderKind

MANDATORY_REFUSAL = (
    "Lapses and escalations always reach you by email: “{label}” cannot be switched off."
)


def notification_mark_read(*, reminder: Reminder, by: User) -> Reminder:
    """Mark one of ``by``'s notifications read (again: a no-op). Someone else's is refused."""
    if reminder.recipient_id != by.pk:
        raise PermissionDenied("You can only mark your own notifications read.")
    if reminder.read_at is None:
        now = timezone.now()
        # Guarded on read_at: marked in two tabs at once, it keeps the first time.
        marked = Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=now)
        if marked:
            reminder.read_at = now
        else:
            reminder.refresh_from_db(fields=["read_at"])
    return reminder


def notification_mark_all_read(*, by: User) -> int:
    """Mark every unread notification ``by`` may see read; answer how many were marked."""
    return Reminder.objects.notifications_of(by).unread().update(read_at=timezone.now())


def notification_preferences(*, user: User) -> dict[str, bool]:
    """Whether each kind of reminder reaches ``user`` by email (a read: it writes nothing).
    A kind without a row is emailed; a mandatory kind always is."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: kind in MANDATORY_KINDS or stored.get(kind, True) for kind in ReminderKind.values}


def notification_preferences_set(*, user: User, email_by_kind: dict[str, bool]) -> dict[str, bool]:
    """Store ``user``'s choice of email on or off for each kind given (one row per kind,
    created or updated); kinds not given keep their setting. Refuses, naming the kind, an
    unknown kind and switching off a mandatory one: then nothing is saved. Answers the
    preferences as they now stand."""
    errors: dict[str, list[str]] = {}
    for kind, email in email_by_kind.items():
        if kind not in ReminderKind.values:
            errors.setdefault("__all__", []).append(f"“{kind}” is not a kind of reminder.")
        elif kind in MANDATORY_KINDS and not email:
            label = ReminderKind(kind).label
            errors[kind] = [MANDATORY_REFUSAL.format(label=label)]
    if errors:
        raise ValidationError(errors)
    rows = [
        NotificationPreference(user=user, kind=kind, email=bool(email))
        for kind, email in email_by_kind.items()
    ]
    for row in rows:
        # The user is given, not typed: no lookup. The one-row-per-kind key is the upsert's.
        row.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    # One INSERT … ON CONFLICT (user, kind) DO UPDATE: a row per kind, created or updated.
    NotificationPreference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email"]
    )
    return notification_preferences(user=user)
