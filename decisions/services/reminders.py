"""The reminder sweep: everything that is due, claimed once (DOMAIN.md "Reminders and
escalation", "A lapse has a default").

``reminders_sweep()`` is the one periodic job. It reads the stored deadlines and the derived
states of ``Project.objects.with_states()`` — only the rows that are due, never every project —
and claims one ``Reminder`` row per recipient × project × kind × due date (× repeat) under a
unique constraint, in one ``INSERT … ON CONFLICT DO NOTHING`` per batch. Only then, once the
transaction commits, are the pending rows handed to the send task: a duplicated or retried
sweep, two workers, two beats or a rerun after a crash claim nothing twice, and a sweep after
downtime sends each missed reminder once (a window, not an exact day, decides what is due).
A moved date is a new key, so it re-arms the reminder.

Who hears what:
- a gate due or an unmet kill deadline within a week, and again the day before: the PM and the
  decision-maker;
- a lapsed date (the gate's, or the kill deadline with the threshold unmet — kill pending in a
  PoC): the PM and the decision-maker, again every N days while it lasts;
- a charter in review for more than N days: each required signer who has not signed;
- a stalled project: the PM and the decision-maker;
- overdue for more than 7 days: the organisation's executives and the partners (escalation);
- a PoC kill pending past the grace period: the organisation's policy — remind only, escalate to
  the executives and partners, or kill automatically (a decision whose maker is the policy);
- every week, a digest for each partner (the firm) and executive (their organisations).

A person only ever hears about a project they may see (members of its organisation, partners).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from charters import selectors as charter_selectors
from charters.models import Status
from portfolio.models import Membership, Project, Role, Stage, User

from .. import rules
from ..models import (
    DEFAULT_POLICY,
    MANDATORY_KINDS,
    Decision,
    DeliveryStatus,
    Gate,
    LapsePolicy,
    NotificationPreference,
    OrganisationPolicy,
    Outcome,
    Reminder,
    ReminderKind,
)
from .decide import decision_record_lapsed

BATCH = 500
ESCALATE_AFTER = rules.OVERDUE_STALLS_AFTER  # overdue for more than 7 days


@dataclass
class Claim:
    """A reminder the sweep wants to exist."""

    recipient_id: int
    kind: str
    due_date: date
    subject: str
    body: str
    url: str
    project: Any = None  # a Project (values row) or None for a digest
    occurrence: int = 0
    context: dict = field(default_factory=dict)


@dataclass
class SweepResult:
    claimed: int = 0
    pending: list[int] = field(default_factory=list)
    killed: list[int] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)


def _policies(organisation_ids) -> dict[int, dict]:
    """{organisation id: its policy, defaults filled in} in one query."""
    found = {
        row["organisation_id"]: row
        for row in OrganisationPolicy.objects.filter(
            organisation_id__in=list(organisation_ids)
        ).values("organisation_id", *DEFAULT_POLICY)
    }
    return {pk: {**DEFAULT_POLICY, **found.get(pk, {})} for pk in organisation_ids}


def _fmt(day: date) -> str:
    return f"{day:%-d %b %Y}"


def _project_url(project_id: int, anchor: str = "gate") -> str:
    return reverse("portfolio:project-detail", args=[project_id]) + f"#{anchor}"


GATE_WORDS: dict[str, str] = {
    Stage.PROPOSED.value: "the charter gate (the PoC is to start)",
    Stage.POC.value: "the graduation gate",
    Stage.PILOT.value: "the production gate",
}


def _gate_word(stage: str) -> str:
    return GATE_WORDS.get(stage, "the gate")


# --- what is due ------------------------------------------------------------------------------


def _candidate_ids(today: date, now: datetime) -> set[int]:
    """Projects something may be due for, from three indexed id lists: an open gate due within
    a week or lapsed (``open_gate_due``), a kill deadline within a week or passed (the kill
    deadline's index), no activity for the shortest stalled threshold
    (``project_in_flight_activity``). Each list grows with what is due, not with the portfolio."""
    soon = today + timedelta(days=7)
    quietest = min(
        [settings.GATEHOUSE_STALLED_AFTER_DAYS]
        + list(
            OrganisationPolicy.objects.filter(stalled_after_days__isnull=False)
            .values_list("stalled_after_days", flat=True)
            .distinct()
        )
    )
    ids = set(
        Gate.objects.filter(decided_at__isnull=True, due_date__lte=soon).values_list(
            "project_id", flat=True
        )
    )
    ids |= set(Project.objects.filter(kill_deadline__lte=soon).values_list("pk", flat=True))
    ids |= set(
        Project.objects.active()
        .filter(updated_at__lt=now - timedelta(days=quietest))
        .values_list("pk", flat=True)
    )
    return ids


def _due_projects(today: date, now: datetime):
    """The projects in flight that something is due for, with what the claims need. Only the
    candidates (``_candidate_ids``) get the derived states computed; the states then say which
    of them are really due. So the work grows with what is due, not with the portfolio."""
    soon = today + timedelta(days=7)
    unmet = Q(threshold_met=False) & Q(kill_threshold__isnull=False)
    return list(
        Project.objects.active()
        .filter(pk__in=sorted(_candidate_ids(today, now)))
        .with_states(today)
        .filter(Q(gate_due__lte=soon) | (Q(kill_deadline__lte=soon) & unmet) | Q(stalled=True))
        .values(
            "pk",
            "name",
            "stage",
            "organisation_id",
            "organisation__name",
            "pm_id",
            "decision_maker_id",
            "decision_maker__full_name",
            "gate_due",
            "kill_deadline",
            "threshold_met",
            "kill_threshold",
            "kill_pending",
            "overdue",
            "stalled",
            "updated_at",
        )
        .order_by("pk")
    )


def _lapsed_date(p: dict, today: date) -> date | None:
    """The earliest date of ``p`` that passed with no decision (the gate's, or the unmet kill
    deadline), or None."""
    passed = []
    if p["gate_due"] and p["gate_due"] < today:
        passed.append(p["gate_due"])
    if (
        p["kill_deadline"]
        and p["kill_deadline"] < today
        and p["kill_threshold"] is not None
        and not p["threshold_met"]
    ):
        passed.append(p["kill_deadline"])
    return min(passed) if passed else None


def _owners(p: dict) -> list[int]:
    return list(dict.fromkeys(pk for pk in (p["pm_id"], p["decision_maker_id"]) if pk))


def _project_claims(p: dict, today: date, policy: dict) -> list[Claim]:
    claims: list[Claim] = []
    name, url, owners = p["name"], _project_url(p["pk"]), _owners(p)
    gate = _gate_word(p["stage"])

    def add(kind, due, subject, body, recipients, occurrence=0, **context):
        for recipient in recipients:
            claims.append(
                Claim(
                    recipient_id=recipient,
                    kind=kind,
                    due_date=due,
                    subject=subject,
                    body=body,
                    url=url,
                    project=p,
                    occurrence=occurrence,
                    context=context,
                )
            )

    due = p["gate_due"]
    if due and today <= due <= today + timedelta(days=1):
        when = "today" if due == today else "tomorrow"
        add(
            ReminderKind.DUE_TOMORROW,
            due,
            f"“{name}”: {gate} is due {when}, {_fmt(due)}",
            f"A decision on {name} at {gate} is due {when} ({_fmt(due)}). Record go, kill or "
            "extend before it lapses.",
            owners,
        )
    elif due and today + timedelta(days=1) < due <= today + timedelta(days=7):
        days = (due - today).days
        add(
            ReminderKind.DUE_SOON,
            due,
            f"“{name}”: {gate} is due in {days} days, {_fmt(due)}",
            f"A decision on {name} at {gate} is due on {_fmt(due)}, in {days} days. Check the "
            "criteria still open and the evidence.",
            owners,
        )

    kill = p["kill_deadline"]
    unmet = p["kill_threshold"] is not None and not p["threshold_met"]
    if kill and unmet and p["stage"] in (Stage.PROPOSED, Stage.POC):
        if today <= kill <= today + timedelta(days=1):
            when = "today" if kill == today else "tomorrow"
            add(
                ReminderKind.KILL_TOMORROW,
                kill,
                f"“{name}”: the kill deadline is {when} and the metric is below the threshold",
                f"The kill deadline of {name} is {when} ({_fmt(kill)}) and the success metric "
                "has not reached the sign-off threshold. Unless it does, the decision-maker "
                "kills the PoC or extends it with a reason.",
                owners,
            )
        elif today + timedelta(days=1) < kill <= today + timedelta(days=7):
            days = (kill - today).days
            add(
                ReminderKind.KILL_SOON,
                kill,
                f"“{name}”: the kill deadline is in {days} days and the metric is below the "
                "threshold",
                f"The kill deadline of {name} is {_fmt(kill)}, in {days} days, and the success "
                "metric has not reached the sign-off threshold yet.",
                owners,
            )

    lapsed = _lapsed_date(p, today)
    if lapsed is not None:
        every = policy["remind_every_days"]
        occurrence = (today - lapsed).days // every
        if p["kill_pending"]:
            add(
                ReminderKind.KILL_PENDING,
                kill,
                f"“{name}” is kill pending: its kill deadline passed on {_fmt(kill)}",
                f"The kill deadline of {name} passed on {_fmt(kill)} without the metric reaching "
                "the sign-off threshold. The decision-maker can now only kill it, or extend it "
                "with a reason. Silence is not an outcome: the organisation's lapse policy "
                f"applies {policy['lapse_grace_days']} days after the deadline.",
                owners,
                occurrence,
            )
        else:
            add(
                ReminderKind.LAPSED,
                lapsed,
                f"“{name}”: the decision due on {_fmt(lapsed)} has not been made",
                f"{gate.capitalize()} of {name} was due on {_fmt(lapsed)} and nobody has "
                "recorded go, kill or extend. Decide, or extend with a reason.",
                owners,
                occurrence,
            )
    if p["stalled"]:
        last = timezone.localdate(p["updated_at"])
        add(
            ReminderKind.STALLED,
            last,
            f"“{name}” has stalled: no activity since {_fmt(last)}",
            f"Nothing has happened on {name} since {_fmt(last)}"
            + (f", and a decision has been due since {_fmt(lapsed)}" if lapsed else "")
            + ". A PoC that loses gravity dies in a notebook: record a measurement, evidence or "
            "a decision.",
            owners,
        )
    return claims


def _escalations(
    p: dict, today: date, policy: dict, executives: list[int], partners: list[int]
) -> list[Claim]:
    """Overdue for more than a week, and a kill-pending PoC past its grace period under the
    "escalate" policy: the organisation's executives and the partners hear of it."""
    claims = []
    lapsed = _lapsed_date(p, today)
    recipients = list(dict.fromkeys([*executives, *partners]))
    url = _project_url(p["pk"])
    who = p["decision_maker__full_name"] or "nobody"
    if lapsed is not None and lapsed < today - ESCALATE_AFTER:
        days = (today - lapsed).days
        claims += [
            Claim(
                recipient_id=r,
                kind=ReminderKind.ESCALATION,
                due_date=lapsed,
                subject=f"Escalation: “{p['name']}” is {days} days overdue",
                body=f"{p['name']} ({p['organisation__name']}) has been overdue since "
                f"{_fmt(lapsed)}: {days} days with no decision. Its decision-maker is {who}.",
                url=url,
                project=p,
            )
            for r in recipients
        ]
    grace_over = _grace_over(p, today, policy)
    if grace_over and policy["lapse_policy"] == LapsePolicy.ESCALATE:
        claims += [
            Claim(
                recipient_id=r,
                kind=ReminderKind.LAPSE_POLICY,
                due_date=p["kill_deadline"],
                subject=f"“{p['name']}” stayed kill pending past its grace period",
                body=f"The kill deadline of {p['name']} ({p['organisation__name']}) passed on "
                f"{_fmt(p['kill_deadline'])} and {policy['lapse_grace_days']} days later "
                f"nobody has killed or extended it. The organisation's policy escalates it to "
                f"you. Its decision-maker is {who}.",
                url=url,
                project=p,
                context={"policy": policy["lapse_policy"]},
            )
            for r in recipients
        ]
    return claims


def _grace_over(p: dict, today: date, policy: dict) -> bool:
    return bool(
        p["kill_pending"]
        and p["kill_deadline"]
        and p["kill_deadline"] + timedelta(days=policy["lapse_grace_days"]) < today
    )


def _policy_text(policy: dict) -> str:
    return (
        f"{LapsePolicy(policy['lapse_policy']).label.lower()} "
        f"{policy['lapse_grace_days']} days after a lapsed kill deadline"
    )


def _signature_claims(now: datetime, policies_for) -> list[Claim]:
    """Charters in review for longer than the organisation's wait: each named signer who has not
    signed. Only the versions waiting that long are loaded, with what the signer rule needs."""
    shortest: int = min(
        [int(DEFAULT_POLICY["signatures_wait_days"] or 1)]
        + list(OrganisationPolicy.objects.values_list("signatures_wait_days", flat=True).distinct())
    )
    versions = list(
        charter_selectors.versions_full()
        .filter(status=Status.IN_REVIEW, submitted_at__lt=now - timedelta(days=shortest))
        .order_by("pk")
    )
    policies = policies_for({v.charter.project.organisation_id for v in versions})
    claims = []
    for v in versions:
        project = v.charter.project
        policy = policies[project.organisation_id]
        if v.submitted_at >= now - timedelta(days=policy["signatures_wait_days"]):
            continue
        since = timezone.localdate(v.submitted_at)
        for row in charter_selectors.signature_status(v):
            if row["signature"]:
                continue
            claims.append(
                Claim(
                    recipient_id=row["person"].pk,
                    kind=ReminderKind.SIGNATURES,
                    due_date=since,
                    subject=f"“{project.name}”: the charter waits for your signature since "
                    f"{_fmt(since)}",
                    body=f"Version {v.number} of the charter of {project.name} was submitted on "
                    f"{_fmt(since)} and still needs your signature as "
                    f"{row['role_label'].lower()}. Read it and sign, or request changes.",
                    url=reverse("charters:sign", args=[project.pk]),
                    project={
                        "pk": project.pk,
                        "name": project.name,
                        "organisation_id": project.organisation_id,
                    },
                )
            )
    return claims


# --- the weekly digest ---------------------------------------------------------------------------


def _week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


@dataclass
class DigestData:
    """The week across the whole firm, loaded once; each digest is a slice of it."""

    funnel: list[tuple[int, str, int]]  # (organisation id, stage, count)
    attention: list[dict]  # projects overdue, kill pending or stalled (from the due rows)
    decisions: list[dict]  # decisions made this week


def _digest_data(due: list[dict], today: date) -> DigestData:
    """Three figures a digest needs, for every organisation at once: the funnel counts (one
    GROUP BY), what needs attention (the sweep's own due rows: overdue, kill pending and
    stalled are all among them) and the decisions made this week (one query)."""
    since = today - timedelta(days=7)
    funnel = list(
        Project.objects.values_list("organisation_id", "stage").annotate(n=Count("id")).order_by()
    )
    attention = [p for p in due if p["overdue"] or p["kill_pending"] or p["stalled"]]
    made: list[dict] = [
        dict(d)
        for d in Decision.objects.filter(decided_at__date__gte=since)
        .values(
            "outcome",
            "project__name",
            "project_id",
            "project__organisation_id",
            "decided_by__full_name",
            "decided_by_policy",
        )
        .order_by("decided_at")
    ]
    return DigestData(funnel=funnel, attention=attention, decisions=made)


def _digest_content(data: DigestData, organisation_ids: set[int] | None, today: date) -> dict:
    """The week's digest over ``organisation_ids`` (None: every organisation): the funnel
    counts, what became overdue, kill pending or stalled, and the decisions made that week."""
    since = today - timedelta(days=7)

    def ours(org_id: int) -> bool:
        return organisation_ids is None or org_id in organisation_ids

    counts: dict[str, int] = defaultdict(int)
    for org_id, stage, n in data.funnel:
        if ours(org_id):
            counts[stage] += n
    rows = []
    for p in sorted(data.attention, key=lambda p: (p["organisation__name"], p["name"])):
        if not ours(p["organisation_id"]):
            continue
        lapsed = _lapsed_date(p, today)
        rows.append(
            {
                "name": p["name"],
                "organisation": p["organisation__name"],
                "url": _project_url(p["pk"]),
                "states": [s for s in ("kill_pending", "overdue", "stalled") if p[s]],
                "new": bool(lapsed and lapsed >= since),
            }
        )
    return {
        "week_of": _fmt(_week_start(today)),
        "funnel": [(label, counts.get(value, 0)) for value, label in Stage.choices],
        "attention": rows[:50],
        "attention_count": len(rows),
        "became_overdue": sum(1 for r in rows if r["new"] and "overdue" in r["states"]),
        "kill_pending": sum(1 for r in rows if "kill_pending" in r["states"]),
        "stalled": sum(1 for r in rows if "stalled" in r["states"]),
        "decisions": [
            {
                "outcome": Outcome(d["outcome"]).label,
                "project": d["project__name"],
                "url": _project_url(d["project_id"], "decisions"),
                "by": d["decided_by__full_name"] or "the lapse policy",
            }
            for d in data.decisions
            if ours(d["project__organisation_id"])
        ],
    }


def _digest_claims(today: date, partners: list[int], due: list[dict]) -> list[Claim]:
    """One digest a week for each partner (every organisation) and each executive (theirs),
    claimed at the first sweep of the week. The figures are loaded once for the firm and sliced
    per scope, so the digest costs the same few queries however many executives there are."""
    week = _week_start(today)
    already = set(
        Reminder.objects.filter(kind=ReminderKind.DIGEST, due_date=week).values_list(
            "recipient_id", flat=True
        )
    )
    scopes: dict[tuple[int, ...] | None, list[int]] = defaultdict(list)
    for user_id in partners:
        if user_id not in already:
            scopes[None].append(user_id)
    executive_orgs: dict[int, list[int]] = defaultdict(list)
    for user_id, org_id in Membership.objects.filter(
        role=Role.EXECUTIVE, user__is_active=True, user__is_partner=False
    ).values_list("user_id", "organisation_id"):
        executive_orgs[user_id].append(org_id)
    for user_id, orgs in executive_orgs.items():
        if user_id not in already:
            scopes[tuple(sorted(orgs))].append(user_id)
    if not scopes:
        return []
    data = _digest_data(due, today)
    claims = []
    for scope, recipients in scopes.items():
        content = _digest_content(data, set(scope) if scope is not None else None, today)
        where = "every organisation" if scope is None else f"{len(scope)} organisation(s)"
        body = (
            f"The week of {content['week_of']} across {where}: "
            f"{content['kill_pending']} kill pending, {content['became_overdue']} newly overdue, "
            f"{content['stalled']} stalled, {len(content['decisions'])} decisions made."
        )
        claims += [
            Claim(
                recipient_id=r,
                kind=ReminderKind.DIGEST,
                due_date=week,
                subject=f"Gatehouse weekly digest — week of {content['week_of']}",
                body=body,
                url=reverse("portfolio:project-list") + "?attention=overdue",
                context={"digest": content, "scope": "firm" if scope is None else list(scope)},
            )
            for r in recipients
        ]
    return claims


# --- claiming ----------------------------------------------------------------------------------


def _visible(claims: list[Claim]) -> list[Claim]:
    """Drop any claim whose recipient may not see its project (or is inactive): a reminder never
    names a project its recipient cannot open. Two queries."""
    people = {c.recipient_id for c in claims}
    users = dict(User.objects.filter(pk__in=people, is_active=True).values_list("pk", "is_partner"))
    members = set(
        Membership.objects.filter(user_id__in=people).values_list("user_id", "organisation_id")
    )
    out = []
    for c in claims:
        if c.recipient_id not in users:
            continue
        if (
            c.project is None
            or users[c.recipient_id]
            or (c.recipient_id, c.project["organisation_id"]) in members
        ):
            out.append(c)
    return out


def _claim(claims: list[Claim], now: datetime, sweep: str) -> int:
    """Insert the claims that do not exist yet (one INSERT … ON CONFLICT DO NOTHING a batch)."""
    if not claims:
        return 0
    muted = set(
        NotificationPreference.objects.filter(
            user_id__in={c.recipient_id for c in claims}, email=False
        ).values_list("user_id", "kind")
    )
    rows = [
        Reminder(
            recipient_id=c.recipient_id,
            project_id=c.project["pk"] if c.project else None,
            kind=c.kind,
            due_date=c.due_date,
            occurrence=c.occurrence,
            subject=c.subject[:200],
            body=c.body,
            url=c.url,
            context=c.context,
            created_at=now,
            sweep=sweep,
            email_status=DeliveryStatus.NOT_EMAILED
            if (c.recipient_id, c.kind) in muted and c.kind not in MANDATORY_KINDS
            else DeliveryStatus.PENDING,
        )
        for c in claims
    ]
    for start in range(0, len(rows), BATCH):
        Reminder.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)
    # A row claimed by an earlier sweep keeps that sweep's id: what carries ours is what we claimed.
    return Reminder.objects.filter(sweep=sweep).count()


