"""How a version reads: its sections as label/value rows, and a diff between two versions."""

from __future__ import annotations

import difflib
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from . import rules
from .models import CharterVersion
from .sections import GOALPOST_FIELDS, METRIC_VALUE_FIELDS, MONEY_FIELDS, PEOPLE_FIELDS, SECTIONS


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    if "." in text:
        whole, frac = text.split(".")
    else:
        whole, frac = text, ""
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def display(version: CharterVersion, field: str) -> str:
    """The value as a person reads it ('' when empty)."""
    value = getattr(version, field)
    if value in (None, ""):
        return ""
    if field in PEOPLE_FIELDS:
        return str(value)
    if field == "metric_direction":
        return version.get_metric_direction_display()
    if field == "data_classification":
        return version.get_data_classification_display()
    if field in MONEY_FIELDS:
        return f"{version.currency} {_number(value)}"
    if field == "cost_per_call":
        return f"{version.currency} {_number(value)} per call"
    if field == "latency_p95_ms":
        return f"{value:,} ms"
    if field in METRIC_VALUE_FIELDS:
        unit = f" {version.metric_unit}" if version.metric_unit else ""
        return f"{_number(value)}{unit}"
    if isinstance(value, Decimal):
        return _number(value)
    if hasattr(value, "strftime"):
        return value.strftime("%-d %b %Y")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _label(field: str) -> str:
    label = str(CharterVersion._meta.get_field(field).verbose_name)
    return label[0].upper() + label[1:]


def _row_text(related: str, row) -> str:
    if related == "data_sources":
        bits = [row.name, f"owner {row.owner_name}" if row.owner_name else "no owner named"]
        bits.append("production data" if row.from_production else "NOT production data")
        bits.append(row.get_sensitivity_display().lower())
        if row.residency:
            bits.append(row.residency)
        return " · ".join(bits)
    bits = [row.system, row.get_direction_display().lower()]
    bits.append(f"owned by {row.owning_team}" if row.owning_team else "no owning team")
    if row.estimate_weeks is not None:
        bits.append(f"{_number(row.estimate_weeks)} weeks")
    return " · ".join(bits)


def row_lines(version: CharterVersion, related: str) -> list[str]:
    return [_row_text(related, r) for r in getattr(version, related).all()]


def render_rows(version: CharterVersion) -> list[dict]:
    """[{section, items: [(label, value, field, warnings)]}] for the read-only page."""
    notes = rules.warnings(version)
    out = []
    for section in SECTIONS:
        items = [
            (_label(f), display(version, f), f, notes.get(f, []))
            for f in section.fields
            if f != "currency"
        ]
        lines = row_lines(version, section.rows) if section.rows else []
        out.append(
            {
                "section": section,
                "items": items,
                "lines": lines,
                "kill_sentence": rules.kill_sentence(version) if section.key == "kill" else "",
            }
        )
    return out


def _words_diff(old: str, new: str) -> SafeString:
    """Inline word diff: removed words struck through, added words marked."""
    a, b = old.split(), new.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", " ".join(b[j1:j2])))
    return mark_safe(" ".join(parts))  # noqa: S308 -- every part is escaped above


def compare(a: CharterVersion, b: CharterVersion) -> list[dict]:
    """One row per field or list that differs between ``a`` and ``b``, in section order."""
    rows = []
    for section in SECTIONS:
        for field in section.fields:
            old, new = display(a, field), display(b, field)
            if old != new:
                rows.append(
                    {
                        "section": section,
                        "label": _label(field),
                        "old": old,
                        "new": new,
                        "inline": _words_diff(old, new),
                        "goalpost": field in GOALPOST_FIELDS,
                    }
                )
        if section.rows:
            old_lines, new_lines = row_lines(a, section.rows), row_lines(b, section.rows)
            if old_lines != new_lines:
                rows.append(
                    {
                        "section": section,
                        "label": "Data sources"
                        if section.rows == "data_sources"
                        else "Integrations",
                        "old": "\n".join(old_lines),
                        "new": "\n".join(new_lines),
                        "inline": mark_safe(  # noqa: S308 -- built from escaped parts
                            "<br>".join(
                                format_html("<del>{}</del>", line)
                                for line in old_lines
                                if line not in new_lines
                            )
                            + ("<br>" if set(old_lines) - set(new_lines) else "")
                            + "<br>".join(
                                format_html("<ins>{}</ins>", line)
                                for line in new_lines
                                if line not in old_lines
                            )
                        ),
                        "goalpost": False,
                    }
                )
    return rows
