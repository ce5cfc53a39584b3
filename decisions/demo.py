"""Demo data for gates and decisions, on top of ``portfolio.demo`` and ``charters.demo``.

``extend(result)`` is idempotent: it only adds what a project does not have yet.

The story is history, not acts: the services record what a person does now, at the project's
current gate (``decision_record`` also moves the stage, which ``portfolio.demo`` has already
replayed). So the decisions, readings, acceptances and marks of the story are written with
``portfolio.querysets.write_history`` and dated with ``backdate`` / ``unaudited_update`` — the
named hatches; nothing here saves or updates a row any other way.

- Every stage change of the demo history gets the decision that made it (go, or kill with the
  planned reason), by the person who changed the stage, at that time.
- Every active project has its current gate open; PoCs and pilots with an approved charter get
  readings of their success metric (some on track, some at risk, some triggered, some met),
  pilots get latency and cost readings, and graduation criteria are partly met.
- The featured executive (exec@gatehouse.demo) decides a PoC whose six graduation criteria are
  all met — a go can be recorded live — and another with an unmet criterion.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

FEATURED_EXECUTIVE = "exec@gatehouse.demo"
# Days between a passed gate's due date and its decision (negative: decided late).
LATENESS = (-24, -12, -7, -3, -1, 0, 0, 0, 2, 5, 9)
LAPSE_POLICY = "Lapse policy: kill 7 days after the kill deadline"
PIVOT_REASON = "data_not_available"
ACTIVE = ("proposed", "poc", "pilot")


def _aware(day, hour=10) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(hour)))


def _gate_dates(project, changes) -> dict[str, object]:
    """The decision date of each gate of the story, as the live service would have set it.

    The stage the project stands at has the project's decision date (the plan's; the charter's
    when approved). A gate already passed was due around when it was decided: some decided on
    time, some days or weeks late, some early — so accountability figures have something to
    say."""
    dates: dict[str, object] = {}
    if project.stage in ("proposed", "poc", "pilot"):
        dates[project.stage] = project.decision_date
    for change in changes:
        if change.from_stage not in dates:
            offset = LATENESS[(project.pk * 7 + len(dates)) % len(LATENESS)]
            dates[change.from_stage] = change.changed_at.date() + timedelta(days=offset)
    return dates


def _history(project, plan) -> int:
    """The decisions behind the project's stage changes (replayed by portfolio.demo), each with
    the decision date of its gate in its snapshot and, for a go into a stage with a gate of its
    own, the next gate's decision date — as ``decision_record`` writes them."""
    from decisions.models import Decision, Gate
    from decisions.services import gate_open
    from portfolio.models import StageChange
    from portfolio.querysets import write_history

    made = 0
    changes = list(StageChange.objects.filter(project=project).order_by("changed_at", "id"))
    dates = _gate_dates(project, changes)
    for change in changes:
        kill = change.to_stage == "killed"
        by_policy = kill and change.changed_by is None and plan.kill_reason == "decision_lapsed"
        if change.changed_by is None and not by_policy:
            continue
        gate = gate_open(project=project, stage=change.from_stage, by=change.changed_by)
        if gate is None:
            continue
        gate_date = dates.get(change.from_stage)
        next_date = None if kill else dates.get(change.to_stage)
        # A decided gate keeps the due date it was decided against.
        Gate.objects.filter(pk=gate.pk).unaudited_update(
            due_date=gate_date, decided_at=change.changed_at
        )
        write_history(
            Decision(
                project=project,
                gate=gate,
                outcome="kill" if kill else "go",
                decided_by=change.changed_by,
                decided_by_policy=LAPSE_POLICY if by_policy else "",
                decided_at=change.changed_at,
                rationale=change.reason or ("Stopped." if kill else "Criteria met."),
                reason_category=(plan.kill_reason or "other") if kill else "",
                new_decision_date=next_date,
                from_stage=change.from_stage,
                to_stage=change.to_stage,
                successor=_pivot(project, change)
                if kill and plan.kill_reason == PIVOT_REASON
                else None,
                snapshot={
                    "note": "Recorded by the demo from the project's stage history.",
                    "gate": {
                        "id": gate.pk,
                        "name": gate.name,
                        "from": gate.from_stage,
                        "to": gate.to_stage,
                        "decision_date": gate_date.isoformat() if gate_date else None,
                    },
                },
            )
        )
        made += 1
    return made