def _apply_kill_policy(due: list[dict], policies: dict, today: date) -> list[int]:
    """Kill, by the organisation's policy, each PoC kill pending past its grace period."""
    killed = []
    for p in due:
        policy = policies[p["organisation_id"]]
        if policy["lapse_policy"] == LapsePolicy.KILL and _grace_over(p, today, policy):
            decision = decision_record_lapsed(
                project_id=p["pk"],
                policy=f"{p['organisation__name']}'s lapse policy: {_policy_text(policy)}",
                grace_days=policy["lapse_grace_days"],
                today=today,
            )
            if decision is not None:
                killed.append(p["pk"])
    return killed


def _killed_claims(project_ids: list[int], executives_of, partners: list[int]) -> list[Claim]:
    """Tell the project's people, its organisation's executives and the partners that the
    policy killed it."""
    claims = []
    for p in Project.objects.filter(pk__in=project_ids).values(
        "pk", "name", "organisation_id", "organisation__name", "pm_id", "decision_maker_id"
    ):
        decision = (
            Decision.objects.filter(project_id=p["pk"], outcome=Outcome.KILL)
            .order_by("-decided_at")
            .values("decided_at", "decided_by_policy")
            .get()
        )
        owners = _owners(dict(p))
        recipients = dict.fromkeys([*owners, *executives_of(p["organisation_id"]), *partners])
        for r in recipients:
            claims.append(
                Claim(
                    recipient_id=r,
                    kind=ReminderKind.LAPSE_POLICY,
                    due_date=timezone.localdate(decision["decided_at"]),
                    subject=f"“{p['name']}” was killed by the lapse policy",
                    body=f"Nobody killed or extended {p['name']} ({p['organisation__name']}) "
                    f"after its kill deadline lapsed, so {decision['decided_by_policy']} applied: "
                    "it is killed, with the reason “decision lapsed”. A pivot can start it again.",
                    url=_project_url(p["pk"], "decisions"),
                    project=p,
                    context={"killed": True},
                )
            )
    return claims


