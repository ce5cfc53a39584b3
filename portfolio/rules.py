"""The portfolio's rules that need no database: the sentences a refused change reads, and
which of a project's fields the approved charter governs (DOMAIN.md "Dates are moved by
decisions"). ``portfolio.services`` enforces them; forms and other apps reuse the words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError

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


# --- free text: names and descriptions --------------------------------------------------------
# Control characters are refused, not stripped: they are invisible, so a silent strip would
# store something other than what the person believes they sent (and two names that look alike
# could still differ); a refusal says what is wrong and the form keeps what was typed. An ANSI
# escape in a name rewrites the terminal of whoever reads a log or a CSV export; a direction
# override makes a name read backwards. Names are one line: no line break or tab either. Long
# text (a summary, a rationale) keeps its line breaks and tabs.
_C1 = range(0x7F, 0xA0)  # DEL and the C1 controls
# Bidi embeddings, overrides and isolates, and the Unicode line and paragraph separators.
_FORMATTING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
_LINE_BREAKS_AND_TABS = frozenset("\t\n\r")
CONTROL_IN_NAME = (
    "Remove the invisible control character (an escape, a line break, a tab or a "
    "text-direction override): a name is one line of plain text."
)
CONTROL_IN_TEXT = (
    "Remove the invisible control character (an escape or a text-direction override); line "
    "breaks and tabs are fine."
)


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether ``value`` holds a C0 or C1 control, DEL or a bidi override — line breaks and
    tabs allowed when ``multiline``."""
    for char in value:
        code = ord(char)
        if code < 0x20:
            if not (multiline and char in _LINE_BREAKS_AND_TABS):
                return True
        elif code in _C1 or char in _FORMATTING:
            return True
    return False


def validate_name(value: object) -> None:
    """The validator of every name and title: a form's, a serializer's, the admin's."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_IN_NAME, code="control_character")


def validate_text(value: object) -> None:
    """The validator of long text (summaries, descriptions, rationales)."""
    if isinstance(value, str) and has_control_characters(value, multiline=True):
        raise ValidationError(CONTROL_IN_TEXT, code="control_character")


def text_errors(
    values: Mapping[str, object], *, names: tuple[str, ...] = (), texts: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """The services' check: the refusal for each of ``names`` and ``texts`` in ``values``
    holding a control character."""
    errors: dict[str, list[str]] = {}
    for fields, validate in ((names, validate_name), (texts, validate_text)):
        for field in fields:
            try:
                validate(values.get(field))
            except ValidationError as exc:
                errors[field] = exc.messages
    return errors
