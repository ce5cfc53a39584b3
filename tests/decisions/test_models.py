"""Models and their guards outside the services: the SQLite triggers, the admin's validation of
gate templates, the kill-condition chart."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from decisions.charts import kill_condition_chart
from decisions.models import CriterionTemplate, GateTemplate
from decisions.selectors import KillCondition
from tests.factories import UserFactory


def test_sqlite_triggers_refuse_update_and_delete_of_decisions(tmp_path):
    """The demo runs on SQLite: migrate a fresh SQLite database for real (every migration, so
    a later one that rebuilds the table and drops its triggers would be caught), then try to
    change a decision with plain SQL."""
    db = tmp_path / "demo.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")  # a bare row: the triggers are the subject
        conn.execute(
            "INSERT INTO decisions_decision (id, project_id, gate_id, outcome, decided_by_id, "
            "decided_by_policy, decided_at, rationale, reason_category, from_stage, to_stage, "
            "supersede_reason, snapshot) VALUES (1, 1, 1, 'kill', 1, '', '2026-01-01 10:00', "
            "'Stuck at 60%', 'other', 'poc', 'killed', '', '{}')"
        )
        for statement in (
            "UPDATE decisions_decision SET rationale = 'Rewritten' WHERE id = 1",
            "DELETE FROM decisions_decision WHERE id = 1",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="decisions are append-only"):
                conn.execute(statement)
        row = conn.execute("SELECT outcome, rationale FROM decisions_decision").fetchall()
    assert row == [("kill", "Stuck at 60%")]


@pytest.mark.django_db
def test_the_admin_shows_a_bad_check_next_to_the_criterion(client):
    admin = UserFactory(email="admin@firm.test", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:decisions_gatetemplate_add")
    data = {
        "key": "after-production",
        "name": "Retirement gate",
        "from_stage": "production",
        "to_stage": "killed",
        "description": "",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-order": "1",
        "criteria-0-key": "usage-dropped",
        "criteria-0-title": "Usage dropped",
        "criteria-0-kind": "automatic",
        "criteria-0-check_key": "usage_dropped",
        "criteria-0-description": "",
        "criteria-1-order": "2",
        "criteria-1-key": "owner-agrees",
        "criteria-1-title": "The owner agrees",
        "criteria-1-kind": "manual",
        "criteria-1-check_key": "charter_signed",
        "criteria-1-description": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the errors
    html = response.content.decode()
    assert "Choose one of the known checks: " in html and "metric_threshold_met" in html
    assert "A manual criterion has no automatic check." in html
    assert not GateTemplate.objects.filter(key="after-production").exists()
    data["criteria-0-check_key"] = "metric_threshold_met"
    data["criteria-1-check_key"] = ""
    assert client.post(url, data).status_code == 302
    assert CriterionTemplate.objects.filter(gate_template__key="after-production").count() == 2


class Reading:
    def __init__(self, value, days_ago):
        self.value = Decimal(value)
        self.measured_at = timezone.now() - timedelta(days=days_ago)


def test_the_chart_is_an_svg_image_with_threshold_deadline_and_words():
    today = timezone.localdate()
    kill = KillCondition(
        status="at_risk",
        metric_name="Routing accuracy",
        unit="%",
        direction="higher",
        threshold=Decimal("75"),
        baseline=Decimal("55"),
        target=Decimal("85"),
        deadline=today + timedelta(days=5),
        today=today,
    )
    svg = str(kill_condition_chart([Reading("61", 20), Reading("70.5", 3)], kill, chart_id="t"))
    assert svg.startswith('<svg class="kc-chart kc-at_risk"') and 'role="img"' in svg
    assert 'aria-labelledby="t-title t-desc"' in svg
    assert svg.count('<line class="threshold"') == 1 and svg.count('<line class="deadline"') == 1
    assert svg.count('<circle class="reading"') == 2
    assert (
        '<desc id="t-desc">2 readings of Routing accuracy; the latest is 70.5 on '
        f"{timezone.now() - timedelta(days=3):%-d %b %Y}; threshold 75; kill deadline "
        f"{kill.deadline:%-d %b %Y}. Status: At risk.</desc>"
    ) in svg
    # Nothing to draw without readings or a threshold.
    assert str(kill_condition_chart([], KillCondition(status="undefined", today=today))) == ""
