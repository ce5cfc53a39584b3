"""The charter's validation rules (DOMAIN.md "The charter"), as plain functions.

``check(version, member_ids, saving=..., executive_ids=...)`` returns ``{field: [message]}``.
A rule that spans two sections reports on the field of the section being saved — the one the
user can fix right now — and stays silent while one of its sides is still empty. With
``saving=None`` (submit, completeness) each rule reports on its main field.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from portfolio.rules import (
    DATE_OUT_OF_RANGE,
    DECISION_MAKER_NOT_EXECUTIVE,
    date_in_range,
    text_errors,
)

from .sections import (
    MAX_ROWS,
    NAME_FIELDS,
    PEOPLE_FIELDS,
    SECTION_OF_FIELD,
    SECTIONS,
    TEXT_FIELDS,
)

RECOMMENDED_TIMEBOX = timedelta(weeks=8)
WEEK = timedelta(days=7)
# Checked against the years a plan is made in (portfolio.rules: the project's dates too).
DATE_FIELDS = (
    "kill_deadline",
    "compliance_review_due",
    "timebox_start",
    "timebox_end",
    "decision_date",
)
NOT_A_MEMBER = "This person is not a member of the project's organisation."
NOT_AN_EXECUTIVE = DECISION_MAKER_NOT_EXECUTIVE  # one sentence wherever the rule is met
NON_NEGATIVE = (
    "cost_per_call",
    "ops_budget",
    "cost_monthly_1x",
    "cost_monthly_5x",
    "cost_monthly_20x",
    "eval_set_size",
)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


# A unit that says the metric is a share of something: its values run from 0 to 100.
PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage"})
PERCENT_FIELDS = ("metric_baseline", "metric_target", "threshold")


def is_percentage(unit: str | None) -> bool:
    return (unit or "").strip().lower() in PERCENT_UNITS


def percentage_problem(value: Decimal | None) -> str:
    """The refusal of ``value`` as a percentage; "" when it lies between 0 and 100."""
    if value is None or 0 <= value <= 100:
        return ""
    side = "above 100" if value > 100 else "below 0"
    return f"The unit is %, and a percentage runs from 0 to 100: {_num(value)} is {side}."


def too_many_rows(related: str, count: int) -> str:
    """The refusal when a section would hold ``count`` rows of ``related``; "" within the cap."""
    if count <= MAX_ROWS:
        return ""
    section = next(s for s in SECTIONS if s.rows == related)
    return (
        f"Section {section.number} “{section.title}” holds at most {MAX_ROWS} rows; "
        f"this would make {count}."
    )


def plain_number(value: Decimal) -> str:
    """A stored decimal as a person typed it: 61 and 0.1, not 61.0000 and 0.1000."""
    return format(value.normalize(), "f")


def _num(value: Decimal) -> str:
    return plain_number(value) if isinstance(value, Decimal) else str(value)


def _date(value) -> str:
    return value.strftime("%-d %b %Y")


def _in(field: str, saving: str | None) -> bool:
    return saving is None or SECTION_OF_FIELD[field].key == saving


def plus_days(day: date | None, days: int) -> date | None:
    """``day`` + ``days``, or None when there is no such date (year 1 or 9999)."""
    if day is None:
        return None
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def end_of_week_one(timebox_start: date | None) -> date | None:
    return plus_days(timebox_start, WEEK.days)


def check(
    v,
    member_ids: set[int],
    saving: str | None = None,
    *,
    executive_ids: set[int] | None = None,
) -> dict[str, list[str]]:
    """Rule problems of ``v``. The decision-maker's executive role is checked only when
    ``executive_ids`` is given."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    # No control character in a name (one line) or in prose (line breaks and tabs allowed).
    texts = {f: getattr(v, f) for f in (*NAME_FIELDS, *TEXT_FIELDS)}
    for field, messages in text_errors(texts, names=NAME_FIELDS, texts=TEXT_FIELDS).items():
        if _in(field, saving):
            for message in messages:
                add(field, message)

    # An absurd date gets one message; the rules comparing dates wait until it is fixed.
    dates = {}
    for field in DATE_FIELDS:
        value = getattr(v, field)
        if not date_in_range(value):
            if _in(field, saving):
                add(field, DATE_OUT_OF_RANGE)
            value = None
        dates[field] = value

    # Amounts and sizes are never negative.
    for field in NON_NEGATIVE:
        value = getattr(v, field)
        if _in(field, saving) and value is not None and value < 0:
            add(field, "Must be zero or more.")
    if _in("latency_p95_ms", saving) and v.latency_p95_ms is not None and v.latency_p95_ms <= 0:
        add("latency_p95_ms", "Must be a positive number of milliseconds.")
    if _in("currency", saving) and v.currency and not CURRENCY_RE.match(v.currency):
        add("currency", "Use a three-letter currency code such as EUR or USD.")

    # A percentage is implausible above 100 or below 0 ("85,5" once arrived as 855).
    if is_percentage(v.metric_unit):
        for field in PERCENT_FIELDS:
            problem = percentage_problem(getattr(v, field))
            if problem and _in(field, saving):
                add(field, problem)

    # Target beats baseline in the metric's direction (one section).
    direction, baseline, target = v.metric_direction, v.metric_baseline, v.metric_target
    metric_ok = True
    if _in("metric_target", saving) and direction and baseline is not None and target is not None:
        if direction == "higher" and not target > baseline:
            add(
                "metric_target",
                f"Higher is better, so the target must be above the baseline ({_num(baseline)}).",
            )
            metric_ok = False
        elif direction == "lower" and not target < baseline:
            add(
                "metric_target",
                f"Lower is better, so the target must be below the baseline ({_num(baseline)}).",
            )
            metric_ok = False

    # The threshold lies between baseline (exclusive) and target (inclusive).
    threshold = v.threshold
    if (
        metric_ok
        and direction
        and None not in (baseline, target, threshold)
        and (saving in (None, "threshold", "metric"))
    ):
        low, high = (baseline, target) if direction == "higher" else (target, baseline)
        inside = (low < threshold <= high) if direction == "higher" else (low <= threshold < high)
        if not inside:
            if saving == "metric":
                add(
                    "metric_target",
                    f"The sign-off threshold ({_num(threshold)}, section 3) would no longer lie "
                    "between this baseline and target; change the threshold first.",
                )
            else:
                add(
                    "threshold",
                    f"The threshold must lie between the baseline ({_num(baseline)}) and the "
                    f"target ({_num(target)}).",
                )

    # The timebox itself.
    start, end, decision = dates["timebox_start"], dates["timebox_end"], dates["decision_date"]
    if _in("timebox_end", saving) and start and end and end < start:
        add("timebox_end", "The timebox cannot end before it starts.")
    if _in("decision_date", saving) and start and decision and decision < start:
        add("decision_date", "The decision date cannot be before the timebox starts.")

    # The kill deadline falls inside the timebox; the decision comes on or after it.
    deadline = dates["kill_deadline"]
    if deadline:
        if start and deadline < start:
            if saving == "timebox":
                add(
                    "timebox_start",
                    f"The timebox must contain the kill deadline ({_date(deadline)}, section 4).",
                )
            elif saving in (None, "kill"):
                add(
                    "kill_deadline",
                    f"The kill deadline must fall inside the timebox, which starts {_date(start)}.",
                )
        if end and deadline > end:
            if saving == "timebox":
                add(
                    "timebox_end",
                    f"The timebox must contain the kill deadline ({_date(deadline)}, section 4).",
                )
            elif saving in (None, "kill"):
                add(
                    "kill_deadline",
                    f"The kill deadline must fall inside the timebox, which ends {_date(end)}.",
                )
        if decision and decision < deadline:
            if saving == "timebox":
                add(
                    "decision_date",
                    f"The decision date must be on or after the kill deadline ({_date(deadline)}).",
                )
            elif saving in (None, "kill"):
                add(
                    "kill_deadline",
                    f"The kill deadline must be on or before the decision date ({_date(decision)}).",
                )

    # Named people are members of the project's organisation; the decision-maker an executive.
    for field in PEOPLE_FIELDS:
        pk = getattr(v, f"{field}_id")
        if _in(field, saving) and pk and pk not in member_ids:
            add(field, NOT_A_MEMBER)
    pk = v.decision_maker_id
    if (
        executive_ids is not None
        and _in("decision_maker", saving)
        and pk
        and pk in member_ids
        and pk not in executive_ids
    ):
        add("decision_maker", NOT_AN_EXECUTIVE)
    return errors


