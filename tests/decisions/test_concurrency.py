"""Races between a criterion mark and the decision closing its gate, on real PostgreSQL with two
connections (transactional: each side commits for real)."""

from __future__ import annotations

import threading

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from decisions import services
from decisions.models import CriterionMark, GateCriterion
from portfolio.models import Project
from tests.decisions.helpers import in_poc


def test_a_mark_waits_for_a_decision_in_flight_and_then_finds_the_gate_closed(
    transactional_db, org, pm, executive
):
    assert connection.vendor == "postgresql"
    project, _, _ = in_poc(org, pm, executive)
    criterion = GateCriterion.objects.get(
        gate__project=project, gate__from_stage="poc", key="production-quality"
    )
    outcome: dict[str, object] = {}

    def mark():
        try:
            services.criterion_mark(
                criterion=criterion, state="met", by=pm, evidence_text="82% on production data"
            )
            outcome["result"] = "marked"
        except ValidationError as exc:
            outcome["result"] = exc.message_dict
        finally:
            from django.db import connection as own

            own.close()

    with transaction.atomic():
        # The decision-maker's request holds the project (as decision_record does)...
        Project.objects.select_for_update().get(pk=project.pk)
        marker = threading.Thread(target=mark)
        marker.start()
        marker.join(timeout=1.5)
        # ...so the mark cannot slip in before the gate closes: it waits.
        assert marker.is_alive(), f"the mark did not wait for the lock: {outcome}"
        services.decision_record(
            project=project,
            outcome="kill",
            by=executive,
            reason_category="metric_not_reached",
            rationale="Stuck at 60%.",
        )
    marker.join(timeout=10)
    assert not marker.is_alive()
    assert outcome["result"] == {
        "state": ["This gate has been decided; its criteria can no longer change."]
    }
    assert not CriterionMark.objects.filter(criterion=criterion).exists()