def reminders_sweep(
    *, enqueue: Callable[[int], object] | None = None, now: datetime | None = None
) -> SweepResult:
    """Find everything that is due, apply the lapse policies and claim each reminder once; once
    the transaction commits, each pending reminder's id is handed to ``enqueue`` (the send task)
    — a rolled-back sweep enqueues nothing (see the module docstring)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    with transaction.atomic():
        due = _due_projects(today, now)
        policies_cache: dict[int, dict] = {}

        def policies_for(organisation_ids) -> dict[int, dict]:
            missing = set(organisation_ids) - set(policies_cache)
            if missing:
                policies_cache.update(_policies(missing))
            return policies_cache

        policies = policies_for({p["organisation_id"] for p in due})
        partners = list(
            User.objects.filter(is_partner=True, is_active=True).values_list("pk", flat=True)
        )
        executives: dict[int, list[int]] = defaultdict(list)
        for user_id, org_id in Membership.objects.filter(
            role=Role.EXECUTIVE, organisation_id__in={p["organisation_id"] for p in due}
        ).values_list("user_id", "organisation_id"):
            executives[org_id].append(user_id)

        result.killed = _apply_kill_policy(due, policies, today)
        killed = set(result.killed)
        claims: list[Claim] = []
        for p in due:
            if p["pk"] in killed:
                continue
            policy = policies[p["organisation_id"]]
            claims += _project_claims(p, today, policy)
            claims += _escalations(p, today, policy, executives[p["organisation_id"]], partners)
        if killed:
            org_execs: dict[int, list[int]] = defaultdict(list)
            for user_id, org_id in Membership.objects.filter(
                role=Role.EXECUTIVE,
                organisation__projects__in=list(killed),
            ).values_list("user_id", "organisation_id"):
                org_execs[org_id].append(user_id)
            claims += _killed_claims(list(killed), lambda org: org_execs[org], partners)
        claims += _signature_claims(now, policies_for)
        claims += _digest_claims(today, partners, [p for p in due if p["pk"] not in killed])
        claims = _visible(claims)
        for c in claims:
            result.by_kind[c.kind] = result.by_kind.get(c.kind, 0) + 1
        result.claimed = _claim(claims, now, uuid.uuid4().hex)
        result.pending = list(
            Reminder.objects.filter(email_status=DeliveryStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if enqueue is not None:
            pending = list(result.pending)
            transaction.on_commit(lambda: [enqueue(pk) for pk in pending])
    return result
