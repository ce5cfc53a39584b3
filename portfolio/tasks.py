from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def record_heartbeat() -> None:
    """Beat → worker → database: the footer shows when background work last ran."""
    services.heartbeat_record(name="worker")
