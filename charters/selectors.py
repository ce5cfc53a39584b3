"""Reads about charters that span models. Each runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, Field, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone

from portfolio.models import Membership, Project, Role, User
from portfolio.scoping import scope

from . import rules
from .models import (
    SENSITIVE,
    Charter,
    CharterVersion,
    ComplianceReview,
    DataSource,
    Integration,
    Signature,
    SignerRole,
    Status,
)
from .sections import PEOPLE_FIELDS, SECTIONS

VERSION_PEOPLE = ("created_by", *PEOPLE_FIELDS)


def with_compliance_review(queryset):
    """Annotate each version with when its charter's compliance review happened, as far as
    Gatehouse knows: the compliance reviewer's first standing signature on any version, and the
    first review they recorded. Subqueries, so no extra query per row."""
    signed = (
        Signature.objects.filter(
            version__charter_id=OuterRef("charter_id"),
            role=SignerRole.COMPLIANCE_REVIEWER,
            withdrawn_at__isnull=True,
        )
        .order_by("signed_at")
        .values("signed_at")[:1]
    )
    recorded = (
        ComplianceReview.objects.filter(charter_id=OuterRef("charter_id"))
        .order_by("reviewed_at")
        .values("reviewed_at")[:1]
    )
    return queryset.annotate(
        compliance_signed_at=Subquery(signed), compliance_recorded_at=Subquery(recorded)
    )


def compliance_reviewed_at(version: CharterVersion) -> datetime | None:
    """The earliest act of compliance review known for ``version``'s charter (annotated by
    ``with_compliance_review``), or None."""
    found = [
        at
        for at in (
            getattr(version, "compliance_signed_at", None),
            getattr(version, "compliance_recorded_at", None),
        )
        if at is not None
    ]
    return min(found) if found else None


def versions_full():
    """Versions with everything a page shows, in a fixed number of queries."""
    return with_compliance_review(
        CharterVersion.objects.select_related("charter__project__organisation", *VERSION_PEOPLE)
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


def project_versions(project: Project) -> list[CharterVersion]:
    """Every version of the project's charter, newest first, with what a page shows: read once
    per project object, so the sections of one page (the charter panel, its risk flags, the
    gate's facts) share them. A read path only — a service that writes a version reads afresh."""
    cached = project.__dict__.get("_charter_versions")
    if cached is None:
        cached = list(versions_full().filter(charter__project=project).order_by("-number"))
        project.__dict__["_charter_versions"] = cached
    return cached


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


def member_roles(organisation_id: int) -> dict[int, str]:
    """{user id: role} of the organisation's members, in one query."""
    return dict(
        Membership.objects.filter(organisation_id=organisation_id).values_list("user_id", "role")
    )


def member_roles_by_organisation(organisation_ids) -> dict[int, dict[int, str]]:
    """{organisation id: {user id: role}} for several organisations, in one query."""
    out: dict[int, dict[int, str]] = {pk: {} for pk in organisation_ids}
    for org_id, user_id, role in Membership.objects.filter(
        organisation_id__in=list(out)
    ).values_list("organisation_id", "user_id", "role"):
        out[org_id][user_id] = role
    return out


def executives_of(roles: dict[int, str]) -> set[int]:
    return {pk for pk, role in roles.items() if role == Role.EXECUTIVE}


def _label(version: CharterVersion, field: str) -> str:
    model_field = CharterVersion._meta.get_field(field)
    assert isinstance(model_field, Field)  # a section names the version's own columns
    return str(model_field.verbose_name)


def missing_items(
    version: CharterVersion,
    *,
    members: set[int] | None = None,
    executives: set[int] | None = None,
) -> list[str]:
    """What stops this version from being submitted; empty means complete. Given ``members``
    but not ``executives``, the decision-maker's executive role is not checked."""
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
        roles = member_roles(version.charter.project.organisation_id)
        members, executives = set(roles), executives_of(roles)
    for field, messages in rules.check(version, members, executive_ids=executives).items():
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


def required_signers(version: CharterVersion) -> dict[str, User]:
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


PM_CHARTERS_SHOWN = 5


def members_and_executives(organisation_ids) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """({organisation id: member ids}, {organisation id: executive ids}) in one query."""
    members: dict[int, set[int]] = {o: set() for o in organisation_ids}
    executives: dict[int, set[int]] = {o: set() for o in organisation_ids}
    for org_id, user_id, role in Membership.objects.filter(
        organisation_id__in=list(members)
    ).values_list("organisation_id", "user_id", "role"):
        members[org_id].add(user_id)
        if role == Role.EXECUTIVE:
            executives[org_id].add(user_id)
    return members, executives


def pm_open_versions(user, *, limit: int = PM_CHARTERS_SHOWN) -> tuple[list[CharterVersion], int]:
    """The charters a PM is writing or has sent for signature — draft or in-review versions of
    projects visible to them where they are the PM — most recently changed first: the first
    ``limit`` with what a page shows, and how many there are. Fixed queries."""
    if not getattr(user, "is_authenticated", False):
        return [], 0
    open_versions = scope(
        CharterVersion.objects.filter(status__in=[Status.DRAFT, Status.IN_REVIEW]),
        user,
        "charter__project__organisation",
    ).filter(charter__project__pm=user)
    shown = list(
        versions_full()
        .filter(pk__in=open_versions.values("pk"))
        .order_by("-updated_at", "-id")[:limit]
    )
    return shown, (open_versions.count() if shown else 0)


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
    short: str  # for a list row, where the full label does not fit


FLAGS = {
    "no_charter": ("No charter yet", "no charter"),
    "no_production_owner": ("No production owner", "no prod. owner"),
    "no_evaluation": ("No evaluation harness or labelled set", "no eval"),
    "no_targets": ("No latency or cost target", "no targets"),
    "data_not_production": ("Data not drawn from production", "not prod. data"),
    "no_integration": ("No downstream integration", "no integration"),
    "compliance_late": ("Compliance not reviewed in week 1", "compliance late"),
    "long_timebox": ("Timebox over eight weeks", "long timebox"),
    "no_business_value": ("No business value stated", "no value stated"),
    "no_decision_date": ("No decision date", "no decision date"),
}


def _flag(key: str) -> Flag:
    label, short = FLAGS[key]
    return Flag(key, label, short)


def _compliance_late(v: CharterVersion, today: date) -> bool:
    """DOMAIN.md: "compliance not reviewed in week 1". Judged on an act — the compliance
    reviewer's signature or a review they recorded — done by the end of week 1 of the
    timebox. Before week 1 is over, a missing review is not late yet unless the plan already
    puts it after week 1 (or there is no plan)."""
    if v.compliance_reviewer_id is None:
        return True
    week_one = rules.end_of_week_one(v.timebox_start)
    reviewed = compliance_reviewed_at(v)
    if week_one is None:  # no (usable) timebox start: only a review answers it
        return reviewed is None
    if reviewed is not None:
        return timezone.localdate(reviewed) > week_one
    if today > week_one:
        return True
    return v.compliance_review_due is None or v.compliance_review_due > week_one


def _flags(project: Project, v: CharterVersion | None, today: date | None = None) -> list[Flag]:
    today = today or timezone.localdate()
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
        return [_flag(k) for k in keys]
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
    if _compliance_late(v, today):
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
    return [_flag(k) for k in keys]


def version_flags(version: CharterVersion) -> list[Flag]:
    """The flags ``version`` itself raises (a version from ``versions_full``)."""
    return _flags(version.charter.project, version)


def risk_flags(project: Project) -> list[Flag]:
    """The project's risk flags, from the versions the page already loaded."""
    versions = project_versions(project)
    chosen = next((v for v in versions if v.status == Status.APPROVED), None)
    return _flags(project, chosen or (versions[0] if versions else None), timezone.localdate())


def flag_versions_for(project_ids) -> dict[int, CharterVersion]:
    """The version each project's risk flags come from — the approved one when there is one
    (not a half-written amendment), else the latest — with its rows: three queries in all."""
    chosen = (
        CharterVersion.objects.filter(charter_id=OuterRef("charter_id"))
        .annotate(
            approved_first=Case(
                When(status=Status.APPROVED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("approved_first", "-number")
        .values("pk")[:1]
    )
    versions = with_compliance_review(
        CharterVersion.objects.filter(charter__project_id__in=list(project_ids))
        .filter(pk=Subquery(chosen))
        .select_related("charter")
    ).prefetch_related(
        Prefetch("data_sources", queryset=DataSource.objects.all()),
        Prefetch("integrations", queryset=Integration.objects.all()),
    )
    return {v.charter.project_id: v for v in versions}


def risk_flags_for_projects(projects) -> dict[int, list[Flag]]:
    """Flags for many projects in a constant number of queries (for the project list)."""
    projects = list(projects)
    chosen = flag_versions_for(p.pk for p in projects)
    today = timezone.localdate()
    return {p.pk: _flags(p, chosen.get(p.pk), today) for p in projects}


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
    "version_flags",
]
