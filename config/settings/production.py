"""Production: PostgreSQL and Redis from the environment, HTTPS, and no default secret."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DATABASES, REST_FRAMEWORK, SECRET_KEY, env

DEBUG = False

if (
    SECRET_KEY.startswith("demo-only")
    or "change-me" in SECRET_KEY
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of at least 50 characters for production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL.")
# Web, worker and beat run as separate processes (often on separate hosts): they need a real
# broker, not the demo's folder on one disk.
if CELERY_BROKER_URL.startswith("filesystem://"):
    raise ImproperlyConfigured("Production needs REDIS_URL (or CELERY_BROKER_URL) for Celery.")

# Reminder emails link to the pages where people act: they need the public address.
if not env("GATEHOUSE_BASE_URL", default="").startswith("https://"):
    raise ImproperlyConfigured(
        "Set GATEHOUSE_BASE_URL to the public https:// address of Gatehouse (e.g. "
        "https://gatehouse.example.com): every link in a reminder email starts with it."
    )

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The same proxy appends the client's address to X-Forwarded-For: per-address limits read it
# there (portfolio/throttling.py). Without one in front, set TRUSTED_PROXIES=0.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