def _pivot(project, change):
    """The successor a kill started (a pivot): a proposed project registered when the PoC was
    killed, to try the idea again on the data the organisation does have."""
    from portfolio.models import Project
    from portfolio.querysets import backdate
    from portfolio.services import project_register

    successor = Project(
        organisation=project.organisation,
        name=f"{project.name} on available data"[:160],
        summary=f"Pivot from {project.name}: the same workflow, scoped to the data that exists "
        "in production today.",
        business_owner=project.business_owner,
        engineering_owner=project.engineering_owner,
        decision_maker=project.decision_maker,
        pm=project.pm,
        created_by=change.changed_by,
    )
    project_register(project=successor, by=change.changed_by, note=f"Pivot from {project.name}.")
    Project.objects.filter(pk=successor.pk).unaudited_update(
        created_at=change.changed_at, updated_at=change.changed_at
    )
    from portfolio.models import AuditEvent

    backdate(AuditEvent.objects.filter(project=successor), at=change.changed_at)
    return successor


def _extension(project, gate, today) -> bool:
    """An extension granted at the PoC's gate: the decision date it had was three weeks
    earlier; the decision-maker moved it (and the kill deadline) to today's dates."""
    from decisions.models import Decision
    from portfolio.models import StageChange
    from portfolio.querysets import write_history

    entered = (
        StageChange.objects.filter(project=project, to_stage="poc")
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    if entered is None or project.decision_maker_id is None or project.decision_date is None:
        return False
    was = project.decision_date - timedelta(days=21)
    decided_at = max(entered + timedelta(days=7), _aware(was - timedelta(days=2)))
    if decided_at.date() >= today:
        return False
    write_history(
        Decision(
            project=project,
            gate=gate,
            outcome="extend",
            decided_by=project.decision_maker,
            decided_at=decided_at,
            rationale="The evaluation set from production arrived late; three more weeks to "
            "measure on it before deciding.",
            new_kill_deadline=project.kill_deadline or project.decision_date,
            new_decision_date=project.decision_date,
            from_stage="poc",
            to_stage="poc",
            snapshot={
                "note": "Recorded by the demo.",
                "gate": {
                    "id": gate.pk,
                    "name": gate.name,
                    "from": gate.from_stage,
                    "to": gate.to_stage,
                    "decision_date": was.isoformat(),
                },
            },
        )
    )
    return True


def _readings(project, version, rng, today, scenario: str, until=None) -> int:
    """Metric readings from the timebox start to today (or ``until``) that tell ``scenario``."""
    from decisions.models import Measurement, MeasurementSource
    from portfolio.querysets import write_history

    base = version.metric_baseline
    threshold = version.threshold
    if base is None or threshold is None or version.timebox_start is None:
        return 0
    start = version.timebox_start
    end = min(today, version.kill_deadline or today, until or today)
    span = max((end - start).days, 4)
    n = rng.randint(4, 8)
    reach = {"met": Decimal("1.08"), "short": Decimal("0.7")}[scenario]
    rows = []
    for i in range(n):
        frac = Decimal(i + 1) / n
        noise = Decimal(str(rng.uniform(-0.04, 0.04)))
        value = base + (threshold - base) * (reach * frac + noise)
        day = start + timedelta(days=round(span * (i + 1) / (n + 1)))
        api = i % 2 == 1
        rows.append(
            Measurement(
                project=project,
                kind="metric",
                value=value.quantize(Decimal("0.01")),
                measured_at=_aware(min(day, today), hour=9 + i % 8),
                source=MeasurementSource.API if api else MeasurementSource.MANUAL,
                token_name="eval-harness CI" if api else "",
                note="nightly evaluation run" if api else "weekly review",
                recorded_by=project.pm,
            )
        )
    for m in rows:  # one by one: measurements are audited and refuse bulk_create
        write_history(m)
    return len(rows)


def _pilot_readings(project, version, rng, today) -> None:
    from decisions.models import Measurement, MeasurementSource
    from portfolio.querysets import write_history

    for kind, target in (
        ("latency_ms", version.latency_p95_ms),
        ("cost_per_call", version.cost_per_call),
    ):
        if target is None:
            continue
        factor = Decimal(str(rng.uniform(0.7, 1.15)))
        write_history(
            Measurement(
                project=project,
                kind=kind,
                value=(Decimal(target) * factor).quantize(Decimal("0.0001")),
                measured_at=_aware(today - timedelta(days=rng.randint(1, 6))),
                source=MeasurementSource.API,
                token_name="production monitoring",  # noqa: S106 - a token's name, not a secret
                note="p95 over the last 7 days of real traffic",
                recorded_by=project.pm,
            )
        )


def _accept(project, when) -> None:
    from decisions.models import OwnershipAcceptance
    from portfolio.querysets import write_history

    if project.production_owner_id is None:
        return
    write_history(
        OwnershipAcceptance(
            project=project,
            owner=project.production_owner,
            accepts_run_cost=True,
            accepts_on_call=True,
            accepts_budget_line=True,
            budget_line=f"OPS-{project.pk:04d} {project.organisation.name} platform",
            team="Platform operations",
            accepted_at=when,
        )
    )


def _mark_quality(project, when) -> None:
    from decisions.models import CriterionMark, GateCriterion
    from portfolio.querysets import write_history

    criterion = GateCriterion.objects.filter(
        gate__project=project, gate__from_stage="poc", key="production-quality"
    ).first()
    if criterion is None or project.pm is None:
        return
    write_history(
        CriterionMark(
            criterion=criterion,
            state="met",
            evidence_text="Measured on 2,000 records drawn from production last month; failure "
            "modes (ambiguous references, scanned PDFs) written up in the project wiki.",
            evidence_url="https://wiki.example.com/gatehouse-demo/quality-report",
            marked_by=project.pm,
            marked_at=when,
        )
    )


def extend(result) -> dict[str, int]:
    from django.db import transaction
    from django.db.models import F

    from decisions.models import Decision, Measurement
    from decisions.selectors import load_facts
    from decisions.services import gate_open, milestones_refresh
    from portfolio.models import Project
    from portfolio.querysets import backdate

    counts = {"decisions": 0, "readings": 0, "gates": 0, "extensions": 0}
    today = result.today
    with transaction.atomic():
        entries = [(dp.project, dp.plan) for dp in result.projects]
        # The services named each production owner now, while loading; in the story they were
        # named when the project was registered, so their (back-dated) handoffs count.
        backdate(
            Project.objects.filter(
                pk__in=[p.pk for p, _ in entries], production_owner_since__isnull=False
            ),
            production_owner_since=F("created_at"),
        )
        decided = set(
            Decision.objects.filter(project__in=[p for p, _ in entries]).values_list(
                "project_id", flat=True
            )
        )
        measured = set(
            Measurement.objects.filter(project__in=[p for p, _ in entries]).values_list(
                "project_id", flat=True
            )
        )
        for project, plan in entries:
            project.refresh_from_db()
            updated_at = project.updated_at
            if project.pk not in decided:
                counts["decisions"] += _history(project, plan)
                # The dashboard reads milestones mirrored from the decisions just replayed.
                milestones_refresh(project_id=project.pk)
            gate = gate_open(project=project) if project.stage in ACTIVE else None
            if gate is not None:
                counts["gates"] += 1
            if (
                gate is not None
                and project.stage == "poc"
                and project.pk not in decided
                and project.pk % 3 == 0
                and _extension(project, gate, today)
            ):
                counts["extensions"] += 1
            if project.stage == "pilot" and project.kill_deadline != project.decision_date:
                # The go into the pilot made the production gate's due date the deadline.
                Project.objects.filter(pk=project.pk).unaudited_update(
                    kill_deadline=project.decision_date
                )
            # The demo's activity dates tell a story (stalled projects): keep them.
            Project.objects.filter(pk=project.pk).unaudited_update(updated_at=updated_at)

        active = (
            Project.objects.filter(pk__in=[p.pk for p, _ in entries], stage__in=["poc", "pilot"])
            .with_people()
            .order_by("pk")
        )
        facts = load_facts(active, today=today)
        for f in facts.values():
            project, version = f.project, f.approved
            if project.pk in measured or version is None or project.pm is None:
                continue
            rng = result.rng(f"decisions:{project.organisation.slug}:{project.slug}")
            scenario = "met" if rng.random() < 0.35 else "short"
            counts["readings"] += _readings(project, version, rng, today, scenario)
            if project.stage == "pilot":
                _pilot_readings(project, version, rng, today)
            if project.stage == "poc":
                if rng.random() < 0.5:
                    _accept(project, _aware(today - timedelta(days=rng.randint(2, 20))))
                if rng.random() < 0.4:
                    _mark_quality(project, _aware(today - timedelta(days=rng.randint(1, 10))))
            Project.objects.filter(pk=project.pk).unaudited_update(updated_at=project.updated_at)
        counts["readings"] += _closed_readings(result, [p.pk for p, _ in entries], measured)
        counts["featured"] = _featured(result, today)
        _backdate_story([p.pk for p, _ in entries])
    result.log(
        f"Demo decisions: {counts['decisions']} from the stage history, "
        f"{counts['extensions']} extensions, "
        f"{counts['readings']} metric readings, featured gates ready: {counts['featured']}."
    )
    return counts


# Kills that came from the numbers: the PoC's readings fell short of the threshold. Other
# kills (no production owner, the sponsor changed direction, compliance…) may have met it.
SHORT_OF_THE_METRIC = ("metric_not_reached", "decision_lapsed", "business_case_not_made")


def _closed_readings(result, project_ids, measured) -> int:
    """The readings of projects that are over: a graduated project's reached its threshold
    before it went live; a killed one's tell why it was killed. Dated within the charter's
    timebox, before the project went live or was killed."""
    from charters.models import CharterVersion
    from portfolio.models import Project

    versions = {
        v.charter.project_id: v
        for v in CharterVersion.objects.filter(
            charter__project_id__in=project_ids, approved_at__isnull=False
        )
        .select_related("charter")
        .order_by("number")
    }
    made = 0
    closed = Project.objects.filter(pk__in=project_ids, stage__in=["production", "killed"])
    for project in closed.select_related("pm", "organisation").order_by("pk"):
        version = versions.get(project.pk)
        if project.pk in measured or version is None or project.pm is None:
            continue
        rng = result.rng(f"decisions:closed:{project.organisation.slug}:{project.slug}")
        if project.stage == "production":
            scenario, until = "met", project.production_reached_at
        else:
            short = project.kill_reason in SHORT_OF_THE_METRIC
            scenario = "short" if short or rng.random() < 0.3 else "met"
            until = project.killed_at
        began = project.poc_started_at
        if until is None or began is None or version.timebox_start is None:
            continue  # killed at the charter gate: its PoC never began, nothing was measured
        if until.date() <= max(version.timebox_start, began.date()):
            continue
        made += _readings(project, version, rng, result.today, scenario, until=until.date())
        Project.objects.filter(pk=project.pk).unaudited_update(updated_at=project.updated_at)
    return made


def _featured(result, today) -> int:
    """Two PoCs of the featured executive: one ready for go, one with an unmet criterion."""
    from decisions.models import CriterionMark, Measurement, MeasurementSource
    from decisions.selectors import load_facts
    from portfolio.models import Project
    from portfolio.querysets import write_history

    executive = result.people.get(FEATURED_EXECUTIVE)
    if executive is None:
        return 0
    candidates = (
        Project.objects.filter(
            pk__in=[dp.project.pk for dp in result.projects],
            stage="poc",
            decision_maker=executive,
        )
        .with_people()
        .order_by("pk")
    )
    facts = [f for f in load_facts(candidates, today=today).values() if f.approved is not None]
    ready = 0
    for index, f in enumerate(facts[:2]):
        project = f.project
        if f.acceptance is None:
            _accept(project, _aware(today - timedelta(days=3)))
        if not f.has_api_metric or (index == 0 and f.kill_condition.status != "met"):
            write_history(
                Measurement(
                    project=project,
                    kind="metric",
                    value=(f.approved.metric_target or f.approved.threshold or Decimal(1)),
                    measured_at=_aware(today - timedelta(days=1)),
                    source=MeasurementSource.API,
                    token_name="eval-harness CI",  # noqa: S106 - a token's name
                    note="harness run on the standard dataset",
                    recorded_by=project.pm,
                )
            )
        quality = (
            next((c for c in f.gate.criteria if c.criterion.key == "production-quality"), None)
            if f.gate
            else None
        )
        if index == 0 and quality is not None and not quality.met:
            _mark_quality(project, _aware(today - timedelta(days=1)))
        if index == 1 and quality is not None and quality.state != "not_met":
            write_history(
                CriterionMark(
                    criterion=quality.criterion,
                    state="not_met",
                    evidence_text="Only measured on the curated PoC set so far; the production "
                    "sample is due next week.",
                    marked_by=project.pm,
                    marked_at=_aware(today - timedelta(days=1)),
                )
            )
    states = load_facts(candidates, today=today)
    for f in states.values():
        if f.gate and f.gate.all_met:
            ready += 1
    return ready


def _backdate_story(project_ids: list[int]) -> None:
    """Give the gates and audit events the demo wrote today the times their story says.

    The demo builds months of history in one run, so the services stamp gates and audit
    events with the loading time. Moved to when they happened in the story — a gate opens
    when the project entered its stage, a charter section was saved when its version was
    started, a submission when it was submitted — the timeline reads in order. Demo data
    only, written with the named hatches (``unaudited_update``, ``backdate``); running it again
    changes nothing.
    """
    from charters.models import CharterVersion, Signature
    from decisions.models import Gate
    from portfolio.audit import Action
    from portfolio.models import AuditEvent, Project, StageChange
    from portfolio.querysets import backdate

    entered: dict[tuple[int, str], object] = {}
    for change in StageChange.objects.filter(project_id__in=project_ids).order_by("changed_at"):
        entered[(change.project_id, change.to_stage)] = change.changed_at
    created = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "created_at"))
    gate_at: dict[int, object] = {}
    for gate in Gate.objects.filter(project_id__in=project_ids):
        when = entered.get((gate.project_id, gate.from_stage)) or created[gate.project_id]
        gate_at[gate.pk] = when
        if gate.opened_at != when:
            Gate.objects.filter(pk=gate.pk).unaudited_update(opened_at=when)

    versions = {
        str(v.pk): v
        for v in CharterVersion.objects.filter(charter__project_id__in=project_ids).select_related(
            "charter"
        )
    }
    by_number = {(v.charter_id, v.number): v for v in versions.values()}
    first_approval = {}
    for v in sorted(versions.values(), key=lambda v: v.number, reverse=True):
        if v.approved_at:
            first_approval[v.charter.project_id] = v.approved_at
    amended = {}  # charter id: when its latest amendment was approved
    for v in sorted(versions.values(), key=lambda v: v.number):
        if v.number > 1 and v.approved_at:
            amended[str(v.charter_id)] = v.approved_at
    started = {}  # charter id: when its first version was started
    for v in versions.values():
        if v.number == 1:
            started[str(v.charter_id)] = v.created_at
    signed = {
        (str(version_id), signer_id): at
        for version_id, signer_id, at in Signature.objects.filter(
            version__charter__project_id__in=project_ids
        ).values_list("version_id", "signer_id", "signed_at")
    }
    saves: dict[str, int] = {}
    events = AuditEvent.objects.filter(project_id__in=project_ids).order_by("id")
    for event in events.only("id", "action", "object_id", "project_id", "actor_id", "at"):
        when = None
        version = versions.get(event.object_id)
        if event.action == Action.GATE_OPENED:
            when = gate_at.get(int(event.object_id))
        elif version is not None and event.action in (
            Action.CHARTER_SECTION_SAVED,
            Action.CHARTER_ROW_ADDED,
            Action.CHARTER_ROW_REMOVED,
        ):
            n = saves[event.object_id] = saves.get(event.object_id, 0) + 1
            when = version.created_at + timedelta(minutes=n)
        elif event.action == Action.CHARTER_STARTED:
            when = started.get(event.object_id)
        elif version is not None and event.action == Action.CHARTER_AMENDMENT_STARTED:
            when = version.created_at
        elif event.action == Action.CHARTER_SIGNED:
            when = signed.get((event.object_id, event.actor_id))
        elif version is not None and event.action == Action.CHARTER_SUBMITTED:
            when = version.submitted_at
        elif version is not None and event.action == Action.CHARTER_APPROVED:
            when = version.approved_at
        elif version is not None and event.action == Action.CHARTER_SUPERSEDED:
            successor = by_number.get((version.charter_id, version.number + 1))
            when = successor.approved_at if successor else None
        elif event.action == Action.CHARTER_GOALPOSTS_MOVED:
            when = amended.get(event.object_id)
        elif event.action == Action.PROJECT_UPDATED_FROM_CHARTER:
            when = first_approval.get(event.project_id)
        if when is not None and when != event.at:
            backdate(AuditEvent.objects.filter(pk=event.pk), at=when)
