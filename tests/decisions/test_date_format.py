"""One date format everywhere: "1 Nov 2026", as the templates write it ("j M Y"), never
"01 Nov 2026" beside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from decisions.selectors import KillCondition
from portfolio.models import KillStatus


def test_the_kill_condition_sentence_writes_the_day_without_a_leading_zero():
    kill = KillCondition(
        status=KillStatus.ON_TRACK,
        metric_name="Routing accuracy",
        unit="%",
        direction="higher",
        threshold=Decimal("75"),
        deadline=date(2026, 11, 1),
    )
    assert kill.sentence == "Routing accuracy ≥ 75 % by 1 Nov 2026"


def test_the_decision_rules_write_their_dates_the_same_way():
    from decisions.rules import kill_pending_message

    assert "passed on 5 Nov 2026 without" in kill_pending_message(date(2026, 11, 5))
