"""Charters for the demo portfolio, in every state, consistent with each project's stage.

``extend(result)`` is called by ``manage.py load_demo`` with ``portfolio.demo.DemoResult``.
Everything is written through ``charters.services`` (so the rules hold and the audit is real),
then dated when the story says with the named hatches of ``portfolio.querysets``
(``unaudited_update``, ``backdate``); a project that already has a charter is left alone, so
running it again adds nothing.

- proposed, in turn (so a small portfolio still shows each): a draft; in review with some
  signatures; sent back with a change request (its comment, the signature given before it
  withdrawn); in review with a signature withdrawn by its signer; approved; no charter yet;
- poc, pilot, production, killed: approved before the PoC started, the compliance review
  recorded in week 1 (some late, some never: the risk flag); every third poc/pilot project
  has an approved amendment that lowered the threshold or moved the kill deadline
  ("goalposts moved"), and one amendment in four is still being drafted.
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
# What a project's name says it does, so that its metric, data and integration fit it ("Archive
# OCR" measures extraction, not first-contact resolution): (words in the name, metrics, sources,
# systems), each an index into the tuples above. The first kind whose word is in the name wins.
KINDS = (
    (
        ("ocr", "extraction", "invoice", "document", "contract", "customs", "parcel", "pallet",
         "translation", "alt-text", "classification", "reader"),
        (3, 5), (2,), (3, 1),
    ),
    (
        ("support", "ticket", "helpdesk", "call", "email", "chatbot", "contact", "routing",
         "payroll", "query", "onboarding", "quote"),
        (0, 4, 1), (0, 4), (0,),
    ),
    (
        ("forecast", "prediction", "predictive", "eta", "nowcasting", "scoring", "churn", "lead",
         "maintenance", "optimisation", "scheduling", "planning"),
        (2,), (3, 1), (2,),
    ),
)  # fmt: skip
# Anything else (anomalies, summaries, screening, search, drafting): fewer cases read by hand.
OTHER_KIND = ((5, 1), (1, 2, 0), (3, 2))


def _fitting(rng, name: str) -> tuple[tuple, tuple, tuple]:
    """The metric, data source and integration of a project called ``name``."""
    words = name.lower()
    metrics, sources, systems = next(
        (kind[1:] for kind in KINDS if any(w in words for w in kind[0])), OTHER_KIND
    )
    return (
        METRICS[_pick(rng, metrics)],
        SOURCES[_pick(rng, sources)],
        SYSTEMS[_pick(rng, systems)],
    )


PROPOSED_STATES = ("draft", "review", "changes", "withdrawn", "approved", "none", "draft", "review")
AMEND_EVERY = 3  # every third poc/pilot project has amended its approved charter
STILL_DRAFTING_EVERY = 4  # one amendment in four is still a draft
CHANGE_REQUESTS = (
    "The threshold is barely above the baseline; agree a bar that would change the business case.",
    "Name a production owner who has agreed to run it, not a placeholder.",
    "The data source is a hand-built sample. Use the production feed.",
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
    metric, (source, source_owner), (system, team) = _fitting(rng, project.name)
    name, unit, direction, baseline, target, threshold = metric
    everyone = roster["pm"] + roster["executive"] + roster["viewer"]
    executives = roster["executive"]
    people = {
        "pm": project.pm or roster["pm"][0],
        "business_owner": project.business_owner or _pick(rng, roster["executive"] + roster["pm"]),
        "production_owner": project.production_owner or _pick(rng, everyone),
        "engineering_owner": project.engineering_owner or _pick(rng, everyone),
        # DOMAIN.md: the decision-maker is an executive.
        "decision_maker": project.decision_maker
        if project.decision_maker in executives
        else _pick(rng, executives),
    }
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
        "data_classification": "confidential" if sensitive else "internal",
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
    """Date a version as its story says, never before its project was registered: a charter
    is written for a project that exists."""
    from .models import CharterVersion

    registered = version.charter.project.created_at
    created = max(created, registered)
    if submitted is not None:
        submitted = max(submitted, created)
    CharterVersion.objects.filter(pk=version.pk).unaudited_update(
        created_at=created, updated_at=submitted or created, submitted_at=submitted
    )


def _first_go(project) -> datetime | None:
    change = project.stage_changes.filter(to_stage="poc").order_by("changed_at").first()
    return change.changed_at if change else None


def _one(project, rng, roster, log, slot: int) -> str:
    """``slot``: the project's place among the demo's proposed (or poc/pilot) projects, which
    picks its state in turn — the same on every run."""
    from django.utils import timezone

    from portfolio.models import Project

    from . import services

    stage = project.stage
    if stage == "proposed":
        state = PROPOSED_STATES[slot % len(PROPOSED_STATES)]
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
            # Some signed, one still to sign.
            _sign_all(version, timezone.now() - timedelta(days=1), leave_out=1)
        elif state == "withdrawn":
            _withdrawn(version, rng)
        elif state == "changes":
            _changes_requested(version, rng)
        else:
            _sign_all(version, approved_at)
            _review_compliance(version, rng)
            if stage in ("poc", "pilot") and slot % AMEND_EVERY == 0:
                drafting = (slot // AMEND_EVERY) % STILL_DRAFTING_EVERY == STILL_DRAFTING_EVERY - 1
                state = _amend(charter, version, rng, by, approved_at, drafting=drafting)
    # The demo's activity dates tell a story (stalled projects); keep them.
    Project.objects.filter(pk=project.pk).unaudited_update(updated_at=updated_at)
    return state


def _signers(version) -> list:
    from . import selectors

    version = selectors.versions_full().get(pk=version.pk)
    return list(dict.fromkeys(selectors.required_signers(version).values()))


def _withdrawn(version, rng) -> None:
    """In review: one signer signed, then withdrew (their second thoughts are on record)."""
    from django.utils import timezone

    from . import services

    signers = _signers(version)
    if len(signers) < 2:  # one person holds every role: signing would approve it
        return
    services.charter_sign(version=version, by=signers[0], at=timezone.now() - timedelta(days=2))
    services.charter_withdraw_signature(version=version, by=signers[0])


def _changes_requested(version, rng) -> None:
    """Back to draft: a signer signed, another sent it back with a comment (which withdrew the
    signature already given)."""
    from django.utils import timezone

    from . import services

    signers = _signers(version)
    services.charter_sign(version=version, by=signers[0], at=timezone.now() - timedelta(days=2))
    services.charter_request_changes(
        version=version, by=signers[-1], comment=_pick(rng, CHANGE_REQUESTS)
    )


def _review_compliance(version, rng) -> None:
    """The compliance reviewer records their review: mostly in week 1, sometimes late,
    sometimes never (both show as the "compliance not reviewed in week 1" flag)."""
    from django.utils import timezone

    from portfolio.audit import Action
    from portfolio.models import AuditEvent
    from portfolio.querysets import backdate

    from . import services

    version.refresh_from_db()
    start = version.timebox_start
    if start is None or version.compliance_reviewer is None:
        return
    roll = rng.random()
    if roll < 0.15:
        return
    at = _aware(start + timedelta(days=rng.randint(1, 5) if roll < 0.85 else 16))
    if at > timezone.now():
        return
    services.charter_record_compliance_review(
        version=version,
        by=version.compliance_reviewer,
        note="Checked data access and residency.",
        at=at,
    )
    # Dated when the story says, like the rest of the demo's timeline.
    backdate(
        AuditEvent.objects.filter(
            action=Action.CHARTER_COMPLIANCE_REVIEWED, object_id=str(version.pk)
        ),
        at=at,
    )


def _amend(charter, approved, rng, by, approved_at, *, drafting: bool) -> str:
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
    if drafting:
        return "amending"
    version = services.charter_submit(version=version, by=by)
    later = min(approved_at + timedelta(days=rng.randint(10, 25)), timezone.now())
    _backdate(version, created=later - timedelta(days=3), submitted=later - timedelta(days=1))
    _sign_all(version, later)
    return "amended"


def _featured_pm_drafting(projects, *, rng) -> bool:
    """The PM a visitor logs in as has a charter of their own in progress: when the turn of
    states gave them none, their first PoC's approved charter is being amended (a lower bar
    being drafted, the goalposts about to move). True when one was started."""
    from portfolio.demo import DEMO_DOMAIN
    from portfolio.models import Project

    from .models import CharterVersion, Status

    pm = f"pm@{DEMO_DOMAIN}"
    mine = CharterVersion.objects.filter(
        charter__project__in=[p.pk for p in projects], charter__project__pm__email=pm
    )
    if mine.filter(status=Status.DRAFT).exists():
        return False
    approved = (
        mine.filter(status=Status.APPROVED, charter__project__stage="poc")
        .exclude(charter__versions__status=Status.IN_REVIEW)
        .select_related("charter__project__pm")
        .order_by("charter__project_id", "-number")
        .first()
    )
    if approved is None:
        return False
    project = approved.charter.project
    updated_at = project.updated_at
    _amend(approved.charter, approved, rng, project.pm, approved.approved_at, drafting=True)
    Project.objects.filter(pk=project.pk).unaudited_update(updated_at=updated_at)
    return True


def extend(result) -> dict[str, int]:
    """Add charters to the demo projects that have none. Returns how many per state."""
    from portfolio.models import Project

    from .models import Charter

    projects = [getattr(p, "project", p) for p in getattr(result, "projects", [])]
    stages = dict(
        Project.objects.filter(pk__in=[p.pk for p in projects]).values_list("pk", "stage")
    )
    roster_by_org = getattr(result, "roster", {})
    log = getattr(result, "log", lambda msg: None)
    have = set(
        Charter.objects.filter(project__in=[p.pk for p in projects]).values_list(
            "project_id", flat=True
        )
    )
    counts: dict[str, int] = {}
    slots = {"proposed": 0, "active": 0}
    for project in projects:
        kind = {"proposed": "proposed", "poc": "active", "pilot": "active"}.get(
            stages.get(project.pk), ""
        )
        slot = slots.get(kind, 0)
        if kind:
            slots[kind] += 1
        if project.pk in have:
            continue
        roster = roster_by_org.get(project.organisation.slug)
        if not roster or not roster.get("pm") or not roster.get("executive"):
            continue
        rng = result.rng(f"charters:{project.organisation.slug}:{project.slug}")
        project.refresh_from_db()
        if project.pm is None:
            continue
        state = _one(project, rng, roster, log, slot)
        if state != "none":
            counts[state] = counts.get(state, 0) + 1
    if _featured_pm_drafting(projects, rng=result.rng("charters:featured-pm")):
        counts["amending"] = counts.get("amending", 0) + 1
    log(
        "Demo charters: "
        + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing new")
        + "."
    )
    return counts
