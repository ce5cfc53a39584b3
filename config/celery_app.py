"""The Celery application. Every periodic schedule lives here, in one place.

Periodic tasks are thin sweeps: they compute what is due from the database, so a missed beat
(downtime, a lost broker) is caught up by the next one. Give each entry an ``expires`` shorter
than its period so a backlog after downtime runs once, not once per missed beat.
"""

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("gatehouse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Beat → broker → worker → database: the footer shows when background work last ran.
    "portfolio-record-heartbeat": {
        "task": "portfolio.tasks.record_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Everything due — reminders, escalations, lapse policies, the weekly digest — claimed once.
    "decisions-sweep-reminders": {
        "task": "decisions.tasks.sweep_reminders",
        "schedule": float(settings.GATEHOUSE_SWEEP_EVERY_SECONDS),
        "options": {"expires": settings.GATEHOUSE_SWEEP_EVERY_SECONDS * 0.9},
    },
}
