"""Charters for the demo portfolio, in every state, consistent with each project's stage.

``extend(result)`` is called by ``manage.py load_demo`` with ``portfolio.demo.DemoResult``.
Everything is written through ``charters.services`` (so the rules hold and the audit is real);
a project that already has a charter is left alone, so running it again adds nothing.

- proposed: no charter yet, a draft, a charter in review with some signatures, or approved;
- poc, pilot, production, killed: approved before the PoC started; some poc/pilot projects
  have an approved amendment that lowered the threshold or moved the kill deadline
  ("goalposts moved"), and a few have an amendment being drafted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

METRICS = (
    ("Routing accuracy", "%", "higher", "58", "88", "78"),
    ("Average handling time", "minutes", "lower", "14", "6", "9"),
    ("Forecast error (MAPE)", "%", "lower", "21", "10", "14"),
    ("Extraction F1", "score", "higher", "0.71", "0.92", "0.85"),
    ("First-contact resolution", "%", "higher", "41", "65", "55"),
    ("Manual review rate", "%", "lower", "100", "35", "50"),
)
SOURCES = (
    ("CRM cases", "Customer Service IT"),
    ("ERP transactions", "Finance IT"),
    ("Document archive", "Records management"),
    ("Telemetry stream", "Platform team"),
    ("Contact-centre transcripts", "Contact centre ops"),
)
SYSTEMS = (
    ("Ticketing (ServiceNow)", "IT service management"),
    ("ERP (SAP S/4)", "Finance IT"),
    ("Data warehouse", "Data platform"),
    ("Case management", "Operations engineering"),
)
PROBLEMS = (
    "Work waits days in a manual queue and is handled inconsistently.",
    "Experts spend most of their time on routine cases that follow a pattern.",
    "Decisions are made on stale information because reading it takes too long.",
)


def _aware(day: date, hour: int = 10) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(hour)))


def _pick(rng, items):
    return items[rng.randrange(len(items))]


def _content(project, rng, roster, *, sensitive: bool, gaps: bool) -> dict[str, Any]:
    """Everything a complete charter says, made up but consistent with the project."""
    today = date.today()
    start = project.timebox_start or today + timedelta(days=rng.randint(3, 20))
    end = project.timebox_end or start + timedelta(weeks=rng.choice((6, 6, 8)))
    if end <= start:
        end = start + timedelta(days=1)
    deadline = start + (end - start) * 4 // 5
    decision = max(project.decision_date or end, deadline, start)
    name, unit, direction, baseline, target, threshold = _pick(rng, METRICS)
    everyone = roster["pm"] + roster["executive"] + roster["viewer"]
    people = {
        "pm": project.pm or roster["pm"][0],
        "business_owner": project.business_owner or _pick(rng, roster["executive"] + roster["pm"]),
        "production_owner": project.production_owner or _pick(rng, everyone),
        "engineering_owner": project.engineering_owner or _pick(rng, everyone),
        "decision_maker": project.decision_maker or _pick(rng, roster["executive"]),
    }
    source, source_owner = _pick(rng, SOURCES)
    system, team = _pick(rng, SYSTEMS)
    base_cost = Decimal(rng.choice((400, 900, 1500, 3200)))
    return {
        "problem": _pick(rng, PROBLEMS),
        "hypothesis": f"{project.summary or project.name} — measured as {name.lower()}.",
        "business_value": "Fewer manual hours, faster turnaround.",
        "metric_name": name,
        "metric_unit": unit,
        "metric_direction": direction,
        "metric_baseline": Decimal(baseline),
        "metric_target": Decimal(target),
        "metric_method": "Weekly sample from production, labelled by the business team.",
        "threshold": Decimal(threshold),
        "kill_deadline": deadline,
        "latency_p95_ms": rng.choice((800, 1500, 2000, 3000)),
        "cost_per_call": Decimal(rng.choice(("0.02", "0.05", "0.10"))),
        "currency": "EUR",
        "compliance_reviewer": _pick(rng, everyone),
        "data_classification": "Confidential" if sensitive else "Internal",
        "compliance_review_due": start
        + timedelta(days=rng.choice((5, 7)) if not gaps or rng.random() < 0.6 else 21),
        "eval_set_size": rng.choice((300, 500, 1200)),
        "eval_set_source": f"{source}, last quarter, labelled",
        "eval_baseline_score": Decimal(baseline),
        "harness_location": f"https://git.example.com/ai/{project.slug}/eval",
        "change_management": "Users trained in the last two weeks; champions per team.",
        "operations_plan": "Platform team on call; rollback to the manual process.",
        "ops_budget": base_cost * 12,
        "executive_sponsor": people["decision_maker"],
        "cost_monthly_1x": base_cost,
        "cost_monthly_5x": base_cost * 4,
        "cost_monthly_20x": base_cost * 14,
        "cost_driver": rng.choice(("LLM tokens", "GPU hours", "Human review")),
        **people,
        "timebox_start": start,
        "timebox_end": end,
        "decision_date": decision,
        "data_sources": [
            {
                "name": source,
                "owner_name": source_owner,
                "from_production": not (gaps and rng.random() < 0.35),
                "sensitivity": "confidential" if sensitive else "internal",
                "residency": "EU only" if rng.random() < 0.5 else "",
            }
        ],
        "integrations": [
            {
                "system": system,
                "direction": rng.choice(("read", "write")),
                "owning_team": team,
                "estimate_weeks": Decimal(rng.choice((2, 3, 5))),
            }
        ],
    }


def _sign_all(version, at: datetime, *, leave_out: int = 0) -> None:
    from . import selectors, services

    version = selectors.versions_full().get(pk=version.pk)
    signers = list(dict.fromkeys(selectors.required_signers(version).values()))
    for person in signers[: len(signers) - leave_out]:
        services.charter_sign(version=version, by=person, at=at)


def _backdate(version, *, created: datetime, submitted: datetime | None) -> None:
    from .models import CharterVersion

    CharterVersion.objects.filter(pk=version.pk).unaudited_update(
        created_at=created, updated_at=submitted or created, submitted_at=submitted
    )


def _first_go(project) -> datetime | None:
    change = project.stage_changes.filter(to_stage="poc").order_by("changed_at").first()
    return change.changed_at if change else None


def _one(project, rng, roster, log) -> str:
    from django.utils import timezone

    from portfolio.models import Project

    from . import services

    stage = project.stage
    if stage == "proposed":
        state = rng.choices(("none", "draft", "review", "approved"), (20, 35, 30, 15))[0]
    else:
        state = "approved"
    if state == "none":
        return state
    updated_at = project.updated_at
    by = project.pm
    data = _content(project, rng, roster, sensitive=rng.random() < 0.3, gaps=rng.random() < 0.5)
    charter = services.charter_start(project=project, by=by)
    version = charter.versions.get()
    if state == "draft":
        # Half-written: the first sections only.
        keep = list(data)[: rng.randint(8, 30)]
        partial = {k: data[k] for k in keep if k not in ("data_sources", "integrations")}
        services.charter_save_sections(version=version, data=partial, by=by)
    else:
        services.charter_save_sections(version=version, data=data, by=by)
        version = services.charter_submit(version=version, by=by)
        go = _first_go(project)
        approved_at = (go - timedelta(days=2)) if go else timezone.now() - timedelta(days=1)
        submitted_at = approved_at - timedelta(days=rng.randint(2, 9))
        _backdate(version, created=submitted_at - timedelta(days=5), submitted=submitted_at)
        if state == "review":
            _sign_all(version, timezone.now() - timedelta(days=1), leave_out=rng.randint(1, 2))
        else:
            _sign_all(version, approved_at)
            if stage in ("poc", "pilot") and rng.random() < 0.35:
                state = _amend(charter, version, rng, by, approved_at)
    # The demo's activity dates tell a story (stalled projects); keep them.
    Project.objects.filter(pk=project.pk).unaudited_update(updated_at=updated_at)
    return state


def _amend(charter, approved, rng, by, approved_at) -> str:
    from django.utils import timezone

    from . import services

    version = services.charter_amend(charter=charter, by=by)
    step = (approved.metric_target - approved.metric_baseline) / 5
    if rng.random() < 0.6:
        # The classic: the bar is lowered when the numbers disappoint.
        # Lower is better: step is negative, so the threshold goes up. Either way: easier.
        change = {"threshold": approved.threshold - step}
    else:
        change = {
            "kill_deadline": min(
                approved.kill_deadline + timedelta(days=7),
                approved.decision_date,
                approved.timebox_end,
            )
        }
    services.charter_save_sections(version=version, data=change, by=by)
    if rng.random() < 0.25:
        return "amending"
    version = services.charter_submit(version=version, by=by)
    later = min(approved_at + timedelta(days=rng.randint(10, 25)), timezone.now())
    _backdate(version, created=later - timedelta(days=3), submitted=later - timedelta(days=1))
    _sign_all(version, later)
    return "amended"


def extend(result) -> dict[str, int]:
    """Add charters to the demo projects that have none. Returns how many per state."""
    from .models import Charter

    projects = [getattr(p, "project", p) for p in getattr(result, "projects", [])]
    roster_by_org = getattr(result, "roster", {})
    log = getattr(result, "log", lambda msg: None)
    have = set(
        Charter.objects.filter(project__in=[p.pk for p in projects]).values_list(
            "project_id", flat=True
        )
    )
    counts: dict[str, int] = {}
    for project in projects:
        if project.pk in have:
            continue
        roster = roster_by_org.get(project.organisation.slug)
        if not roster or not roster.get("pm") or not roster.get("executive"):
            continue
        rng = result.rng(f"charters:{project.organisation.slug}:{project.slug}")
        project.refresh_from_db()
        if project.pm is None:
            continue
        state = _one(project, rng, roster, log)
        if state != "none":
            counts[state] = counts.get(state, 0) + 1
    log(
        "Demo charters: "
        + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing new")
        + "."
    )
    return counts
