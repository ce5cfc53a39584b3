"""The Celery application. Every periodic schedule lives here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("gatehouse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "portfolio-record-heartbeat": {
        "task": "portfolio.tasks.record_heartbeat",
        "schedule": 60.0,
    },
}
