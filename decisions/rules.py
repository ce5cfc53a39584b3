"""The rules of gates and decisions, defined once (DOMAIN.md "Decisions", "Dates are moved by
decisions", "Derived states", "A lapse has a default").

Plain functions and database expressions: nothing here reads the database or imports this app's
models, so ``selectors`` and ``services`` both build on it and neither can drift from the other.

- The derived states — overdue, stalled, kill condition status, kill pending — are expressions
  over a project row annotated with a few inputs (see ``decisions.states``, which supplies them).
  Pages, the API, and later the sweep and the dashboard all read the same annotations.
- The schedule: which due date a gate opens with, and what a decision does to the kill deadline.
- The outcome rule: what a go, kill or extend needs, including the lapse default (a PoC that is
  kill pending can only be killed, or extended with a reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, CharField, DateField, F, Q, Value, When

from portfolio.models import KillStatus, Stage

# Projects still waiting for a decision: a gate is open and due.
ACTIVE_STAGES = (Stage.PROPOSED, Stage.POC, Stage.PILOT)
# A kill condition is at risk when its deadline is this close and the threshold is not met.
AT_RISK_WITHIN = timedelta(days=7)
# Overdue for longer than this counts as stalled ("losing gravity").
OVERDUE_STALLS_AFTER = timedelta(days=7)
# How far ahead a decision may set a date: an extension's kill deadline and decision date, and
# the next gate's decision date set by a go. A year covers any pilot; 9999-12-31 is a typo.
DATE_HORIZON = timedelta(days=365)
GATE_DECIDED = "This gate has already been decided."

# --- a measurement's value ------------------------------------------------------------------

# Measurement.value keeps 4 decimal places and 16 digits in all: 12 before the point.
READING_PLACES = Decimal("0.0001")
READING_INTEGER_DIGITS = 12
READING_NOT_A_NUMBER = "Enter a number."
READING_TOO_LARGE = "Too large: enter a number with at most 12 digits before the decimal point."


def validate_reading_value(value: Decimal) -> None:
    """A form's and a serializer's validator: a ValidationError when ``value`` is no number or
    has more than 12 digits before the point once rounded. Judged from the exponent alone,
    before any arithmetic: ``1E+999999999`` overflows every operation on it."""
    if not value.is_finite():
        raise ValidationError(READING_NOT_A_NUMBER)
    if not value.is_zero() and value.adjusted() >= READING_INTEGER_DIGITS:
        raise ValidationError(READING_TOO_LARGE)
    rounded = value.quantize(READING_PLACES, rounding=ROUND_HALF_UP)
    if not rounded.is_zero() and rounded.adjusted() >= READING_INTEGER_DIGITS:
        raise ValidationError(READING_TOO_LARGE)  # 999999999999.99995 rounds up to 13 digits


def reading_value(value: Decimal) -> Decimal:
    """``value`` as a reading keeps it: rounded half up to 4 decimal places (a harness reports
    0.87654321). Raises as ``validate_reading_value`` does."""
    validate_reading_value(value)
    return value.quantize(READING_PLACES, rounding=ROUND_HALF_UP)


# --- the schedule -------------------------------------------------------------------------


def gate_due_date(*, stage: str, timebox_start: date | None, decision_date: date | None):
    """The due date a gate opens with. The charter gate is due when the PoC is to start (the
    charter must be approved by then); the graduation and production gates on the project's
    decision date (the charter's, or the one the go into the pilot set)."""
    if stage == Stage.PROPOSED:
        return timebox_start
    if stage in (Stage.POC, Stage.PILOT):
        return decision_date
    return None


def kill_deadline_after(
    *,
    outcome: str,
    to_stage: str,
    current: date | None,
    new_kill_deadline: date | None,
    new_decision_date: date | None,
) -> date | None:
    """The project's kill deadline once a decision is recorded. The kill condition belongs to
    the PoC: an extension moves it; the go into the pilot makes the production gate's due date
    the deadline; production and a kill end it."""
    if outcome == "extend":
        return new_kill_deadline
    if outcome == "kill" or to_stage in (Stage.PRODUCTION, Stage.KILLED):
        return None
    if to_stage == Stage.PILOT:
        return new_decision_date
    return current


# --- the derived states, as expressions -----------------------------------------------------
#
# ``decisions.states`` annotates each project row with these inputs, then with the states below:
#   gate_due        the due date of the gate the project stands at
#   kill_deadline   the stored current kill deadline (a field of the project)
#   kill_threshold  the approved charter's sign-off threshold
#   kill_direction  "higher" or "lower" is better
#   latest_metric   the newest reading of the success metric
#   stalled_since   the activity time before which a project counts as stalled


def threshold_met() -> Case:
    """The newest reading of the success metric reached the sign-off threshold."""
    return Case(
        When(Q(latest_metric__isnull=True) | Q(kill_threshold__isnull=True), then=Value(False)),
        When(
            kill_direction="lower",
            then=Case(
                When(latest_metric__lte=F("kill_threshold"), then=Value(True)), default=Value(False)
            ),
        ),
        When(latest_metric__gte=F("kill_threshold"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def kill_status(today: date) -> Case:
    """on_track / at_risk (deadline within 7 days, threshold not met) / triggered (deadline
    passed, threshold not met) / met; undefined while no approved charter sets it; none once the
    project is in production or killed (the kill condition belongs to the PoC and, in pilot,
    to the production gate's due date)."""
    return Case(
        When(~Q(stage__in=ACTIVE_STAGES), then=Value(KillStatus.NONE.value)),
        When(
            Q(kill_deadline__isnull=True) | Q(kill_threshold__isnull=True),
            then=Value(KillStatus.UNDEFINED.value),
        ),
        When(threshold_met=True, then=Value(KillStatus.MET.value)),
        When(kill_deadline__lt=today, then=Value(KillStatus.TRIGGERED.value)),
        When(kill_deadline__lte=today + AT_RISK_WITHIN, then=Value(KillStatus.AT_RISK.value)),
        default=Value(KillStatus.ON_TRACK.value),
        output_field=CharField(),
    )


def lapsed_before(day: date) -> Q:
    """The current gate's due date, or the kill deadline with the threshold not met, passed
    before ``day``. Both move only forwards by a decision (an extension) and a go or kill closes
    the gate, so "passed" means "passed with no decision since". A kill deadline met by the
    metric asks for no decision: the PoC runs on to its gate's due date."""
    return Q(gate_due__lt=day) | (Q(kill_deadline__lt=day) & Q(threshold_met=False))


def overdue(today: date) -> Case:
    """In flight, and the current gate's due date or the (unmet) kill deadline has passed."""
    return Case(
        When(Q(stage__in=ACTIVE_STAGES) & lapsed_before(today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def stalled(today: date) -> Case:
    """In flight, and no activity since ``stalled_since`` (the organisation's policy, 21 days by
    default) or overdue for more than 7 days ("losing gravity")."""
    return Case(
        When(
            Q(stage__in=ACTIVE_STAGES)
            & (Q(updated_at__lt=F("stalled_since")) | lapsed_before(today - OVERDUE_STALLS_AFTER)),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def kill_pending() -> Case:
    """In PoC, the kill deadline passed and the threshold not met: the lapse default applies —
    the decision-maker can only kill, or extend with a reason. Needs ``kill_status``."""
    return Case(
        When(stage=Stage.POC, kill_status=KillStatus.TRIGGERED.value, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def next_due() -> Case:
    """The nearest of the current gate's due date and the kill deadline, for a project in flight.
    A kill deadline the metric has met is behind the project: only the gate's date is ahead."""
    return Case(
        When(~Q(stage__in=ACTIVE_STAGES), then=Value(None)),
        When(Q(kill_deadline__isnull=True) | Q(threshold_met=True), then=F("gate_due")),
        When(gate_due__isnull=True, then=F("kill_deadline")),
        When(gate_due__lte=F("kill_deadline"), then=F("gate_due")),
        default=F("kill_deadline"),
        output_field=DateField(),
    )


# --- decisions ----------------------------------------------------------------------------


def is_superseded(decision: Any) -> bool:
    """Whether a later decision supersedes ``decision`` (read from the reverse one-to-one, which
    ``select_related("superseded_by")`` loads without a query)."""
    try:
        return decision.superseded_by is not None
    except decision.__class__.superseded_by.RelatedObjectDoesNotExist:
        return False


def stage_word(stage: str) -> str:
    """A stage's name inside a sentence: "the pilot", "the PoC"."""
    label = Stage(stage).label
    return label if label.isupper() or label == "PoC" else label.lower()


class _Criterion(Protocol):
    title: str


class _Status(Protocol):
    criterion: _Criterion
    met: bool


class GateView(Protocol):
    """What the outcome rule reads of a gate (``decisions.selectors.GateState``)."""

    gate: Any
    criteria: list
    extensions_used: int
    max_extensions: int

    @property
    def unmet(self) -> list: ...

    @property
    def all_met(self) -> bool: ...

    @property
    def total(self) -> int: ...


@dataclass(frozen=True)
class OutcomeContext:
    """Everything the outcome rule needs besides the decision itself."""

    gate: GateView
    next_gate_name: str | None  # the gate a go opens; None after the pilot
    timebox_start: date | None
    charter_decision_date: date | None  # the approved charter's, for a go at the charter gate
    kill_deadline: date | None  # the one an extension must move later
    kill_pending: bool
    kill_pending_since: date | None
    today: date
    superseding_extend: bool  # the decision corrected is an extension


def _check_date(
    errors: dict, field: str, value: date, *, today: date, timebox_start: date | None, what: str
) -> None:
    limit = today + DATE_HORIZON
    if value < today:
        errors[field] = [f"The {what} cannot be in the past."]
    elif value > limit:
        errors[field] = [
            f"The {what} can be at most a year ahead: give a date by {limit:%-d %b %Y}."
        ]
    elif timebox_start and value < timebox_start:
        errors[field] = [
            f"The {what} cannot be before the timebox starts ({timebox_start:%-d %b %Y})."
        ]


def kill_pending_message(since: date | None) -> str:
    when = f" on {since:%-d %b %Y}" if since else ""
    return (
        f"This PoC is kill pending: its kill deadline passed{when} without the metric reaching "
        "the sign-off threshold. Kill it, or extend it with a reason."
    )


def validate_outcome(
    *,
    outcome: str,
    context: OutcomeContext,
    rationale: str,
    reason_category: str,
    kill_reasons: Iterable[str],
    new_kill_deadline: date | None,
    new_decision_date: date | None,
) -> date | None:
    """Raise the rules an outcome breaks, field by field (a ``ValidationError``); otherwise
    return the decision date the decision sets: the gate's new one for an extend, the next
    gate's for a go (None otherwise)."""
    c = context
    gate = c.gate
    errors: dict[str, list[str]] = {}
    sets_date = None
    if outcome == "go":
        if c.kill_pending:
            errors["outcome"] = [kill_pending_message(c.kill_pending_since)]
        elif not gate.all_met:
            errors["outcome"] = [
                f"Go is refused: {len(gate.unmet)} of {gate.total} criteria are not met — "
                + "; ".join(s.criterion.title for s in gate.unmet)
                + "."
            ]
        if c.next_gate_name is None:
            if new_decision_date is not None:
                errors["new_decision_date"] = [
                    f"No gate follows {stage_word(gate.gate.to_stage)}: "
                    "leave the decision date empty."
                ]
        elif new_decision_date is not None:
            sets_date = new_decision_date
            _check_date(
                errors,
                "new_decision_date",
                new_decision_date,
                today=c.today,
                timebox_start=c.timebox_start,
                what=f"decision date of the {c.next_gate_name.lower()}",
            )
        elif gate.gate.from_stage == Stage.PROPOSED and c.charter_decision_date:
            # The charter's timebox ends in the decision the PoC leads to: the graduation gate.
            sets_date = c.charter_decision_date
        else:
            errors["new_decision_date"] = [
                f"Give the decision date of the {c.next_gate_name.lower()}: "
                f"when the {stage_word(gate.gate.to_stage)} will be decided."
            ]
    elif outcome == "kill":
        if reason_category not in set(kill_reasons):
            errors["reason_category"] = ["Choose why the project is killed."]
        if not rationale:
            errors["rationale"] = ["Say in a sentence or two why it stops."]
    elif outcome == "extend":
        used = gate.extensions_used - (1 if c.superseding_extend else 0)
        if used >= gate.max_extensions:
            errors["outcome"] = [
                f"This gate has already been extended {used}× — the organisation allows "
                f"{gate.max_extensions}. Decide go or kill."
            ]
        current = c.kill_deadline
        if new_kill_deadline is None:
            errors["new_kill_deadline"] = ["Give the new kill deadline."]
        elif current is not None and new_kill_deadline <= current:
            errors["new_kill_deadline"] = [
                "An extension gives more time: the new kill deadline must be later than the "
                f"current one ({current:%-d %b %Y})."
            ]
        else:
            _check_date(
                errors,
                "new_kill_deadline",
                new_kill_deadline,
                today=c.today,
                timebox_start=c.timebox_start,
                what="new kill deadline",
            )
        if new_decision_date is None:
            errors["new_decision_date"] = ["Give the new decision date."]
        elif new_kill_deadline and new_decision_date < new_kill_deadline:
            errors["new_decision_date"] = [
                "The decision date must be on or after the kill deadline."
            ]
        else:
            _check_date(
                errors,
                "new_decision_date",
                new_decision_date,
                today=c.today,
                timebox_start=c.timebox_start,
                what="new decision date",
            )
        sets_date = new_decision_date
        if not rationale:
            errors["rationale"] = [
                "Say why this PoC gets more time despite the missed threshold."
                if c.kill_pending
                else "Say what the extra time is for."
            ]
    else:
        errors["outcome"] = ["Choose go, kill or extend."]
    if errors:
        raise ValidationError(errors)
    return sets_date


def allowed_outcomes(*, kill_pending: bool) -> tuple[str, ...]:
    """The outcomes a decision-maker is offered: a kill-pending PoC has no go."""
    return ("kill", "extend") if kill_pending else ("go", "kill", "extend")


# --- milestones ---------------------------------------------------------------------------------


def milestones(in_force: Iterable[Any]) -> dict[str, Any]:
    """A project's milestones from its in-force decisions (a superseded go does not count): when
    the PoC started (the go at the charter gate), when it reached the pilot and production, and
    how it ended if it was killed. ``in_force`` are decisions (with their gate), oldest first."""
    out: dict[str, Any] = {
        "poc_started_at": None,
        "pilot_reached_at": None,
        "production_reached_at": None,
        "killed_at": None,
        "killed_from": "",
        "kill_reason": "",
        "killed_by_policy": False,
        "pivoted": False,
    }
    reached = {
        Stage.PROPOSED: "poc_started_at",
        Stage.POC: "pilot_reached_at",
        Stage.PILOT: "production_reached_at",
    }
    for d in in_force:
        # Where the decision was made: its gate's stage (a kill that corrects a go into the pilot
        # was made at the graduation gate: the PoC was killed, it never reached the pilot).
        at = d.gate.from_stage
        if d.outcome == "go" and at in reached and out[reached[at]] is None:
            out[reached[at]] = d.decided_at
        elif d.outcome == "kill":
            out.update(
                killed_at=d.decided_at,
                killed_from=at,
                kill_reason=d.reason_category,
                killed_by_policy=bool(d.decided_by_policy),
                pivoted=d.successor_id is not None,
            )
    return out
