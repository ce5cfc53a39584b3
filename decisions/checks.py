"""The registry of automatic gate criteria.

A ``CriterionTemplate`` of kind "automatic" names one of these checks in its ``check`` field. A
check reads the ``ProjectFacts`` that ``decisions.selectors`` loads in bulk (the charter, the latest
measurements, the production owner's acceptance…) and answers ``(met, detail)``; it never queries
the database itself, so a page of many gates costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .selectors import ProjectFacts

Check = Callable[["ProjectFacts"], tuple[bool, str]]
CHECKS: dict[str, Check] = {}


def register(name: str):
    def wrap(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return wrap


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)).normalize():f}"


@register("charter_complete")
def charter_complete(f: ProjectFacts) -> tuple[bool, str]:
    """The charter is complete."""
    version = f.approved or f.latest
    if version is None:
        return False, "No charter has been started."
    missing = f.missing
    if not missing:
        return True, f"Charter v{version.number} has every section filled in."
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return False, f"Missing: {'; '.join(missing[:3])}{more}."


@register("charter_signed")
def charter_signed(f: ProjectFacts) -> tuple[bool, str]:
    """The charter is signed by every required signer."""
    if f.approved is not None:
        when = f.approved.approved_at
        return True, (
            f"Charter v{f.approved.number} approved"
            + (f" on {when:%-d %b %Y}" if when else "")
            + " with every required signature."
        )
    if f.latest is None:
        return False, "No charter has been started."
    if f.waiting_for:
        return False, f"Waiting for: {', '.join(f.waiting_for)}."
    return False, f"Charter v{f.latest.number} is {f.latest.get_status_display().lower()}."


@register("cost_model")
def cost_model(f: ProjectFacts) -> tuple[bool, str]:
    """Cost model at 1×, 5× and 20× with its dominant driver."""
    v = f.approved
    if v is None:
        return False, "Needs an approved charter with a cost model."
    values = (v.cost_monthly_1x, v.cost_monthly_5x, v.cost_monthly_20x)
    if any(x is None for x in values) or not (v.cost_driver or "").strip():
        return False, "The charter's cost model lacks a scale point or its dominant driver."
    return True, (
        f"{v.currency} {_fmt(values[0])} / {_fmt(values[1])} / {_fmt(values[2])} a month at "
        f"1× / 5× / 20×; dominated by {v.cost_driver}."
    )


@register("production_owner_accepted")
def production_owner_accepted(f: ProjectFacts) -> tuple[bool, str]:
    """The named production owner accepted ownership."""
    owner = f.project.production_owner
    if owner is None:
        return False, "No production owner is named."
    a = f.acceptance
    if a is None:
        return False, f"{owner} has not accepted ownership yet (run cost, on-call, budget line)."
    return True, (
        f"{owner}"
        + (f" ({a.team})" if a.team else "")
        + f" accepted run cost, on-call and budget line “{a.budget_line}” "
        f"on {a.accepted_at:%-d %b %Y}."
    )


@register("integration_scoped")
def integration_scoped(f: ProjectFacts) -> tuple[bool, str]:
    """Each integration owned by its team, with an estimate."""
    v = f.approved
    if v is None:
        return False, "Needs an approved charter with its integrations."
    rows = list(v.integrations.all())
    if not rows:
        return False, "The charter names no downstream integration."
    unscoped = [r.system for r in rows if not r.owning_team or r.estimate_weeks is None]
    if unscoped:
        return False, f"No owning team or estimate for: {', '.join(unscoped)}."
    return True, "; ".join(
        f"{r.system} ({r.owning_team}, {_fmt(r.estimate_weeks)} wk)" for r in rows
    )


@register("evaluation_harness")
def evaluation_harness(f: ProjectFacts) -> tuple[bool, str]:
    """A repeatable evaluation harness reports comparable scores."""
    v = f.approved
    if v is None or not v.harness_location or not v.eval_set_size:
        return False, "The charter names no harness location or labelled set."
    if not f.has_api_metric:
        return False, (
            f"Harness at {v.harness_location}, but it has not reported a score through the API yet."
        )
    return True, (
        f"Harness at {v.harness_location} on {v.eval_set_size} labelled items reports "
        "scores through the API."
    )


@register("decision_maker_named")
def decision_maker_named(f: ProjectFacts) -> tuple[bool, str]:
    """A named decision-maker with budget authority."""
    dm = f.project.decision_maker
    if dm is None:
        return False, "No decision-maker is named."
    if not f.decision_maker_is_executive:
        return False, f"{dm} is not an executive of the organisation."
    return True, f"{dm}, an executive of the organisation, makes the go/no-go."


@register("latency_target_met")
def latency_target_met(f: ProjectFacts) -> tuple[bool, str]:
    """Latency target met on real traffic."""
    v = f.approved
    if v is None or v.latency_p95_ms is None:
        return False, "The charter sets no p95 latency target."
    m = f.latest_by_kind.get("latency_ms")
    if m is None:
        return False, f"No latency reading yet (target p95 ≤ {v.latency_p95_ms} ms)."
    ok = m.value <= v.latency_p95_ms
    return ok, f"Latest p95 {_fmt(m.value)} ms against a target of {v.latency_p95_ms} ms."


@register("cost_target_met")
def cost_target_met(f: ProjectFacts) -> tuple[bool, str]:
    """Cost per call target met on real traffic."""
    v = f.approved
    if v is None or v.cost_per_call is None:
        return False, "The charter sets no cost-per-call target."
    m = f.latest_by_kind.get("cost_per_call")
    if m is None:
        return False, f"No cost reading yet (target ≤ {v.currency} {_fmt(v.cost_per_call)})."
    ok = m.value <= v.cost_per_call
    return ok, (
        f"Latest {v.currency} {_fmt(m.value)} per call against a target of "
        f"{v.currency} {_fmt(v.cost_per_call)}."
    )


@register("ops_budget_named")
def ops_budget_named(f: ProjectFacts) -> tuple[bool, str]:
    """The operations budget line is named."""
    v = f.approved
    if v is None or v.ops_budget is None:
        return False, "The charter names no operations budget."
    if f.acceptance is None or not f.acceptance.budget_line:
        return False, "The production owner has not named the budget line yet."
    return True, f"{v.currency} {_fmt(v.ops_budget)} a year on “{f.acceptance.budget_line}”."


@register("metric_threshold_met")
def metric_threshold_met(f: ProjectFacts) -> tuple[bool, str]:
    """The success metric reached the sign-off threshold."""
    k = f.kill_condition
    assert k is not None  # project_facts sets every project's kill condition
    if k.threshold is None:
        return False, "The charter sets no sign-off threshold."
    if k.latest is None:
        return False, "No reading of the success metric yet."
    return k.status == "met", (
        f"Latest {_fmt(k.latest.value)} against a threshold of {_fmt(k.threshold)}."
    )
