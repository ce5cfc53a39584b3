"""Background work runs on a real Celery worker against the real Redis that `make test` starts."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery_app import app
from portfolio.models import WorkerHeartbeat
from portfolio.tasks import record_heartbeat


@pytest.mark.django_db(transaction=True)
def test_heartbeat_reaches_the_database_through_a_real_worker():
    assert app.conf.broker_url.startswith("redis://"), "make test points Celery at Redis"
    started = timezone.now()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        record_heartbeat.delay()
        deadline = time.monotonic() + 15
        while not WorkerHeartbeat.objects.filter(name="worker").exists():
            assert time.monotonic() < deadline, "the worker never recorded a heartbeat"
            time.sleep(0.1)
    assert WorkerHeartbeat.objects.get(name="worker").beat_at >= started


def test_beat_schedules_the_heartbeat():
    schedule = app.conf.beat_schedule
    assert any(e["task"] == "portfolio.tasks.record_heartbeat" for e in schedule.values())
    assert "portfolio.tasks.record_heartbeat" in app.tasks
