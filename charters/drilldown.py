"""The project list's drill-down filters on charters: moved goalposts and risk flags.
Registered in ``portfolio.hooks.project_filters`` (``ChartersConfig.ready``)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from portfolio.hooks import ProjectFilterSpec, project_filters

from . import selectors

GOALPOSTS = {
    "moved": ("charter__goalposts_moved__gt", "Goalposts moved"),
    "lowered": ("charter__bar_lowered__gt", "The bar went down"),
    "raised": ("charter__bar_raised__gt", "The bar went up"),
}


def goalposts(qs: QuerySet, value: str, today: date) -> QuerySet:
    if value not in GOALPOSTS:
        raise ValueError("goalposts takes moved, lowered or raised.")
    return qs.filter(**{GOALPOSTS[value][0]: 0})


def risk_flag(qs: QuerySet, value: str, today: date) -> QuerySet:
    """Projects raising a risk flag. The flags are the charter rules' own (Python, from the
    approved or latest version): computed for the projects of ``qs`` and narrowed to those ids."""
    if value not in selectors.FLAGS:
        raise ValueError(f"Unknown risk flag {value!r}.")
    flagged = selectors.risk_flags_for_projects(
        qs.order_by().only(
            "pk", "stage", "production_owner_id", "timebox_start", "timebox_end", "decision_date"
        )
    )
    return qs.filter(
        pk__in=[pk for pk, flags in flagged.items() if any(f.key == value for f in flags)]
    )


def register() -> None:
    project_filters.register(
        ProjectFilterSpec("goalposts", goalposts, lambda v: GOALPOSTS.get(v, ("", v))[1])
    )
    project_filters.register(
        ProjectFilterSpec(
            "risk_flag",
            risk_flag,
            lambda v: f"Risk flag: {selectors.FLAGS[v][0] if v in selectors.FLAGS else v}",
        )
    )
