"""Sending one claimed reminder by email, once.

``reminder_send`` locks the reminder's row (``SKIP LOCKED``: a duplicate delivery of the task
waits for nothing and finds the row sent), sends it and records pending → sent, or the error. A
transient SMTP failure leaves it pending for the task's retry (and, should Redis lose the task,
for the next sweep); a permanent one, or the fifth transient one, marks it failed.

The one window where a mail can go out twice: the SMTP server accepted it and the process died
before the commit recorded "sent". The next attempt sends it again — with the same
``Message-ID``, so mail clients fold the repeat.
"""

from __future__ import annotations

import smtplib
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import DeliveryStatus, Reminder, ReminderKind

MAX_ATTEMPTS = 5


class TransientDeliveryError(Exception):
    """The mail server could not take the message now; try again later."""


TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


def absolute(path: str) -> str:
    return f"{settings.GATEHOUSE_BASE_URL}{path}"


def message_id(reminder: Reminder) -> str:
    """Stable for a reminder, so a repeat after a crash folds into the first in mail clients."""
    host = urlsplit(settings.GATEHOUSE_BASE_URL).hostname or "gatehouse.invalid"
    return f"<gatehouse.reminder.{reminder.pk}@{host}>"


def build_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The email of a reminder: plain text and HTML from templates, a link to where the
    recipient acts, and a List-Unsubscribe header leading to their preferences."""
    preferences = absolute(reverse("decisions:notification-preferences"))
    context = {
        "reminder": reminder,
        "recipient": reminder.recipient,
        "project": reminder.project,
        "action_url": absolute(reminder.url),
        "preferences_url": preferences,
        "digest": reminder.context.get("digest") if reminder.kind == ReminderKind.DIGEST else None,
        "base_url": settings.GATEHOUSE_BASE_URL,
    }
    message = EmailMultiAlternatives(
        subject=reminder.subject,
        body=render_to_string("decisions/email/reminder.txt", context),
        to=[reminder.recipient.email],
        headers={
            "Message-ID": message_id(reminder),
            "List-Unsubscribe": f"<{preferences}>",
            "X-Gatehouse-Reminder": reminder.kind,
        },
    )
    message.attach_alternative(
        render_to_string("decisions/email/reminder.html", context), "text/html"
    )
    return message


def reminder_send(*, reminder_id: int) -> str:
    """Send one pending reminder by email: "sent", "failed", or "skipped" (already sent, not
    to be emailed, or being sent by another worker). Raises ``TransientDeliveryError`` — after
    recording the attempt — when the mail server should be tried again."""
    transient: Exception | None = None
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "project")
            .filter(pk=reminder_id, email_status=DeliveryStatus.PENDING)
            .first()
        )
        if reminder is None:
            return "skipped"
        reminder.email_attempts += 1
        try:
            build_message(reminder).send()
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                transient = exc
            _record_failure(reminder, exc, permanent=transient is None)
        except TRANSIENT as exc:
            transient = exc
            _record_failure(reminder, exc, permanent=False)
        except smtplib.SMTPException as exc:  # refused recipients, a bad sender…
            _record_failure(reminder, exc, permanent=True)
        else:
            reminder.email_status = DeliveryStatus.SENT
            reminder.emailed_at = timezone.now()
            reminder.email_error = ""
        reminder.save(update_fields=["email_status", "email_attempts", "email_error", "emailed_at"])
    if transient is not None and reminder.email_status == DeliveryStatus.PENDING:
        raise TransientDeliveryError(str(transient)) from transient
    return reminder.email_status


def _record_failure(reminder: Reminder, exc: Exception, *, permanent: bool) -> None:
    reminder.email_error = f"{type(exc).__name__}: {exc}"[:2000]
    if permanent or reminder.email_attempts >= MAX_ATTEMPTS:
        reminder.email_status = DeliveryStatus.FAILED
