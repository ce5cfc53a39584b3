"""Projects at a gate in a given state, built through the charter and decision services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from decisions import services
from decisions.models import MarkState, MeasurementSource
from decisions.selectors import project_facts
from portfolio.models import Stage
from tests.charters.helpers import approved
from tests.factories import ProjectFactory


def proposed_project(org, pm, executive, **kwargs):
    return ProjectFactory(
        organisation=org, pm=pm, decision_maker=executive, business_owner=executive, **kwargs
    )


def in_poc(org, pm, executive, **kwargs):
    """A project whose charter is approved and whose charter gate was passed with a go."""
    project = proposed_project(org, pm, executive, **kwargs)
    version, who = approved(project)
    project.refresh_from_db()
    services.decision_record(project=project, outcome="go", by=executive)
    project.refresh_from_db()
    assert project.stage == Stage.POC
    return project, version, who


def graduation_ready(project, who, *, skip: tuple[str, ...] = ()):
    """Meet every graduation criterion except the keys in ``skip``."""
    pm = project.pm
    if "production-owner" not in skip:
        services.ownership_accept(
            project=project,
            by=who["production_owner"],
            accepts_run_cost=True,
            accepts_on_call=True,
            accepts_budget_line=True,
            budget_line="OPS-4711 Finance platform",
            team="Finance IT",
        )
    if "evaluation-harness" not in skip:
        services.measurement_record(
            project=project,
            kind="metric",
            value=Decimal("81"),
            by=pm,
            source=MeasurementSource.API,
            token_name="CI harness",
        )
    if "production-quality" not in skip:
        gate = project_facts(project).gate
        criterion = next(
            c.criterion for c in gate.criteria if c.criterion.key == "production-quality"
        )
        services.criterion_mark(
            criterion=criterion,
            state=MarkState.MET,
            by=pm,
            evidence_text="81% on 2,000 production invoices; failure modes in the wiki.",
            evidence_url="https://wiki.example.com/invoice-triage/failure-modes",
        )
    return project_facts(project)


def gate_id(project) -> int:
    """The id of the gate the project stands at now (what pages and the API send)."""
    from decisions.models import Gate
    from portfolio.models import Project

    stage = Project.objects.values_list("stage", flat=True).get(pk=project.pk)
    return Gate.objects.get(project_id=project.pk, from_stage=stage).pk


def registered_weeks_ago(project, weeks: int = 4) -> None:
    """Date the project's registration back, so readings measured hours ago are not "before
    the project began" when a test runs just after midnight."""
    from portfolio.models import Project

    Project.objects.filter(pk=project.pk).unaudited_update(
        created_at=timezone.now() - timedelta(weeks=weeks)
    )
    project.refresh_from_db(fields=["created_at"])


def days(n: int):
    return timezone.localdate() + timedelta(days=n)
