"""The portfolio's rules that need no database: the sentences a refused change reads, and
which of a project's fields the approved charter governs (DOMAIN.md "Dates are moved by
decisions"). ``portfolio.services`` enforces them; forms and other apps reuse the words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

NOT_A_MEMBER = "This person is not a member of the project's organisation."
DECISION_MAKER_NOT_EXECUTIVE = "The decision-maker must be an executive of the organisation."

# A project plans weeks ahead, not centuries: a date outside these years is a typing mistake
# (and 9999-12-31 plus a week does not exist). The charter's dates follow the same rule.
FIRST_YEAR, LAST_YEAR = 2000, 2100
DATE_OUT_OF_RANGE = f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."


def date_in_range(value: date | None) -> bool:
    """Whether ``value`` (a date a person plans by) is plausible; no date is not wrong here."""
    return value is None or FIRST_YEAR <= value.year <= LAST_YEAR


def date_range_errors(dates: Mapping[str, date | None]) -> dict[str, list[str]]:
    """``DATE_OUT_OF_RANGE`` for each of ``dates`` outside the years a plan is made in."""
    return {
        field: [DATE_OUT_OF_RANGE] for field, value in dates.items() if not date_in_range(value)
    }


# Once the charter is approved these move only by a decision (an extension; a go setting the
# next gate's date) or by an amendment, which counts as goalposts moved.
SCHEDULE_FIELDS = ("timebox_start", "timebox_end", "decision_date")
# The owners who sign the charter: changing one after approval is an amendment they sign.
SIGNER_FIELDS = ("business_owner", "production_owner", "decision_maker")

DATE_MOVED_BY_DECISION = (
    "The charter is approved, so this date no longer moves by hand. The decision-maker moves it "
    "by a decision (an extension at the gate, or the go that sets the next gate's date), or the "
    "PM amends the charter — a moved date then counts as goalposts moved."
)
SIGNER_CHANGED_BY_AMENDMENT = (
    "The approved charter names this person, and they signed it. To name someone else, amend "
    "the charter: the new person signs the amendment."
)


def locked_field_errors(*, locked: bool, changed: set[str]) -> dict[str, list[str]]:
    """The refusal for each changed field the approved charter governs (none while unlocked)."""
    if not locked:
        return {}
    errors: dict[str, list[str]] = {}
    for field in sorted(changed):
        if field in SCHEDULE_FIELDS:
            errors[field] = [DATE_MOVED_BY_DECISION]
        elif field in SIGNER_FIELDS:
            errors[field] = [SIGNER_CHANGED_BY_AMENDMENT]
    return errors
