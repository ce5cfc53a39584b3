"""Periods as they travel in a URL: the dashboard's cohort period and the project list filters
that drill into it share this one reading of "2026-Q3", "2026", "12m" or "all".

Pure: no database, no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date | None  # None: since the beginning
    end: date | None  # None: until today (inclusive)

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def lookup(self, field: str) -> dict:
        """Django filter kwargs restricting ``field`` (a date or date-time) to the period."""
        out = {}
        if self.start is not None:
            out[f"{field}__date__gte" if field.endswith("_at") else f"{field}__gte"] = self.start
        if self.end is not None:
            out[f"{field}__date__lte" if field.endswith("_at") else f"{field}__lte"] = self.end
        return out


ALL = Period("all", "All time", None, None)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * (q - 1) + 1, 1)
    end = (date(year + (q == 4), (3 * q) % 12 + 1, 1)) - timedelta(days=1)
    return Period(f"{year}-Q{q}", f"Q{q} {year}", start, end)


def last_quarters(today: date, n: int) -> list[Period]:
    """The ``n`` quarters up to and including today's, oldest first."""
    year, q = quarter_of(today)
    out = []
    for _ in range(n):
        out.append(quarter(year, q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return list(reversed(out))


def parse(key: str | None, *, today: date) -> Period | None:
    """The period a URL names, or None when it names none that exists."""
    key = (key or "").strip()
    if key in ("", "all"):
        return ALL
    if key == "12m":
        return Period("12m", "Last 12 months", today - timedelta(days=365), today)
    if key.isdigit() and len(key) == 4 and 2000 <= int(key) <= 2100:
        year = int(key)
        return Period(key, str(year), date(year, 1, 1), date(year, 12, 31))
    if len(key) == 7 and key[4:6] == "-Q" and key[:4].isdigit() and key[6] in "1234":
        year = int(key[:4])
        if 2000 <= year <= 2100:
            return quarter(year, int(key[6]))
    return None


def choices(today: date) -> list[tuple[str, str]]:
    """The periods the dashboard offers: all time, the last 12 months, this year and last,
    and the last eight quarters (newest first)."""
    return [
        (ALL.key, ALL.label),
        ("12m", "Last 12 months"),
        (str(today.year), str(today.year)),
        (str(today.year - 1), str(today.year - 1)),
        *[(p.key, p.label) for p in reversed(last_quarters(today, 8))],
    ]
