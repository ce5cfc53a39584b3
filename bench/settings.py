"""Production settings with the benchmark's URLconf (its two baselines added to the app's URLs).

Used by bench/load.py for gunicorn and for the in-process query counts. Production refuses to
start without SECRET_KEY, PostgreSQL, REDIS_URL and an https:// GATEHOUSE_BASE_URL: the harness
sets them. HTTPS is forced as in production (``SECURE_SSL_REDIRECT``): requests say
``X-Forwarded-Proto: https``, as the proxy in front of gunicorn would.

Import the ``config`` package before Django reads these settings (gunicorn's ``config.wsgi``
does; bench/load.py imports it first): its ``__init__`` starts Celery, which reads the settings,
and this module imports from inside that package.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# wrk sends thousands of calls a minute on one token: at the production rates most would answer
# 429 and count as errors. The throttle still runs (its cache round trip is part of what is
# measured), with a per-second rate no run here reaches; per second keeps each counter's
# history (a list of call times) to one second of calls.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"token": "5000/s", "address": "5000/s"},
}
