"""Celery tasks of the decisions app: thin, idempotent, enqueued on commit.

``sweep_reminders`` runs on beat's schedule (config/celery_app.py) and claims what is due;
``send_reminder`` sends one claimed reminder. Neither keeps state of its own: the rows do. A
lost task (Redis flushed, a worker killed) loses nothing — the next sweep hands every reminder
still pending to ``send_reminder`` again, and its state guard sends each once.
"""

from __future__ import annotations

from celery import shared_task

from .services import reminders_sweep
from .services.delivery import TransientDeliveryError, reminder_send


@shared_task(ignore_result=True, acks_late=True)
def sweep_reminders() -> dict:
    result = reminders_sweep(enqueue=send_reminder.delay)
    return {"claimed": result.claimed, "pending": len(result.pending), "killed": result.killed}


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=4,
)
def send_reminder(reminder_id: int) -> str:
    return reminder_send(reminder_id=reminder_id)
