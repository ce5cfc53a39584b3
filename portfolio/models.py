"""Organisations, people, memberships, projects and their stage log.

Reads live here as QuerySet methods; every write goes through ``portfolio.services``.
Who may see what is ``visible_to`` on each queryset below: each is one call to the single
scoping function, ``portfolio.scoping.scope``.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .hooks import project_states
from .querysets import AuditedQuerySet
from .scoping import scope, scope_editable


class Role(models.TextChoices):
    PM = "pm", "PM"
    EXECUTIVE = "executive", "Executive"
    VIEWER = "viewer", "Viewer"


class Stage(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    POC = "poc", "PoC"
    PILOT = "pilot", "Pilot"
    PRODUCTION = "production", "Production"
    KILLED = "killed", "Killed"


class KillReason(models.TextChoices):
    """Why a project was killed: a kill decision's category, mirrored on the project."""

    METRIC_NOT_REACHED = "metric_not_reached", "Metric not reached"
    COST_TARGET_MISSED = "cost_target_missed", "Cost target missed"
    LATENCY_TARGET_MISSED = "latency_target_missed", "Latency target missed"
    DATA_NOT_AVAILABLE = "data_not_available", "Data not available in production"
    INTEGRATION_TOO_COSTLY = "integration_too_costly", "Integration too costly"
    COMPLIANCE_BLOCKED = "compliance_blocked", "Compliance blocked"
    NO_PRODUCTION_OWNER = "no_production_owner", "No production owner"
    BUSINESS_CASE_NOT_MADE = "business_case_not_made", "Business case not made"
    SPONSOR_CHANGED_DIRECTION = "sponsor_changed_direction", "Sponsor changed direction"
    OTHER = "other", "Other"
    # Not a person's choice: the reason of an automatic kill by the organisation's lapse policy.
    DECISION_LAPSED = "decision_lapsed", "Decision lapsed"


class KillStatus(models.TextChoices):
    """Where a project's kill condition stands (DOMAIN.md "Derived states")."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    TRIGGERED = "triggered", "Triggered"
    MET = "met", "Met"
    UNDEFINED = "undefined", "No kill condition yet"
    NONE = "none", "No kill condition"


# Roles that may create and edit projects in an organisation.
EDITING_ROLES = frozenset({Role.PM})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Logs in with an email address; ``is_partner`` gives firm-wide read access."""

    # Setting an inherited field to None removes it (Django's documented way to drop a field of
    # an abstract model); django-stubs types the AbstractUser fields as columns and cannot say so.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    is_partner = models.BooleanField(
        "partner",
        default=False,
        help_text="Partners read every organisation and the firm-wide dashboard.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    # Without a username Django's UserManager cannot create users: its docs prescribe a
    # BaseUserManager of one's own, which django-stubs (objects: auth's UserManager) refuses.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    @property
    def initials(self) -> str:
        parts = (self.full_name or self.email).replace("@", " ").split()
        return "".join(p[0] for p in parts[:2]).upper()


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrganisationQuerySet:
        """Organisations a user may read: their memberships, or all of them for a partner."""
        return scope(self, user, "pk")

    def editable_by(self, user) -> OrganisationQuerySet:
        """Organisations in which a user may create and edit projects."""
        return scope_editable(self, user, "pk", roles=EDITING_ROLES)

    def taking_projects(self) -> OrganisationQuerySet:
        """Organisations that take new projects: not deactivated (``project_validate`` refuses
        the others; forms offer only these)."""
        return self.filter(is_active=True)


