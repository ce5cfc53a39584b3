"""The dashboard's server-rendered SVG charts: the cohort funnel as horizontal bars, and the
graduation rate of the quarterly cohorts as a small bar sparkline.

As in ``decisions.charts``: no JavaScript library, an inline ``<svg role="img">`` whose <title>
and <desc> say in words what it shows, and the page puts the same numbers in a table beside
it (the text alternative, and where the links to the projects are).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .dashboard import Figure, Funnel, TrendRow

# No viewBox: the chart is as wide as its column and its text keeps its size, on a phone as on
# a desktop. Each bar's length is a percentage of the width; its label sits above it, its number
# at the right end of the label's line.
ROW = 40  # px per bar: the label's line, then the bar
BAR = 13
GROUP_GAP = 10


def _count(figure: Figure) -> int:
    return int(figure.value or 0)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def funnel_chart(funnel: Funnel, *, period_label: str, chart_id: str = "funnel") -> SafeString:
    """Started → reached pilot → reached production, then the kills per stage and the PoCs
    still in flight, each a bar scaled to the cohort."""
    groups: list[list[tuple[str, int, str]]] = [
        [
            (funnel.started.label, _count(funnel.started), "started"),
            (funnel.reached_pilot.label, _count(funnel.reached_pilot), "reached"),
            (funnel.reached_production.label, _count(funnel.reached_production), "production"),
        ],
        [(f.label, _count(f), "killed") for f in funnel.killed],
        [(f.label, _count(f), "flight") for f in funnel.in_flight],
    ]
    largest = max([1, *(n for group in groups for _, n, _ in group)])
    parts: list[str] = []
    y = 0
    for i, group in enumerate(groups):
        if i:
            y += GROUP_GAP
        for label, n, kind in group:
            share = round(100 * n / largest, 1)
            parts.append(
                f'<text class="label" x="0" y="{y + 14}">{escape(label)}</text>'
                f'<text class="value" x="100%" y="{y + 14}" text-anchor="end">{n}</text>'
                f'<rect class="track" x="0" y="{y + 20}" width="100%" height="{BAR}" rx="3"/>'
                f'<rect class="bar bar-{kind}" x="0" y="{y + 20}" width="{share}%" '
                f'height="{BAR}" rx="3"/>'
            )
            y += ROW
    height = y

    started = _count(funnel.started)
    rate = funnel.graduation_rate.shown
    killed = ", ".join(f"{_count(f)} {f.label.removeprefix('Killed ')}" for f in funnel.killed)
    flight = ", ".join(f"{_count(f)} {f.label.removeprefix('Still ')}" for f in funnel.in_flight)
    desc = (
        f"Of {_plural(started, 'project')} whose PoC started ({period_label}), "
        f"{_count(funnel.reached_pilot)} reached pilot and "
        f"{_count(funnel.reached_production)} reached production: a graduation rate of "
        f"{rate}{'%' if funnel.graduation_rate.value is not None else ''}. "
        f"Killed: {killed}. Still in flight: {flight}."
    )
    return format_html(
        '<svg class="dash-chart funnel-chart" width="100%" height="{}" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">The funnel of the cohort: {}</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        height,
        chart_id,
        chart_id,
        chart_id,
        period_label,
        chart_id,
        desc,
        mark_safe("".join(parts)),  # noqa: S308 - every piece above is a number or escaped
    )


SPARK_HEIGHT = 96
SPARK_TOP = 16  # room for a bar's percentage above it
SPARK_BOTTOM = 18  # room for the quarter's name under it


def _short(period) -> str:
    """ "2026-Q3" → "Q3 ’26": a quarter's name that fits under its bar on a phone."""
    year, _, quarter = period.key.partition("-")
    return f"{quarter} ’{year[2:]}" if quarter else period.label


def trend_chart(rows: Sequence[TrendRow], *, chart_id: str = "trend") -> SafeString:
    """The graduation rate of each quarterly cohort as a bar (0–100 %), oldest first; a
    quarter in which no PoC started has no bar, only a dash on the baseline."""
    if not rows:
        return mark_safe("")
    slot = 100 / len(rows)
    base = SPARK_HEIGHT - SPARK_BOTTOM
    tallest = base - SPARK_TOP
    parts = [f'<line class="axis" x1="0" y1="{base}" x2="100%" y2="{base}"/>']
    words = []
    for i, row in enumerate(rows):
        x = round(i * slot + slot * 0.2, 2)
        middle = round(i * slot + slot / 2, 2)
        width = round(slot * 0.6, 2)
        value = row.graduation_rate.value
        if value is None:
            parts.append(
                f'<line class="none" x1="{x}%" y1="{base - 1}" x2="{round(x + width, 2)}%" '
                f'y2="{base - 1}"/>'
            )
            words.append(f"{row.period.label}: no PoC started")
        else:
            h = max(round(tallest * float(value) / 100, 1), 2)
            parts.append(
                f'<rect class="bar bar-production" x="{x}%" y="{base - h}" width="{width}%" '
                f'height="{h}"/>'
                f'<text class="value" x="{middle}%" y="{base - h - 4}" text-anchor="middle">'
                f"{escape(row.graduation_rate.shown)}%</text>"
            )
            words.append(f"{row.period.label}: {row.graduation_rate.shown}%")
        parts.append(
            f'<text class="tick" x="{middle}%" y="{SPARK_HEIGHT - 3}" text-anchor="middle">'
            f"{escape(_short(row.period))}</text>"
        )
    return format_html(
        '<svg class="dash-chart trend-chart" width="100%" height="{}" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">Graduation rate by quarterly cohort</title>'
        '<desc id="{}-desc">{}.</desc>{}</svg>',
        SPARK_HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        chart_id,
        "; ".join(words),
        mark_safe("".join(parts)),  # noqa: S308 - every piece above is a number or escaped
    )
