"""Settings shared by every environment. Everything that differs comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# No dotenv file is read unless DJANGO_ENV_FILE names one: the `.env` in the checkout belongs to
# docker compose (production values such as DEBUG=False and a public ALLOWED_HOSTS), and reading
# it implicitly would quietly break `make demo` on the same machine.
if env("DJANGO_ENV_FILE", default=""):
    environ.Env.read_env(env("DJANGO_ENV_FILE"), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="demo-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

TIME_ZONE = env("TIME_ZONE", default="Europe/Amsterdam")
USE_TZ = True
LANGUAGE_CODE = "en-gb"
USE_I18N = True

# Widgets render through TEMPLATES (templates/django/forms/ may override Django's own), except the
# select, written in Python: a select of people was most of the project list's time.
FORM_RENDERER = "portfolio.renderers.FormRenderer"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "portfolio",
    "charters",
    "decisions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # After auth and messages: ends a session idle for SESSION_IDLE_TIMEOUT (portfolio/sessions.py).
    "portfolio.sessions.IdleSessionMiddleware",
    # Last: turns a login refused by django-axes into the login page saying when to try again.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portfolio.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gatehouse.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query whose cost estimate is high — ours are short, with
    # correlated subqueries (the derived states) that inflate the estimate — and compiling took
    # seconds where running takes milliseconds (bench/sweep.py). Off for every connection.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo. A transaction begins as a reader and becomes a writer at its first write; two
    # at once (two signers, two decisions) then deadlock and SQLite answers one of them
    # "database is locked" at once, whatever the timeout — a 500 and a lost signature. Begun
    # IMMEDIATE, a write transaction takes the write lock at BEGIN: the other one waits (up to
    # the timeout, in seconds) and then reads what the first wrote — "already decided", or the
    # second signature that approves. Reads outside a transaction are not affected.
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite.setdefault("timeout", 20)
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portfolio.User"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portfolio:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Gatehouse <gatehouse@localhost>")

SESSION_COOKIE_HTTPONLY = True
# A session ends SESSION_COOKIE_AGE after its login however busy it is (the login fixes the
# expiry: portfolio/sessions.py), and SESSION_IDLE_TIMEOUT after its last request. Its
# last-seen time is written at most every SESSION_ACTIVITY_RESOLUTION seconds, so reading pages
# does not write the session row on every request (STYLE.md: a read never writes).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60)
SESSION_ACTIVITY_RESOLUTION = env.int("SESSION_ACTIVITY_RESOLUTION", default=5 * 60)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"

# --- Headers: what the browser may do with our pages ----------------------------------------
# Content-Security-Policy (django-csp). Every script is a static file of ours and no page has an
# inline script, on*= handler, hx-on or style="" attribute (tests/test_security_headers.py): a
# bar is a <progress> with a value, not a span with style="width"; the SVG charts use
# presentation attributes, which the policy does not govern. htmx is told not to inject its
# indicator <style> or eval anything (templates/base.html's htmx-config). So neither 'unsafe-inline' nor 'unsafe-eval'. Swagger UI
# (/api/docs/) is served from drf-spectacular-sidecar's static files, its init script as a file of
# its own (SpectacularSwaggerSplitView), under this same policy. Every environment sends it,
# the tests included, so the browser tests catch a page that breaks it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Permissions-Policy (django-permissions-policy): Gatehouse needs no device or tracking API, so
# a page (or anything injected into one) may use none of them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Celery -----------------------------------------------------------------
# With REDIS_URL (or CELERY_BROKER_URL) set, Redis is the broker. Without it the demo uses
# kombu's filesystem transport so that web, worker and beat can talk with no server installed.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND", default=REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # kombu otherwise writes its exchange table to ./control in whatever directory it runs from
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        Path(_folder).mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- Shared cache: throttle and rate-limit counters ------------------------------------------
# Every web process must see the same counters: Redis when there is one (CACHE_URL, else
# REDIS_URL), otherwise a folder under var/ that the demo's processes on one machine share.
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "gatehouse",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Abuse: the client's address, login lockout, password-reset limits -----------------------
# How many proxies in front of gunicorn append the client's address to X-Forwarded-For (0: people
# connect to gunicorn itself). Every per-address limit — login lockout, API throttle, password
# reset — reads the address through portfolio.throttling.client_ip with this number, so a client
# cannot choose its own address by sending the header. Production expects one TLS proxy.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

# django-axes: a login is refused for AXES_COOLOFF_TIME once AXES_FAILURE_LIMIT passwords in a
# row failed for the same account (from anywhere) or from the same address (for any account).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Attempts during a lockout do not extend it: the time the page announces is the time it ends,
# and someone hammering a colleague's account cannot keep them out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the counters: it would also wipe its address's failures against
# other accounts, so one's own login between guesses would reset the count.
AXES_RESET_ON_SUCCESS = False
# The login form's field and authenticate()'s keyword (the admin's login form alike), whatever
# the user model calls its username (ours: email).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portfolio.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "portfolio.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "portfolio.views.account.login_locked_out"

# Password reset requests: at most this many per hour for one email address and from one
# address; more are refused with the same answer whether or not the account exists.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=5)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=20)
PASSWORD_RESET_LIMIT_WINDOW = env.int("PASSWORD_RESET_LIMIT_WINDOW", default=60 * 60)

# --- REST framework -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portfolio.api.authentication.PersonalAccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portfolio.api.permissions.TokenScopePermission"],
    # JSON only: no endpoint takes a file, and a form cannot say null (an owner) or a list of rows.
    "DEFAULT_PARSER_CLASSES": ["portfolio.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portfolio.api.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "portfolio.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    # DRF's defaults, with its JSON parser replaced by ours: a deeply nested document is a 400.
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "portfolio.api.base.exception_handler",
    # 429 with Retry-After past the rate: each token (or signed-in person) on its own, and each
    # address for calls without credentials. The counters live in the shared cache above.
    "DEFAULT_THROTTLE_CLASSES": [
        "portfolio.api.throttling.TokenRateThrottle",
        "portfolio.api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_RATE_PER_TOKEN", default="300/min"),
        "address": env("API_RATE_PER_ADDRESS", default="60/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gatehouse API",
    "DESCRIPTION": (
        "Govern AI proofs of concept: projects, charters, gates and decisions. "
        "Authenticate with a personal access token: `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Every operation may answer 429 with Retry-After (the throttles above).
        "portfolio.api.throttling.document_throttling",
    ],
    # A charter's data classification and a data source's sensitivity share one scale.
    "ENUM_NAME_OVERRIDES": {
        "SensitivityEnum": "charters.models.Sensitivity",
        "ReminderKindEnum": "decisions.models.ReminderKind",
    },
}

# --- Gatehouse ---------------------------------------------------------------
# The API schema and Swagger UI without a login (config/api_docs.py says why production keeps them
# behind one). local.py opens them in the demo.
GATEHOUSE_PUBLIC_API_DOCS = env.bool("GATEHOUSE_PUBLIC_API_DOCS", default=False)
GATEHOUSE_STALLED_AFTER_DAYS = env.int("GATEHOUSE_STALLED_AFTER_DAYS", default=21)
# Where people reach Gatehouse: every link in an email starts with it (production requires it).
GATEHOUSE_BASE_URL = env("GATEHOUSE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# How often beat runs the reminder sweep (config/celery_app.py). It catches up by itself, so a
# longer period only delays reminders; it never loses one.
GATEHOUSE_SWEEP_EVERY_SECONDS = env.int("GATEHOUSE_SWEEP_EVERY_SECONDS", default=300)
GATEHOUSE_PAGE_SIZE = 25
# How long a computed dashboard may be reused at most; a write to the portfolio makes it
# recompute at once (decisions.dashboard.summary_cached). 0 turns the cache off.
GATEHOUSE_DASHBOARD_CACHE_SECONDS = env.int("GATEHOUSE_DASHBOARD_CACHE_SECONDS", default=120)

# django.request logs a 403 with the PermissionDenied's traceback; an expected refusal needs
# one line ("Forbidden (Permission denied): /projects/new/"), not a stack (config/log_filters.py).
REQUEST_LOG_FILTERS = {
    "refusal_without_traceback": {"()": "config.log_filters.RefusalWithoutTraceback"}
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": REQUEST_LOG_FILTERS,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": list(REQUEST_LOG_FILTERS)},
    },
}
