"""A small server-rendered SVG chart of the success metric against its threshold and deadline.

No JavaScript library: the chart is an inline ``<svg role="img">`` with a <title> and <desc>
that say in words what it shows; the page also lists the readings as a table (the text
alternative for people who cannot see the picture).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 34


def _ts(d: date | datetime) -> float:
    if isinstance(d, datetime):
        return d.timestamp()
    return timezone.make_aware(datetime.combine(d, time(12))).timestamp()


def _fmt(v: Decimal | float) -> str:
    return f"{Decimal(str(v)).normalize():f}" if v is not None else ""


def kill_condition_chart(readings, kill, *, chart_id: str = "kc") -> SafeString:
    """``readings``: metric Measurements oldest first; ``kill``: a selectors.KillCondition."""
    if not readings and kill.threshold is None:
        return mark_safe("")
    today = kill.today or timezone.localdate()
    xs = [_ts(m.measured_at) for m in readings]
    if kill.deadline:
        xs.append(_ts(kill.deadline))
    xs.append(_ts(today))
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 86400:
        x0, x1 = x0 - 86400, x1 + 86400
    values = [float(m.value) for m in readings]
    for extra in (kill.threshold, kill.baseline, kill.target):
        if extra is not None:
            values.append(float(extra))
    y0, y1 = min(values), max(values)
    pad = (y1 - y0) * 0.12 or max(abs(y1) * 0.1, 1.0)
    y0, y1 = y0 - pad, y1 + pad

    def px(x: float) -> float:
        return round(LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT), 1)

    def py(y: float) -> float:
        return round(TOP + (y1 - y) / (y1 - y0) * (HEIGHT - TOP - BOTTOM), 1)

    parts: list[str] = []
    # Axes and value ticks.
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}"/>'
        f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}"/>'
    )
    for frac in (0, 0.5, 1):
        v = y0 + (y1 - y0) * frac
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{py(v) + 4}" text-anchor="end">{v:.3g}</text>'
        )
    parts.append(
        f'<text class="tick" x="{LEFT}" y="{HEIGHT - 10}">'
        f"{datetime.fromtimestamp(x0, tz=timezone.get_current_timezone()):%-d %b}</text>"
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 10}" text-anchor="end">'
        f"{datetime.fromtimestamp(x1, tz=timezone.get_current_timezone()):%-d %b}</text>"
    )
    if kill.threshold is not None:
        y = py(float(kill.threshold))
        parts.append(
            f'<line class="threshold" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>'
            f'<text class="label" x="{WIDTH - RIGHT - 4}" y="{y - 5}" text-anchor="end">'
            f"threshold {escape(_fmt(kill.threshold))}</text>"
        )
    if kill.deadline:
        x = px(_ts(kill.deadline))
        parts.append(
            f'<line class="deadline" x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}"/>'
            f'<text class="label" x="{x - 4}" y="{TOP + 10}" text-anchor="end">'
            f"deadline {kill.deadline:%-d %b}</text>"
        )
    tx = px(_ts(today))
    parts.append(
        f'<line class="today" x1="{tx}" y1="{HEIGHT - BOTTOM}" x2="{tx}" y2="{HEIGHT - BOTTOM + 5}"/>'
    )
    if readings:
        points = " ".join(f"{px(_ts(m.measured_at))},{py(float(m.value))}" for m in readings)
        parts.append(f'<polyline class="readings" points="{points}"/>')
        for m in readings:
            parts.append(
                f'<circle class="reading" cx="{px(_ts(m.measured_at))}" '
                f'cy="{py(float(m.value))}" r="3.5"><title>{escape(_fmt(m.value))} on '
                f"{m.measured_at:%-d %b %Y}</title></circle>"
            )

    latest = readings[-1] if readings else None
    desc = (
        f"{len(readings)} reading{'s' if len(readings) != 1 else ''} of "
        f"{kill.metric_name or 'the success metric'}"
        + (
            f"; the latest is {_fmt(latest.value)} on {latest.measured_at:%-d %b %Y}"
            if latest
            else ""
        )
        + (f"; threshold {_fmt(kill.threshold)}" if kill.threshold is not None else "")
        + (f"; kill deadline {kill.deadline:%-d %b %Y}" if kill.deadline else "")
        + f". Status: {kill.label}."
    )
    return format_html(
        '<svg class="kc-chart kc-{}" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">Success metric against the kill condition</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        kill.status,
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        chart_id,
        desc,
        mark_safe("".join(parts)),  # noqa: S308 - every piece above is a number or escaped
    )