def warnings(v) -> dict[str, list[str]]:
    """Allowed, but worth saying: shown next to the field, never blocking."""
    out: dict[str, list[str]] = {}
    if v.timebox_start and v.timebox_end and v.timebox_end - v.timebox_start > RECOMMENDED_TIMEBOX:
        weeks = (v.timebox_end - v.timebox_start).days / 7
        out["timebox_end"] = [
            f"This timebox is {weeks:.0f} weeks; six to eight are recommended. It will be flagged."
        ]
    week_one = end_of_week_one(v.timebox_start)
    if week_one and v.compliance_review_due and v.compliance_review_due > week_one:
        out["compliance_review_due"] = [
            "The review is due after the end of week 1. It will be flagged."
        ]
    return out


def kill_sentence(v) -> str:
    """Section 4 as the sentence everyone signs: "If <metric> is not ≥ <threshold> <unit> by
    <date>, the PoC stops." Unfilled parts are named so the gap shows."""
    metric = v.metric_name or "the success metric"
    if v.threshold is not None:
        unit = f" {v.metric_unit}" if v.metric_unit else ""
        threshold = f"{_num(v.threshold)}{unit}"
    else:
        threshold = "the sign-off threshold"
    deadline = _date(v.kill_deadline) if v.kill_deadline else "the kill deadline"
    if v.metric_direction == "higher":
        condition = f"is not ≥ {threshold}"
    elif v.metric_direction == "lower":
        condition = f"is not ≤ {threshold}"
    else:
        condition = f"has not reached {threshold}"
    return f"If {metric} {condition} by {deadline}, the PoC stops."


def bar_moved(old: Decimal | None, new: Decimal | None, direction: str) -> str:
    """Whether an amendment moved the sign-off threshold down ("lowered": easier to pass, in the
    metric's direction), up ("raised"), or not at all ("")."""
    if old is None or new is None or old == new:
        return ""
    easier = new < old if direction != "lower" else new > old
    return "lowered" if easier else "raised"
