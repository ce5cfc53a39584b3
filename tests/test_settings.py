"""Production settings refuse to start with a secret anyone could know."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "x7Qp2LmZ9vR4tY8wK1nB6cD3fG5hJ0sA-_uE7iO2pL9qW4eR8tY1uI6oP3aS5dF"


def import_settings(module: str, code: str = "", **env) -> subprocess.CompletedProcess:
    """Import ``module`` in a clean interpreter with only ``env`` set, then run ``code``."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", **env}
    # Our own interpreter running our own settings module and a literal from this file.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import {module} as s\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def import_production(**env) -> subprocess.CompletedProcess:
    return import_settings("config.settings.production", **env)


POSTGRES = {
    "DATABASE_URL": "postgres://gatehouse@db/gatehouse",
    "REDIS_URL": "redis://redis:6379/0",
    "GATEHOUSE_BASE_URL": "https://gatehouse.example.com",
}


@pytest.mark.parametrize(
    "secret",
    [None, "", "demo-only-insecure-key-change-me", "change-me", "a" * 60],
    ids=["missing", "empty", "demo-default", "placeholder", "one-character"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = dict(POSTGRES)
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = import_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_sqlite_and_the_filesystem_broker():
    no_db = import_production(SECRET_KEY=GOOD_KEY, REDIS_URL="redis://redis:6379/0")
    assert no_db.returncode != 0 and "DATABASE_URL" in no_db.stderr
    no_redis = import_production(SECRET_KEY=GOOD_KEY, DATABASE_URL=POSTGRES["DATABASE_URL"])
    assert no_redis.returncode != 0 and "REDIS_URL" in no_redis.stderr


@pytest.mark.parametrize("base_url", [None, "", "http://gatehouse.example.com"])
def test_production_refuses_to_start_without_its_public_https_address(base_url):
    env = {k: v for k, v in POSTGRES.items() if k != "GATEHOUSE_BASE_URL"}
    if base_url is not None:
        env["GATEHOUSE_BASE_URL"] = base_url
    result = import_production(SECRET_KEY=GOOD_KEY, **env)
    assert result.returncode != 0 and "GATEHOUSE_BASE_URL" in result.stderr


def test_production_starts_with_a_real_configuration():
    result = import_production(SECRET_KEY=GOOD_KEY, **POSTGRES)
    assert result.returncode == 0, result.stderr


def test_a_compose_env_file_is_not_read_unless_named(tmp_path):
    """`cp .env.example .env` for docker compose must not turn the demo into production."""
    env_file = tmp_path / "compose.env"
    env_file.write_text("DEBUG=False\nALLOWED_HOSTS=gatehouse.example.com\n")
    show = "print(s.DEBUG, s.ALLOWED_HOSTS)"
    unnamed = import_settings("config.settings.local", show)
    assert unnamed.returncode == 0, unnamed.stderr
    assert unnamed.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]']"
    named = import_settings("config.settings.local", show, DJANGO_ENV_FILE=str(env_file))
    assert named.returncode == 0, named.stderr
    assert named.stdout.strip() == "False ['gatehouse.example.com']"


def test_the_demo_runs_without_debug_unless_a_developer_opts_in():
    """An evaluator never sees Django's debug 404 (every URL pattern); `DEBUG=true make demo`
    gives a developer the debug pages. Static files are served by WhiteNoise either way."""
    show = "print(s.DEBUG, s.WHITENOISE_USE_FINDERS)"
    default = import_settings("config.settings.local", show)
    assert default.stdout.strip() == "False True", default.stderr
    opted_in = import_settings("config.settings.local", show, DEBUG="true")
    assert opted_in.stdout.strip() == "True True", opted_in.stderr


def test_check_deploy_finds_nothing_under_production_settings():
    """`make check-deploy`, kept clean: the security headers, cookies and HSTS settings."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"}
    env = {
        **clean,
        **POSTGRES,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "gatehouse.example.com",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
