"""The three default gates of DOMAIN.md "The lifecycle".

Seeded by migration 0002 and again after a database flush (``post_migrate``, as Django does for
permissions) when no gate template exists at all. Admins edit them afterwards; an opened gate
keeps its own copy of the criteria.
"""

GATES = [
    {
        "key": "charter",
        "name": "Charter gate",
        "from_stage": "proposed",
        "to_stage": "poc",
        "description": "The PoC may start when its charter is complete and signed.",
        "criteria": [
            (
                "charter-complete",
                "The charter is complete",
                "automatic",
                "charter_complete",
                "Every section of the charter is filled in and passes its rules.",
            ),
            (
                "charter-signed",
                "Signed by every required signer",
                "automatic",
                "charter_signed",
                "Business owner, production owner, decision-maker (and the compliance reviewer "
                "when data is sensitive) have signed; the charter is approved.",
            ),
        ],
    },
    {
        "key": "graduation",
        "name": "Graduation gate",
        "from_stage": "poc",
        "to_stage": "pilot",
        "description": "All six graduation criteria are met — not five, six.",
        "criteria": [
            (
                "production-quality",
                "Measured quality on representative production data",
                "manual",
                "",
                "Quality measured on representative production data (not the curated PoC set), "
                "target met, failure modes documented. Evidence: a measurement, a report link, "
                "or the failure-mode write-up.",
            ),
            (
                "cost-model",
                "Production cost model with sensitivity",
                "automatic",
                "cost_model",
                "Cost at 1×, 5× and 20× the PoC scale, and which cost dominates as scale grows.",
            ),
            (
                "production-owner",
                "A named production owner",
                "automatic",
                "production_owner_accepted",
                "One person, in one team, with a budget line for operations — who has accepted "
                "ownership in Gatehouse.",
            ),
            (
                "integration",
                "Integration architecture scoped",
                "automatic",
                "integration_scoped",
                "The production diagram, each integration owned by the team responsible, with "
                "estimates.",
            ),
            (
                "evaluation-harness",
                "An evaluation harness",
                "automatic",
                "evaluation_harness",
                "Repeatable, runs against any model version on the standard dataset, gives a "
                "comparable score — and reports it to Gatehouse through the API.",
            ),
            (
                "decision-maker",
                "The go/no-go by the named decision-maker",
                "automatic",
                "decision_maker_named",
                "Made by the named decision-maker, who has authority to commit the production "
                "budget.",
            ),
        ],
    },
    {
        "key": "production",
        "name": "Production gate",
        "from_stage": "pilot",
        "to_stage": "production",
        "description": "The pilot proved itself on real traffic and someone runs it.",
        "criteria": [
            (
                "latency-target",
                "Latency target met on real traffic",
                "automatic",
                "latency_target_met",
                "The latest p95 latency reading is within the charter target.",
            ),
            (
                "cost-target",
                "Cost target met on real traffic",
                "automatic",
                "cost_target_met",
                "The latest cost-per-call reading is within the charter target.",
            ),
            (
                "monitoring-oncall",
                "Monitoring, on-call and rollback plan exist",
                "manual",
                "",
                "Link the dashboards, the on-call rota and the rollback runbook.",
            ),
            (
                "adoption",
                "Real users adopted it",
                "manual",
                "",
                "Evidence of real use: active users, share of traffic, feedback.",
            ),
            (
                "ops-budget",
                "The ops budget line is named",
                "automatic",
                "ops_budget_named",
                "The charter's operations budget and the budget line the production owner accepted.",
            ),
        ],
    },
]


def seed(GateTemplate, CriterionTemplate) -> None:  # noqa: N803 - model classes
    for g in GATES:
        template, _ = GateTemplate.objects.get_or_create(
            key=g["key"],
            defaults={k: g[k] for k in ("name", "from_stage", "to_stage", "description")},
        )
        for order, (key, title, kind, check, description) in enumerate(g["criteria"], start=1):
            CriterionTemplate.objects.get_or_create(
                gate_template=template,
                key=key,
                defaults={
                    "order": order,
                    "title": title,
                    "kind": kind,
                    "check_key": check,
                    "description": description,
                },
            )


def seed_if_empty(sender=None, using="default", **kwargs) -> None:
    from .models import CriterionTemplate, GateTemplate

    if not GateTemplate.objects.using(using).exists():
        seed(GateTemplate, CriterionTemplate)
