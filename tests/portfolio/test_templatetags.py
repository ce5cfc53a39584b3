"""Numbers and times on pages read as people write them."""

from decimal import Decimal

import pytest

from portfolio.templatetags.gatehouse import num


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("55.8400"), "55.84"),
        (Decimal("0.1000"), "0.1"),
        (Decimal("2000.0000"), "2000"),
        (Decimal("0.00004"), "0"),
        (Decimal("0.00005"), "0.0001"),
        (Decimal("-1.5000"), "-1.5"),
        (72.5, "72.5"),
        (None, ""),
        ("n/a", "n/a"),
    ],
)
def test_num_drops_trailing_zeros_and_rounds_to_four_places(value, shown):
    assert num(value) == shown


def test_ago_says_how_long_ago_to_the_largest_unit():
    from datetime import timedelta

    from django.utils import timezone

    from portfolio.templatetags.gatehouse import ago

    now = timezone.now()
    assert ago(now - timedelta(hours=3, minutes=14)) == "3\xa0hours ago"
    assert ago(now - timedelta(days=16)) == "2\xa0weeks ago"
    assert ago(now - timedelta(seconds=20)) == "just now"
    assert ago(None) == ""
