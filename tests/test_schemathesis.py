"""Schemathesis over every operation of the published schema (/api/schema/), as a PM and as a
partner, against the application on the real PostgreSQL with a small, realistic portfolio: two
organisations, projects at every step (a bare draft charter, a complete draft, one in review,
one in PoC ready to graduate, one killed) with their gates, criteria, measurements, decisions
and notifications. Generated ids are mostly turned into ids of those objects, so operations
reach real rows (of the caller's organisation and of the other).

Checks: every answer must be no server error and conform to the schema — status code, content
type, headers and body (not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance) — plus schemathesis' other default
checks (ignored_auth, object_level_authorization, unsupported_method, allow_header_conformance,
missing_required_header, use_after_free, ensure_resource_availability). Two are switched off, on
purpose:

- positive_data_acceptance: it expects a 2xx for any request the schema allows, but a body or a
  filter can be well-formed and still name something that does not exist or break a rule
  (``organisation=0``, a go with unmet criteria): a 400 with a reason is the right answer.
- negative_data_rejection: it expects a 4xx for any request the schema does not allow, but the
  API tolerates some on purpose: unknown query parameters and an out-of-range ``page_size`` are
  ignored (DRF's behaviour), a blank choice may still be sent as "" (documented as null).

Bounded for ``make test`` (deterministic, derandomized): a few examples per operation; the
coverage phase (boundary values) for the PM only, and not for PUT/PATCH, whose bodies have
dozens of fields. Each example runs in a savepoint rolled back, so each starts from the same
portfolio. Throttling is off here (tests.schema_support.wsgi_calls); a documented 429 would
pass anyway.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings

from charters.models import Charter, CharterVersion
from decisions import services as decision_services
from decisions.models import Decision, Gate, GateCriterion, Measurement, Reminder, ReminderKind
from portfolio.models import Membership, Organisation, Project, TokenScope, User
from portfolio.services import token_create
from tests.charters.helpers import complete_draft, draft, in_review
from tests.decisions.helpers import graduation_ready, in_poc, proposed_project, registered_weeks_ago
from tests.factories import OrganisationFactory, UserFactory, member
from tests.schema_support import bearer, load_schema, wsgi_calls  # noqa: F401 (a fixture)

pytestmark = pytest.mark.schemathesis

CHECKS_OFF = {
    "positive_data_acceptance": {"enabled": False},
    "negative_data_rejection": {"enabled": False},
}
NO_COVERAGE = {"coverage": {"enabled": False}}
PM_SCHEMA = load_schema(
    schemathesis.Config.from_dict(
        {
            "checks": CHECKS_OFF,
            "operations": [{"include-method": ["PUT", "PATCH"], "phases": NO_COVERAGE}],
        }
    )
)
PARTNER_SCHEMA = load_schema(
    schemathesis.Config.from_dict({"checks": CHECKS_OFF, "phases": NO_COVERAGE})
)
BOUNDED = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

# Which kind of object an id names, by the path segment after /api/v1/ or the field's name.
RESOURCE_OF_FIELD = {
    "project": "projects",
    "project_pk": "projects",
    "gate": "gates",
    "organisation": "organisations",
    "supersedes": "decisions",
    "evidence_measurement": "measurements",
    **dict.fromkeys(
        (
            "pm",
            "owner",
            "business_owner",
            "production_owner",
            "engineering_owner",
            "decision_maker",
            "compliance_reviewer",
            "executive_sponsor",
        ),
        "users",
    ),
}


def real_id(value, ids: list[int]):
    """Most generated whole numbers become the id of a real object (of either organisation), so
    operations reach real rows; every fourth stays as generated (most likely nothing)."""
    if isinstance(value, bool) or not isinstance(value, int) or not ids or value % 4 == 3:
        return value
    return ids[value % len(ids)]


def aim_at_real_objects(case, ids: dict[str, list[int]]) -> None:
    resource = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    for name, value in (case.path_parameters or {}).items():
        kind = "projects" if name == "project_pk" else resource
        case.path_parameters[name] = real_id(value, ids.get(kind, []))
    for container in (case.query, case.body):
        if isinstance(container, dict):
            for name, value in container.items():
                if name in RESOURCE_OF_FIELD:
                    container[name] = real_id(value, ids[RESOURCE_OF_FIELD[name]])


@pytest.fixture(scope="module")
def portfolio(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        org = OrganisationFactory(name="Acme Logistics", slug="acme-logistics")
        other_org = OrganisationFactory(name="Globex Retail", slug="globex-retail")
        pm = member(org, "pm", email="pm@acme.test", full_name="Pat Manager")
        executive = member(org, "executive", email="exec@acme.test", full_name="Erin Executive")
        outsider = member(other_org, "pm", email="pm@globex.test", full_name="Olga Outsider")
        other_exec = member(other_org, "executive", full_name="Gus Globex")
        partner = UserFactory(email="partner@firm.test", full_name="Paula Partner", is_partner=True)
        proposed = proposed_project(org, pm, executive, name="Invoice triage")
        draft(proposed)
        reviewing = proposed_project(org, pm, executive, name="Contract clauses")
        in_review(reviewing)
        drafting = proposed_project(org, pm, executive, name="Ticket routing")
        complete_draft(drafting)
        poc, _version, who = in_poc(org, pm, executive, name="Demand forecast")
        registered_weeks_ago(poc)
        graduation_ready(poc, who)
        killed, _v, _w = in_poc(org, pm, executive, name="Route planner")
        decision_services.decision_record(
            project=killed,
            outcome="kill",
            by=executive,
            reason_category="metric_not_reached",
            rationale="Accuracy stayed at 60%.",
        )
        foreign, _v, _w = in_poc(other_org, outsider, other_exec, name="Globex pricing bot")
        for project in (poc, proposed):
            Reminder.objects.create(
                recipient=pm,
                project=project,
                kind=ReminderKind.DUE_SOON,
                due_date=timezone.localdate() + timedelta(days=7),
                subject=f"“{project.name}”: the graduation gate is due within a week",
                body=f"A decision on {project.name} is due.",
                url=f"/projects/{project.pk}/#gate",
            )
        tokens = {
            "pm": token_create(user=pm, name="CI", scope=TokenScope.WRITE)[1],
            "partner": token_create(user=partner, name="BI", scope=TokenScope.WRITE)[1],
        }
        ids = {
            "projects": list(Project.objects.values_list("pk", flat=True)),
            "charters": list(Charter.objects.values_list("pk", flat=True)),
            "charter-versions": list(CharterVersion.objects.values_list("pk", flat=True)),
            "gates": list(Gate.objects.values_list("pk", flat=True)),
            "criteria": list(GateCriterion.objects.values_list("pk", flat=True)),
            "measurements": list(Measurement.objects.values_list("pk", flat=True)),
            "decisions": list(Decision.objects.values_list("pk", flat=True)),
            "notifications": list(Reminder.objects.values_list("pk", flat=True)),
            "organisations": list(Organisation.objects.values_list("pk", flat=True)),
            "memberships": list(Membership.objects.values_list("pk", flat=True)),
            "users": list(User.objects.values_list("pk", flat=True)),
        }
        yield {"tokens": tokens, "ids": ids}
        transaction.set_rollback(True)


def run(case, token: str, ids: dict[str, list[int]]) -> None:
    aim_at_real_objects(case, ids)
    # Each example in a savepoint rolled back: every one starts from the same portfolio.
    with transaction.atomic():
        case.call_and_validate(headers=bearer(token))
        transaction.set_rollback(True)


@pytest.mark.usefixtures("wsgi_calls")
@PM_SCHEMA.parametrize()
@BOUNDED
def test_every_operation_as_a_pm(case, portfolio, db):
    """A PM of one organisation, with a read-write token: reads and writes their own
    organisation's objects, gets 404 for the other's."""
    run(case, portfolio["tokens"]["pm"], portfolio["ids"])


@pytest.mark.usefixtures("wsgi_calls")
@PARTNER_SCHEMA.parametrize()
@BOUNDED
def test_every_operation_as_a_partner(case, portfolio, db):
    """A partner, with a read-write token: reads every organisation, and every write is
    refused by their role (403), not by the token."""
    run(case, portfolio["tokens"]["partner"], portfolio["ids"])
