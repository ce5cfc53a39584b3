"""The charter's sections on the project page and the home page (see portfolio.panels)."""

from __future__ import annotations

from portfolio.models import Stage
from portfolio.panels import Badge

from . import permissions, selectors
from .models import Status


def project_panel(request, project) -> dict:
    versions = selectors.project_versions(project)  # shared with the flags and the gate
    version = versions[0] if versions else None
    charter = version.charter if version else None
    context = {
        "charter": charter,
        "version": version,
        "can_edit": permissions.can_edit_charter(request.user, project),
        "flags": selectors.risk_flags(project),
    }
    if version is None:
        return context
    approved = next((v for v in versions if v.status == Status.APPROVED), None)
    context.update(
        approved=approved,
        signatures=selectors.signature_status(version)
        if version.status in (Status.IN_REVIEW, Status.APPROVED)
        else [],
        my_roles=selectors.roles_to_sign(version, request.user)
        if version.status == Status.IN_REVIEW
        else [],
        can_sign=permissions.can_sign(request.user, version),
    )
    if version.status == Status.DRAFT:
        context.update(
            completeness=selectors.completeness(version),
            missing_count=len(selectors.missing_items(version)),
        )
    return context


def home_panel(request) -> dict | None:
    versions = selectors.awaiting_signature(request.user)
    if not versions:
        return None
    return {"versions": versions}


def pm_home_panel(request) -> dict | None:
    """A PM's charters in progress: how complete each draft is and what it still needs, or whose
    signatures an in-review version waits for."""
    versions, count = selectors.pm_open_versions(request.user)
    if not versions:
        return None
    # Who may be named in each organisation, read once for every draft shown.
    members, executives = selectors.members_and_executives(
        {v.charter.project.organisation_id for v in versions}
    )
    rows = []
    for version in versions:
        if version.status == Status.DRAFT:
            org = version.charter.project.organisation_id
            missing = selectors.missing_items(
                version, members=members[org], executives=executives[org]
            )
            rows.append(
                {
                    "version": version,
                    "complete": selectors.completeness(version),
                    "missing": len(missing),
                }
            )
        else:
            waiting = [r for r in selectors.signature_status(version) if not r["signature"]]
            rows.append({"version": version, "waiting": waiting})
    return {"rows": rows, "count": count}


def list_badges(projects) -> dict[int, list[Badge]]:
    """Goalposts moved and risk flags for one page of the project list: four queries."""
    goalposts = selectors.goalposts_for_projects(projects)
    flags = selectors.risk_flags_for_projects(p for p in projects if p.stage != Stage.KILLED)
    out: dict[int, list[Badge]] = {}
    for project in projects:
        badges = out.setdefault(project.pk, [])
        moved = goalposts.get(project.pk)
        if moved:
            badges.append(
                Badge(
                    f"goalposts moved {moved}×",
                    tone="danger",
                    title="Approved amendments changed the success metric, threshold or kill "
                    "deadline",
                    testid="goalposts",
                )
            )
        badges.extend(_flag_badges(flags.get(project.pk) or []))
    return out


LIST_FLAGS_SHOWN = 3


def _flag_badges(flags: list) -> list[Badge]:
    """Up to three flags by their short names, then "+N more"; each badge carries the full
    wording (hover, and read out by screen readers), the project page lists them all."""
    shown = flags[:LIST_FLAGS_SHOWN]
    badges = [
        Badge(flag.short, tone="warning", title=f"Risk flag: {flag.label}", testid="risk-flag")
        for flag in shown
    ]
    rest = flags[len(shown) :]
    if rest:
        badges.append(
            Badge(
                f"+{len(rest)} more",
                tone="muted",
                title="More risk flags: " + "; ".join(f.label for f in rest),
                testid="risk-flags-more",
            )
        )
    return badges