class Organisation(models.Model):
    """A portfolio company or business unit: the access boundary."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="An organisation with history is deactivated, never deleted: it leaves the "
        "organisation switcher and takes no new projects; its history stays readable.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(AuditedQuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        return scope(self, user, "organisation")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.organisation}"


class ProjectQuerySet(AuditedQuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        """Projects of the organisations the user may read (``portfolio.scoping.scope``)."""
        return scope(self, user, "organisation")

    def editable_by(self, user) -> ProjectQuerySet:
        return scope_editable(self, user, "organisation", roles=EDITING_ROLES)

    def with_people(self) -> ProjectQuerySet:
        return self.select_related(
            "organisation",
            "business_owner",
            "production_owner",
            "engineering_owner",
            "decision_maker",
            "pm",
        )

    def named(self, user) -> ProjectQuerySet:
        """Projects naming ``user`` (a user or a user id) in any owner role: business,
        production or engineering owner, decision-maker or PM (``OWNER_FIELDS``)."""
        user_id = getattr(user, "pk", user)
        condition = Q()
        for field in OWNER_FIELDS:
            condition |= Q(**{f"{field}_id": user_id})
        return self.filter(condition)

    def active(self) -> ProjectQuerySet:
        return self.exclude(stage__in=[Stage.KILLED, Stage.PRODUCTION])

    def with_states(self, today: date | None = None) -> ProjectQuerySet:
        """Annotate the derived states — ``overdue``, ``stalled``, ``kill_status``,
        ``kill_pending``, ``gate_due``, ``next_due`` — defined once in the database (see
        ``portfolio.hooks.project_states``). Filter on them like fields."""
        return project_states.annotate(self, today=today)


# The inputs of the derived states kept on the project row (see ``decisions.states``).
STATE_INPUTS = ("gate_due", "kill_threshold", "kill_direction", "latest_metric")

# The named owners of DOMAIN.md, in the order they are shown.
OWNER_FIELDS = ("business_owner", "production_owner", "engineering_owner", "decision_maker", "pm")


def people_attach(projects: list[Project]) -> list[Project]:
    """Load the people a page of projects names in one query and set them on each project, as
    ``select_related`` would — without joining the user table five times into the page's query
    (at firm scale PostgreSQL spent longer planning those joins than running the query)."""
    ids = {getattr(p, f"{f}_id") for p in projects for f in OWNER_FIELDS} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for project in projects:
        for field in OWNER_FIELDS:
            person_id = getattr(project, f"{field}_id")
            project._state.fields_cache[field] = people.get(person_id) if person_id else None
    return projects


class Project(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=180)
    summary = models.TextField(blank=True)
    stage = models.CharField(
        max_length=16,
        choices=Stage.choices,
        default=Stage.PROPOSED,
        editable=False,
        help_text="Changes only through a recorded decision at a gate.",
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    production_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    engineering_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="decision-maker",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="PM",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    timebox_start = models.DateField(null=True, blank=True)
    timebox_end = models.DateField(null=True, blank=True)
    decision_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the go / kill call on the PoC (or, in pilot, on the pilot) is due. Once "
        "the charter is approved it moves only by a decision or an amendment.",
    )
    kill_deadline = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="The current kill deadline: the approved charter's, or the latest extension's "
        "in force; in pilot the production gate's due date; none after production or a kill. "
        "Kept by the services that move it (approval, amendment, decision).",
    )
    # The project's milestones, mirrored from its in-force decisions (a superseded go does not
    # count) by decisions.services.milestones_refresh: what the dashboard counts and drills into.
    poc_started_at = models.DateTimeField(
        "PoC started", null=True, blank=True, editable=False, db_index=True
    )
    pilot_reached_at = models.DateTimeField("reached pilot", null=True, blank=True, editable=False)
    production_reached_at = models.DateTimeField(
        "reached production", null=True, blank=True, editable=False
    )
    killed_at = models.DateTimeField(null=True, blank=True, editable=False)
    killed_from = models.CharField(
        "killed in", max_length=16, choices=Stage.choices, blank=True, editable=False
    )
    kill_reason = models.CharField(
        max_length=32, choices=KillReason.choices, blank=True, editable=False
    )
    killed_by_policy = models.BooleanField(default=False, editable=False)
    pivoted = models.BooleanField(
        default=False, editable=False, help_text="Killed, with a successor project started."
    )
    schedule_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Rises each time a date of the project moves (the calendar feed's SEQUENCE).",
    )
    production_owner_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the current production owner was named: their acceptance of the handoff "
        "counts only from then on.",
    )
    # The inputs of the derived states (``with_states``), read from gates, the approved charter
    # and measurements, and kept on the row by ``project_states.refresh`` after every write that
    # moves one — so a page of projects computes its states from its own columns instead of
    # correlated subqueries (see ``decisions.states``).
    gate_due = models.DateField(
        "open gate due",
        null=True,
        blank=True,
        editable=False,
        help_text="The due date of the gate the project stands at.",
    )
    kill_threshold = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
        help_text="The approved charter's sign-off threshold.",
    )
    kill_direction = models.CharField(max_length=8, blank=True, editable=False)
    latest_metric = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
        help_text="The newest reading of the success metric.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="project_slug_per_org"),
            models.CheckConstraint(
                condition=Q(timebox_end__isnull=True)
                | Q(timebox_start__isnull=True)
                | Q(timebox_end__gte=models.F("timebox_start")),
                name="timebox_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "stage"]),
            models.Index(fields=["-updated_at", "-id"]),
            # The sweep's stalled candidates: projects in flight with no recent activity.
            models.Index(
                fields=["updated_at"],
                condition=Q(stage__in=["proposed", "poc", "pilot"]),
                name="project_in_flight_activity",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """A saved project never writes the states' inputs back: only ``project_states.refresh``
        does, from their sources. A project loaded before a measurement was recorded elsewhere
        would otherwise put the old reading back."""
        if not self._state.adding and self.pk is not None and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in STATE_INPUTS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("portfolio:project-detail", args=[self.pk])

    @property
    def owners(self) -> list[tuple[str, object]]:
        """(label, user or None) for each named owner, in DOMAIN.md order."""
        labels = ((owner_label(f), f) for f in OWNER_FIELDS)
        return [
            (label if label.isupper() else label.capitalize(), getattr(self, f))
            for label, f in labels
        ]

    @property
    def missing_owners(self) -> list[str]:
        return [label for label, person in self.owners if person is None]

    @property
    def schedule_locked(self) -> bool:
        """Once the charter is approved (which sets the kill deadline) or the PoC has started,
        the dates and the signers named in the charter move only by a decision or an amendment
        (DOMAIN.md "Dates are moved by decisions"). A killed project is governed by nothing any
        more: its owners can be replaced, so that people can leave the organisation."""
        if self.stage == Stage.KILLED:
            return False
        return self.stage != Stage.PROPOSED or self.kill_deadline is not None


def owner_label(name: str) -> str:
    """An owner role as a sentence says it: "business owner", "decision-maker", "PM"."""
    field = Project._meta.get_field(name)
    assert isinstance(field, models.Field)  # the owners are the project's foreign keys
    return str(field.verbose_name)


class StageChange(models.Model):
    """The log of stage transitions. Written only by ``project_change_stage`` (via decisions)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_stage} → {self.to_stage}"


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class PersonalAccessTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> PersonalAccessTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class PersonalAccessToken(models.Model):
    """A token for another tool. Only a SHA-256 of the secret is stored; the secret is shown once."""

    PREFIX = "gh_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(max_length=80)
    key_prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class WorkerHeartbeat(models.Model):
    """Last time the Celery worker ran the periodic heartbeat: shows whether background work runs."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """One change by one person (or the system) to an audited object. Append-only: the database
    refuses UPDATE and DELETE (migration 0008) and the application role has no right to either
    (``db_app_role``). Its foreign keys protect the history: a person, an organisation or a
    project an event names cannot be deleted (deactivate them instead), and the names they had
    are kept on the event as well."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(
        max_length=254, blank=True, help_text="The actor's name when it happened."
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    organisation_name = models.CharField(
        max_length=120, blank=True, help_text="The organisation's name when it happened."
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    @property
    def actor_label(self) -> str:
        """Who did it, as the event was written: the name kept on the event, else the person's
        current name; "The system" for the policy and the sweep."""
        if self.actor_name:
            return self.actor_name
        if self.actor_id is not None:
            return str(self.actor)
        return "The system"
