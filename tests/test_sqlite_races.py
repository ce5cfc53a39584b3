"""The demo runs on SQLite: two people acting at the same moment must each get an answer — both
recorded, or one refused with the reason — never "database is locked" (a 500, and a lost
signature). Real threads on a SQLite file, under the demo's settings (``config.settings.local``
with the default database URL's engine), in a subprocess: the suite's own database is
PostgreSQL. ``tests/sqlite_races.py`` is the script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATE_DECIDED = "refused: This gate has already been decided."


@pytest.fixture(scope="module")
def races(tmp_path_factory) -> dict:
    database = tmp_path_factory.mktemp("sqlite") / "demo.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "RACE_ROUNDS": "2",
    }

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and scripts
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("manage.py", "migrate", "--no-input", "-v0")
    return json.loads(run("tests/sqlite_races.py").strip().splitlines()[-1])


def test_two_signers_at_the_same_moment_are_both_recorded(races):
    for round_ in races["sign"]:
        assert round_["answers"] == ["ok", "ok"], round_
        assert round_["status"] == "approved", round_  # the second signature approved it


def test_two_decisions_at_the_same_moment_one_recorded_the_other_refused(races):
    for round_ in races["decide"]:
        assert sorted(round_["answers"]) == sorted(["ok", GATE_DECIDED]), round_
        assert round_["decisions"] == 1, round_
