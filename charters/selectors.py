"""Reads about charters that span models. Each runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import OuterRef, Prefetch, Q, Subquery

from portfolio.models import Membership, Project
from portfolio.scoping import scope

from . import rules
from .models import (
    SENSITIVE,
    Charter,
    CharterVersion,
    DataSource,
    Integration,
    Signature,
    SignerRole,
    Status,
)
from .sections import SECTIONS

VERSION_PEOPLE = (
    "created_by",
    "compliance_reviewer",
    "executive_sponsor",
    "business_owner",
    "production_owner",
    "engineering_owner",
    "decision_maker",
    "pm",
)


def versions_full():
    """Versions with everything a page shows, in a fixed number of queries."""
    return CharterVersion.objects.select_related(
        "charter__project__organisation", *VERSION_PEOPLE
    ).prefetch_related(
        "data_sources",
        "integrations",
        Prefetch(
            "signatures",
            queryset=Signature.objects.select_related("signer").order_by("signed_at", "id"),
        ),
    )


def charter_of(project: Project) -> Charter | None:
    return Charter.objects.filter(project=project).first()


def latest_version(project: Project) -> CharterVersion | None:
    return versions_full().filter(charter__project=project).order_by("-number").first()


def approved_version(project: Project) -> CharterVersion | None:
    return (
        versions_full()
        .filter(charter__project=project, status=Status.APPROVED)
        .order_by("-number")
        .first()
    )


def open_version(project: Project) -> CharterVersion | None:
    """The draft or in-review version, if any (at most one, enforced by a constraint)."""
    return (
        versions_full()
        .filter(charter__project=project, status__in=[Status.DRAFT, Status.IN_REVIEW])
        .first()
    )


def member_ids(organisation_id: int) -> set[int]:
    return set(
        Membership.objects.filter(organisation_id=organisation_id).values_list("user_id", flat=True)
    )


def _label(version: CharterVersion, field: str) -> str:
    return str(CharterVersion._meta.get_field(field).verbose_name)


def missing_items(version: CharterVersion, *, members: set[int] | None = None) -> list[str]:
    """What stops this version from being submitted; empty means complete."""
    out: list[str] = []
    for section in SECTIONS:
        for field in section.required_fields:
            value = getattr(version, f"{field}_id" if field in VERSION_PEOPLE else field)
            if value in (None, ""):
                out.append(f"{section.title}: {_label(version, field)}")
        if section.rows == "data_sources" and not version.data_sources.all():
            out.append(f"{section.title}: at least one data source")
        if section.rows == "integrations" and not version.integrations.all():
            out.append(f"{section.title}: at least one downstream system")
    if members is None:
        members = member_ids(version.charter.project.organisation_id)
    for field, messages in rules.check(version, members).items():
        section = next(s for s in SECTIONS if field in s.fields)
        out.extend(f"{section.title}: {_label(version, field)} — {m}" for m in messages)
    return out


def completeness(version: CharterVersion) -> int:
    """Percentage of required items filled (rule problems do not count here)."""
    total = filled = 0
    for section in SECTIONS:
        for field in section.required_fields:
            total += 1
            value = getattr(version, f"{field}_id" if field in VERSION_PEOPLE else field)
            filled += value not in (None, "")
        if section.rows:
            total += 1
            filled += bool(getattr(version, section.rows).all())
    return round(100 * filled / total)


def required_signers(version: CharterVersion) -> dict[str, object]:
    """{role: user} who must sign this version. Compliance only when data is sensitive."""
    out = {}
    for role in (SignerRole.BUSINESS_OWNER, SignerRole.PRODUCTION_OWNER, SignerRole.DECISION_MAKER):
        person = getattr(version, role.value)
        if person is not None:
            out[role.value] = person
    if version.data_sensitive and version.compliance_reviewer is not None:
        out[SignerRole.COMPLIANCE_REVIEWER.value] = version.compliance_reviewer
    return out


def active_signatures(version: CharterVersion) -> list[Signature]:
    return [s for s in version.signatures.all() if s.withdrawn_at is None]


def signature_status(version: CharterVersion) -> list[dict]:
    """One row per required role: who, and their signature if given."""
    signed = {s.role: s for s in active_signatures(version)}
    return [
        {
            "role": role,
            "role_label": SignerRole(role).label,
            "person": person,
            "signature": signed.get(role)
            if signed.get(role) and signed[role].signer_id == person.pk
            else None,
        }
        for role, person in required_signers(version).items()
    ]


def all_signed(version: CharterVersion) -> bool:
    rows = signature_status(version)
    return bool(rows) and all(r["signature"] for r in rows)


def roles_to_sign(version: CharterVersion, user) -> list[str]:
    """The roles ``user`` holds on this version and has not signed yet."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        r["role"]
        for r in signature_status(version)
        if r["person"].pk == user.pk and not r["signature"]
    ]


