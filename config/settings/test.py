"""Tests run against real PostgreSQL and Redis: `make test` starts throw-away ones and sets the URLs."""

from .base import *  # noqa: F403
from .base import DATABASES, REQUEST_LOG_FILTERS, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["CONN_MAX_AGE"] = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# No console output of its own (pytest captures the records), but the same request filters as
# every environment: a test can see that a 403 logs no traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": REQUEST_LOG_FILTERS,
    "loggers": {"django.request": {"filters": list(REQUEST_LOG_FILTERS)}},
}
# The figures' tests measure the computation; the dashboard cache has tests of its own.
GATEHOUSE_DASHBOARD_CACHE_SECONDS = 0
# Throttle and rate-limit counters in this process's memory, emptied before each test
# (tests/conftest.py): no test inherits another's count. Tests that prove a limit lower it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
