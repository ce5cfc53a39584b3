"""Celery tasks: thin and idempotent. They take ids, call a service, and may run twice."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, acks_late=True)
def record_heartbeat() -> None:
    """Beat → worker → database: the footer shows when background work last ran.

    Idempotent: it overwrites one row with the current time.
    """
    services.heartbeat_record(name="worker")