def awaiting_signature(user):
    """Versions in review, visible to ``user``, where they are a required signer who has not
    signed. Three queries, whatever the number of versions."""
    if not getattr(user, "is_authenticated", False):
        return []
    candidates = (
        scope(
            CharterVersion.objects.in_review(),
            user,
            "charter__project__organisation",
        )
        .filter(
            Q(business_owner=user)
            | Q(production_owner=user)
            | Q(decision_maker=user)
            | Q(compliance_reviewer=user)
        )
        .select_related(
            "charter__project__organisation",
            "business_owner",
            "production_owner",
            "decision_maker",
            "compliance_reviewer",
            "pm",
        )
        .prefetch_related(
            Prefetch(
                "data_sources", queryset=DataSource.objects.only("id", "version_id", "sensitivity")
            ),
            "signatures",
        )
        .order_by("submitted_at", "id")
    )
    return [v for v in candidates if roles_to_sign(v, user)]


# --- Risk flags (DOMAIN.md "Risk flags") ---------------------------------------------------


@dataclass(frozen=True)
class Flag:
    key: str
    label: str


FLAGS = {
    "no_charter": "No charter yet",
    "no_production_owner": "No production owner",
    "no_evaluation": "No evaluation harness or labelled set",
    "no_targets": "No latency or cost target",
    "data_not_production": "Data not drawn from production",
    "no_integration": "No downstream integration",
    "compliance_late": "Compliance not reviewed in week 1",
    "long_timebox": "Timebox over eight weeks",
    "no_business_value": "No business value stated",
    "no_decision_date": "No decision date",
}


def _flags(project: Project, v: CharterVersion | None) -> list[Flag]:
    keys: list[str] = []
    if v is None:
        keys.append("no_charter")
        if project.production_owner_id is None:
            keys.append("no_production_owner")
        if (
            project.timebox_start
            and project.timebox_end
            and project.timebox_end - project.timebox_start > rules.RECOMMENDED_TIMEBOX
        ):
            keys.append("long_timebox")
        if project.decision_date is None:
            keys.append("no_decision_date")
        return [Flag(k, FLAGS[k]) for k in keys]
    sources = list(v.data_sources.all())
    if v.production_owner_id is None:
        keys.append("no_production_owner")
    if not v.harness_location or not v.eval_set_size:
        keys.append("no_evaluation")
    if v.latency_p95_ms is None or v.cost_per_call is None:
        keys.append("no_targets")
    if not sources or not all(s.from_production for s in sources):
        keys.append("data_not_production")
    if not v.integrations.all():
        keys.append("no_integration")
    if (
        v.compliance_reviewer_id is None
        or v.compliance_review_due is None
        or (v.timebox_start and v.compliance_review_due > v.timebox_start + timedelta(days=7))
    ):
        keys.append("compliance_late")
    if (
        v.timebox_start
        and v.timebox_end
        and v.timebox_end - v.timebox_start > rules.RECOMMENDED_TIMEBOX
    ):
        keys.append("long_timebox")
    if not (v.business_value or "").strip():
        keys.append("no_business_value")
    if v.decision_date is None:
        keys.append("no_decision_date")
    return [Flag(k, FLAGS[k]) for k in keys]


def risk_flags(project: Project) -> list[Flag]:
    return risk_flags_for_projects([project])[project.pk]


def latest_versions_for(project_ids) -> dict[int, CharterVersion]:
    """The latest version of each project's charter, with rows: three queries in all."""
    latest_number = (
        CharterVersion.objects.filter(charter_id=OuterRef("charter_id"))
        .order_by("-number")
        .values("number")[:1]
    )
    versions = (
        CharterVersion.objects.filter(charter__project_id__in=list(project_ids))
        .filter(number=Subquery(latest_number))
        .select_related("charter")
        .prefetch_related(
            Prefetch("data_sources", queryset=DataSource.objects.all()),
            Prefetch("integrations", queryset=Integration.objects.all()),
        )
    )
    return {v.charter.project_id: v for v in versions}


def risk_flags_for_projects(projects) -> dict[int, list[Flag]]:
    """Flags for many projects in a constant number of queries (for the project list)."""
    projects = list(projects)
    latest = latest_versions_for(p.pk for p in projects)
    return {p.pk: _flags(p, latest.get(p.pk)) for p in projects}


def goalposts_for_projects(projects) -> dict[int, int]:
    """{project id: goalposts moved} in one query."""
    return dict(
        Charter.objects.filter(project__in=[p.pk for p in projects]).values_list(
            "project_id", "goalposts_moved"
        )
    )


__all__ = [
    "SENSITIVE",
    "active_signatures",
    "all_signed",
    "approved_version",
    "awaiting_signature",
    "completeness",
    "latest_version",
    "missing_items",
    "required_signers",
    "risk_flags",
    "risk_flags_for_projects",
]
