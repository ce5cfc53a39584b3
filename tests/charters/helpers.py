"""Charters in a given state, for tests. ``complete_sections`` is what a PM would type."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from charters import services
from charters.models import Charter, CharterVersion, DataSource, Integration, Status
from tests.factories import member


def people(project) -> dict:
    """The named people of a charter: the project's PM and executive, plus a production owner
    and a compliance reviewer who are members of the organisation."""
    org = project.organisation
    return {
        "pm": project.pm,
        "business_owner": project.business_owner,
        "decision_maker": project.decision_maker,
        "production_owner": member(org, "viewer", full_name="Paolo Production"),
        "engineering_owner": member(org, "viewer", full_name="Enya Engineer"),
        "compliance_reviewer": member(org, "viewer", full_name="Cora Compliance"),
        "executive_sponsor": project.decision_maker,
    }


def complete_sections(who: dict, start=None) -> dict[str, dict]:
    start = start or timezone.localdate()
    return {
        "problem": {
            "problem": "Invoices wait three days for manual triage.",
            "hypothesis": "An LLM can route 80% of invoices correctly.",
            "business_value": "Two FTE freed; invoices paid on time.",
        },
        "metric": {
            "metric_name": "Routing accuracy",
            "metric_unit": "%",
            "metric_direction": "higher",
            "metric_baseline": Decimal("55"),
            "metric_target": Decimal("85"),
            "metric_method": "Weekly sample of 200 invoices checked by AP clerks.",
        },
        "threshold": {"threshold": Decimal("75")},
        "kill": {"kill_deadline": start + timedelta(weeks=5)},
        "targets": {"latency_p95_ms": 2000, "cost_per_call": Decimal("0.08"), "currency": "EUR"},
        "compliance": {
            "compliance_reviewer": who["compliance_reviewer"],
            "data_classification": "internal",
            "compliance_review_due": start + timedelta(days=5),
        },
        "evaluation": {
            "eval_set_size": 500,
            "eval_set_source": "Last quarter's invoices, labelled by AP",
            "eval_baseline_score": Decimal("0.55"),
            "harness_location": "https://git.example.com/ap/eval",
        },
        "production": {
            "change_management": "AP team trained in week 6.",
            "operations_plan": "Platform team on call; rollback to manual queue.",
            "ops_budget": Decimal("40000"),
            "executive_sponsor": who["executive_sponsor"],
        },
        "cost": {
            "cost_monthly_1x": Decimal("800"),
            "cost_monthly_5x": Decimal("3500"),
            "cost_monthly_20x": Decimal("12000"),
            "cost_driver": "LLM tokens",
        },
        "owners": {
            k: who[k]
            for k in ("business_owner", "production_owner", "engineering_owner", "decision_maker")
        }
        | {"pm": who["pm"]},
        "timebox": {
            "timebox_start": start,
            "timebox_end": start + timedelta(weeks=6),
            "decision_date": start + timedelta(weeks=6, days=3),
        },
    }


DATA_SOURCE = {
    "name": "SAP invoices",
    "owner_name": "Finance IT",
    "from_production": True,
    "sensitivity": "internal",
    "residency": "EU only",
}
INTEGRATION = {
    "system": "AP workflow",
    "direction": "write",
    "owning_team": "Finance IT",
    "estimate_weeks": Decimal("3"),
}


def fill(version, who, *, by, sensitive=False, start=None) -> CharterVersion:
    """Fill every section of a draft through the service (the timebox from ``start``, today
    by default)."""
    for key, data in complete_sections(who, start).items():
        version = services.charter_save_section(version=version, section=key, data=data, by=by)
    services.charter_add_row(
        version=version,
        kind="data_sources",
        data={**DATA_SOURCE, "sensitivity": "restricted" if sensitive else "internal"},
        by=by,
    )
    services.charter_add_row(version=version, kind="integrations", data=INTEGRATION, by=by)
    return version


def draft(project, by=None) -> CharterVersion:
    charter = services.charter_start(project=project, by=by or project.pm)
    return charter.versions.get()


def complete_draft(project, *, sensitive=False, start=None) -> tuple[CharterVersion, dict]:
    who = people(project)
    version = fill(draft(project), who, by=project.pm, sensitive=sensitive, start=start)
    return version, who


def in_review(project, *, sensitive=False, start=None) -> tuple[CharterVersion, dict]:
    version, who = complete_draft(project, sensitive=sensitive, start=start)
    return services.charter_submit(version=version, by=project.pm), who


def approved(project) -> tuple[CharterVersion, dict]:
    version, who = in_review(project)
    for role in ("business_owner", "production_owner", "decision_maker"):
        version.refresh_from_db()
        if version.status == Status.IN_REVIEW:
            services.charter_sign(version=version, by=who[role])
    version.refresh_from_db()
    assert version.status == Status.APPROVED
    return version, who


def quick_version(project, status=Status.IN_REVIEW, **fields) -> CharterVersion:
    """A version written straight to the database (for query-count and list tests)."""
    charter, _ = Charter.objects.get_or_create(project=project)
    version = CharterVersion.objects.create(
        charter=charter,
        number=charter.versions.count() + 1,
        status=status,
        submitted_at=timezone.now(),
        **fields,
    )
    DataSource.objects.create(version=version, name="CRM", sensitivity="internal")
    Integration.objects.create(version=version, system="ERP")
    return version


def amend_and_approve(project, who, **changes) -> CharterVersion:
    """Amend the approved charter with ``changes`` ({section: {field: value}}), submit it and
    have every required signer sign it, through the services."""
    version = services.charter_amend(charter=Charter.objects.get(project=project), by=project.pm)
    for section, data in changes.items():
        version = services.charter_save_section(
            version=version, section=section, data=data, by=project.pm
        )
    version = services.charter_submit(version=version, by=project.pm)
    for role in ("business_owner", "production_owner", "decision_maker"):
        version.refresh_from_db()
        if version.status == Status.IN_REVIEW and who.get(role) is not None:
            services.charter_sign(version=version, by=who[role])
    version.refresh_from_db()
    return version
