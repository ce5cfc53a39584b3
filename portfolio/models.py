"""Organisations, people, memberships, projects and their stage log.

Reads live here as QuerySet methods; every write goes through ``portfolio.services``.
Who may see what is ``visible_to`` on each queryset below: each is one call to the single
scoping function, ``portfolio.scoping.scope``.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .audit import AuditedQuerySet
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

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    is_partner = models.BooleanField(
        "partner",
        default=False,
        help_text="Partners read every organisation and the firm-wide dashboard.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

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


class Organisation(models.Model):
    """A portfolio company or business unit: the access boundary."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
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


# The named owners of DOMAIN.md, in the order they are shown.
OWNER_FIELDS = ("business_owner", "production_owner", "engineering_owner", "decision_maker", "pm")


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
    decision_date = models.DateField(null=True, blank=True)
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
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolio:project-detail", args=[self.pk])

    @property
    def owners(self) -> list[tuple[str, object]]:
        """(label, user or None) for each named owner, in DOMAIN.md order."""
        return [
            (
                self._meta.get_field(f).verbose_name.capitalize() if f != "pm" else "PM",
                getattr(self, f),
            )
            for f in OWNER_FIELDS
        ]

    @property
    def missing_owners(self) -> list[str]:
        return [label for label, person in self.owners if person is None]

    @property
    def decision_overdue(self) -> bool:
        """A project still in flight whose decision date has passed without a decision."""
        return (
            self.stage in (Stage.PROPOSED, Stage.POC, Stage.PILOT)
            and self.decision_date is not None
            and self.decision_date < timezone.localdate()
        )


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
    """One change by one person (or the system) to an audited object. Append-only."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
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
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"
