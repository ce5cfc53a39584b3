"""Decisions are append-only in the DATABASE: each route below gets past the polite refusal in
the model and queryset, and the database trigger still refuses. Runs on real PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, models, transaction

from decisions import services
from decisions.models import Decision, DecisionImmutable
from tests.decisions.helpers import proposed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(org, pm, executive):
    project = proposed_project(org, pm, executive)
    return services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="metric_not_reached",
        rationale="Accuracy stuck at 60%.",
    )


def _unchanged(decision):
    row = Decision.objects.get(pk=decision.pk)
    assert (row.outcome, row.rationale) == ("kill", "Accuracy stuck at 60%.")


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_the_application_refuses_politely(decision):
    decision.rationale = "Rewritten"
    with pytest.raises(DecisionImmutable):
        decision.save()
    with pytest.raises(DecisionImmutable):
        decision.delete()
    with pytest.raises(DecisionImmutable):
        Decision.objects.filter(pk=decision.pk).update(rationale="Rewritten")
    with pytest.raises(DecisionImmutable):
        Decision.objects.filter(pk=decision.pk).delete()
    with pytest.raises(DecisionImmutable):
        Decision.objects.bulk_update([decision], ["rationale"])
    _unchanged(decision)


# Each attempt bypasses the model's and queryset's own refusal and reaches the database.
ATTEMPTS = {
    "orm save after change": lambda d: (
        setattr(d, "rationale", "Rewritten"),
        models.Model.save(d),
    ),
    "orm save update_fields": lambda d: (
        setattr(d, "outcome", "go"),
        models.Model.save(d, update_fields=["outcome"]),
    ),
    "orm delete": lambda d: models.Model.delete(d),
    "queryset.update": lambda d: _plain().filter(pk=d.pk).update(rationale="Rewritten"),
    "queryset.delete": lambda d: _plain().filter(pk=d.pk).delete(),
    "bulk_update": lambda d: (
        setattr(d, "rationale", "Rewritten"),
        _plain().bulk_update([d], ["rationale"]),
    ),
    "queryset._raw_delete": lambda d: Decision.objects.filter(pk=d.pk)._raw_delete("default"),
    "raw UPDATE": lambda d: connection.cursor().execute(
        "UPDATE decisions_decision SET rationale = 'Rewritten' WHERE id = %s", [d.pk]
    ),
    "raw DELETE": lambda d: connection.cursor().execute(
        "DELETE FROM decisions_decision WHERE id = %s", [d.pk]
    ),
}


def _plain():
    """Django's own QuerySet on decisions, without our polite refusals."""
    return models.QuerySet(model=Decision)


@pytest.mark.parametrize("route", list(ATTEMPTS), ids=list(ATTEMPTS))
def test_the_database_refuses(decision, route):
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        ATTEMPTS[route](decision)
    assert "append-only" in str(exc.value)
    _unchanged(decision)
    assert Decision.objects.count() == 1


def test_inserting_a_new_decision_still_works(decision, executive):
    # Append-only, not read-only: superseding adds a row.
    other = proposed_project(decision.project.organisation, decision.project.pm, executive)
    services.decision_record(
        project=other, outcome="kill", by=executive, reason_category="other", rationale="x"
    )
    assert Decision.objects.count() == 2


@pytest.mark.parametrize(
    "sql", ["TRUNCATE decisions_decision", "TRUNCATE decisions_decision CASCADE"]
)
def test_the_database_refuses_truncate_of_committed_decisions(
    transactional_db, org, pm, executive, sql
):
    project = proposed_project(org, pm, executive)
    services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="metric_not_reached",
        rationale="Accuracy stuck at 60%.",
    )
    with pytest.raises(DatabaseError) as exc, connection.cursor() as cursor:
        cursor.execute(sql)
    assert "append-only" in str(exc.value)
    assert Decision.objects.count() == 1
