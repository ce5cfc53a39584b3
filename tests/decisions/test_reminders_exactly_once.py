"""Exactly once, and nothing lost: two sweeps at the same moment in two processes against
PostgreSQL, and the real Celery worker on real Redis running beat's task end to end into the
outbox — including a Redis FLUSHALL between the sweep and the sends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path

import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from decisions.models import DeliveryStatus, Reminder
from decisions.services import reminders_sweep
from decisions.services.delivery import reminder_send
from decisions.tasks import send_reminder, sweep_reminders
from tests.decisions.helpers import in_poc
from tests.factories import member

ROOT = Path(__file__).resolve().parent.parent.parent

SWEEP = """
import os, sys, time
import django
django.setup()
from datetime import datetime
import time_machine
from decisions.services import reminders_sweep
start, when = float(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
while time.time() < start:
    time.sleep(0.002)
with time_machine.travel(when, tick=False):
    print(reminders_sweep().claimed)
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _lapsing_poc(org, pm, executive):
    """A PoC, a second executive and a partner: every kind of due reminder has recipients."""
    member(org, "executive", email="exec2@acme.test")
    project, version, _ = in_poc(org, pm, executive)
    return project, version


def _at(day):
    return timezone.make_aware(datetime.combine(day, day_time(9)))


def test_two_sweeps_at_the_same_moment_in_two_processes_claim_each_reminder_once(
    transactional_db, org, pm, executive, partner
):
    project, version = _lapsing_poc(org, pm, executive)
    when = _at(version.kill_deadline + timedelta(days=9))  # kill pending, escalated, digest
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
    }
    start = time.time() + 3
    runs = [
        subprocess.Popen(  # noqa: S603 - our interpreter running our own snippet
            [sys.executable, "-c", SWEEP, str(start), when.isoformat()],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    claimed = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    total = Reminder.objects.count()
    assert total > 0 and sum(claimed) == total, (claimed, total)
    keys = list(
        Reminder.objects.values_list("recipient_id", "project_id", "kind", "due_date", "occurrence")
    )
    assert len(keys) == len(set(keys))
    # Each claimed reminder then goes out once, however often its send is delivered.
    for pk in Reminder.objects.values_list("pk", flat=True):
        reminder_send(reminder_id=pk)
        reminder_send(reminder_id=pk)
    emailed = Reminder.objects.filter(email_status=DeliveryStatus.SENT).count()
    assert len(mail.outbox) == emailed == total


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.2)


def test_beats_sweep_runs_on_a_real_worker_into_the_outbox(
    transactional_db, org, pm, executive, partner
):
    assert app.conf.broker_url.startswith("redis://"), "make test points Celery at Redis"
    assert any(
        e["task"] == "decisions.tasks.sweep_reminders" for e in app.conf.beat_schedule.values()
    )
    project, version = _lapsing_poc(org, pm, executive)
    with (
        time_machine.travel(_at(version.kill_deadline - timedelta(days=1))),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        sweep_reminders.delay()
        _wait_for(
            lambda: (
                Reminder.objects.exists()
                and not Reminder.objects.filter(email_status=DeliveryStatus.PENDING).exists()
            )
        )
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == Reminder.objects.filter(email_status=DeliveryStatus.SENT).count() > 0
    assert any("kill deadline is tomorrow" in s for s in subjects)


def test_a_redis_flushall_between_sweep_and_send_loses_no_reminder(
    transactional_db, org, pm, executive, partner
):
    import redis

    project, version = _lapsing_poc(org, pm, executive)
    with time_machine.travel(_at(version.kill_deadline - timedelta(days=1))):
        # The sweep claims and enqueues its sends (the transaction commits)…
        first = reminders_sweep(enqueue=send_reminder.delay)
        assert first.pending
        # …and Redis loses everything before any worker took them.
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushall()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            time.sleep(1)
            assert mail.outbox == []
            assert Reminder.objects.filter(email_status=DeliveryStatus.PENDING).count() == len(
                first.pending
            )
            # The next sweep hands what is still pending to the send task again.
            sweep_reminders.delay()
            _wait_for(
                lambda: not Reminder.objects.filter(email_status=DeliveryStatus.PENDING).exists()
            )
    assert len(mail.outbox) == len(first.pending)
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == len(first.pending)
