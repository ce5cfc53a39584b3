"""The benchmark cannot rot: build a small firm with bench/firm.py, the builder ``make bench``
uses, and request every URL it measures once through the Django test client (no gunicorn, no
wrk), with the benchmark's URLconf (its two baselines added to the app's URLs)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from bench.firm import firm_create, firm_grow, row_counts, targets
from decisions.models import Gate
from portfolio.models import Project, Stage


def resolves(path: str) -> bool:
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


@pytest.fixture
def firm(db, settings):
    settings.ROOT_URLCONF = "bench.urls"
    firm = firm_create(orgs=5, people=60)
    firm_grow(firm, 50)
    return firm


def test_the_builder_makes_a_consistent_history(firm):
    counts = row_counts()
    assert counts["portfolio.Project"] == 50
    for table in ("decisions.Decision", "decisions.Measurement", "charters.CharterVersion"):
        assert counts[table] > 0, table
    # The stored milestones follow the decisions, and a project in flight has its gate open.
    assert not Project.objects.filter(stage=Stage.KILLED, killed_at__isnull=True).exists()
    assert not Project.objects.filter(
        stage=Stage.PRODUCTION, production_reached_at__isnull=True
    ).exists()
    for project in Project.objects.filter(stage__in=[Stage.PROPOSED, Stage.POC, Stage.PILOT]):
        gate = Gate.objects.get(project=project, from_stage=project.stage)
        assert gate.decided_at is None, project


def test_every_benchmarked_url_answers(firm):
    client = Client()

    def fetch(path: str, headers: dict[str, str]):
        response = client.get(path, headers=headers, secure=True)
        assert response.status_code == 200, (path, response.status_code)
        return response.json()

    found = targets(firm, fetch)
    assert sum(t.baseline for t in found) == 2
    for t in found:
        if t.pending and not resolves(t.path):
            continue  # being built (the dashboard): make bench reports it as missing
        response = client.get(t.path, headers=dict(t.headers), secure=True)
        # 200, not just < 400: a redirect means the visitor is not logged in, or is sent
        # elsewhere (a partner's "/" is the dashboard), and the benchmark would time that.
        assert response.status_code == 200, (
            t.label,
            response.status_code,
            response.get("Location"),
        )
