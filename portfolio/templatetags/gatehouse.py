"""Template filters shared by every app: ``{% load gatehouse %}``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def num(value, places: int = 4) -> str:
    """A measured number as people write it: at most ``places`` decimals, no trailing zeros.

    55.8400 → "55.84", 0.1000 → "0.1", 2000 → "2000", None → "".
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    rounded = number.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    text = format(rounded.normalize(), "f")
    return "0" if text in ("-0", "") else text


@register.filter
def page_window(page_obj) -> list:
    """The page numbers a pagination bar shows — the first, the last, the current ±2 — with None
    for each gap: a bar whose size does not grow with the number of pages."""
    paginator = page_obj.paginator
    return [
        None if n == paginator.ELLIPSIS else n
        for n in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]


@register.filter
def ago(value) -> str:
    """How long ago, to the largest unit, for a column that has to stay narrow: "3 hours ago",
    "2 weeks ago", "just now" (the exact time goes in a title). None → ""."""
    if not value:
        return ""
    text = timesince(value, depth=1)
    return "just now" if text.startswith("0\xa0") else f"{text} ago"
