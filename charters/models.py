"""Charters: the written agreement a PoC needs before it may start (DOMAIN.md "The charter").

A project has one ``Charter``; its content lives in numbered ``CharterVersion`` rows. Every
write goes through ``charters.services``; reads that span models are in ``charters.selectors``.
An approved (or superseded) version is frozen: the service refuses edits and the database
refuses them too, on PostgreSQL and SQLite (migrations 0002 and 0006): it is never deleted, only
moves on to superseded; signatures are never deleted, only withdrawn while in review.
"""

from __future__ import annotations

from typing import TypedDict

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portfolio.models import Project
from portfolio.querysets import AuditedQuerySet


class DecimalShape(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: DecimalShape = {"max_digits": 14, "decimal_places": 2}
METRIC: DecimalShape = {"max_digits": 16, "decimal_places": 4}


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Sensitivity(models.TextChoices):
    """One scale for a data source's sensitivity and the charter's data classification."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


SENSITIVE = frozenset({Sensitivity.CONFIDENTIAL, Sensitivity.RESTRICTED})


class IntegrationDirection(models.TextChoices):
    READ = "read", "Reads from it"
    WRITE = "write", "Writes to it"


class SignerRole(models.TextChoices):
    BUSINESS_OWNER = "business_owner", "Business owner"
    PRODUCTION_OWNER = "production_owner", "Production owner"
    DECISION_MAKER = "decision_maker", "Decision-maker"
    COMPLIANCE_REVIEWER = "compliance_reviewer", "Compliance reviewer"


class CharterQuerySet(AuditedQuerySet):
    pass


class Charter(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="charter")
    goalposts_moved = models.PositiveIntegerField(
        default=0,
        help_text=(
            "Approved amendments that changed the metric (name, unit, direction, baseline, "
            "target), the threshold or the kill deadline."
        ),
    )
    # Of those amendments, the ones that moved the sign-off threshold against the metric's
    # direction (the bar went down) or with it (up).
    bar_lowered = models.PositiveIntegerField(default=0)
    bar_raised = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CharterQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Charter of {self.project}"

    def get_absolute_url(self) -> str:
        return reverse("charters:detail", args=[self.project_id])


def _person(verbose_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


def _money(verbose_name: str, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=help_text,
    )


class CharterVersionQuerySet(AuditedQuerySet):
    def in_review(self) -> CharterVersionQuerySet:
        return self.filter(status=Status.IN_REVIEW)


class CharterVersion(models.Model):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # PROTECT: a person named in a version is deactivated, never deleted (an approved version
    # cannot change, so it could not be nulled either).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    # 1. Problem and hypothesis
    problem = models.TextField("problem", blank=True)
    hypothesis = models.TextField("hypothesis", blank=True)
    business_value = models.TextField("business value if it works", blank=True)
    # 2. Success metric
    metric_name = models.CharField("metric name", max_length=200, blank=True)
    metric_unit = models.CharField(
        "unit", max_length=40, blank=True, help_text="e.g. %, seconds, tickets/day"
    )
    metric_direction = models.CharField(
        "direction", max_length=8, choices=Direction.choices, blank=True
    )
    metric_baseline = models.DecimalField("baseline", **METRIC, null=True, blank=True)
    metric_target = models.DecimalField("target", **METRIC, null=True, blank=True)
    metric_method = models.TextField("how it is measured", blank=True)
    # 3. Sign-off threshold
    threshold = models.DecimalField(
        "sign-off threshold",
        **METRIC,
        null=True,
        blank=True,
        help_text="The minimum value of the metric that counts as success.",
    )
    # 4. Kill condition
    kill_deadline = models.DateField(
        "kill deadline",
        null=True,
        blank=True,
        help_text="If the metric has not reached the threshold by this date, the PoC stops.",
    )
    # 5. Latency and cost targets
    latency_p95_ms = models.PositiveIntegerField(
        "p95 latency target (ms)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    cost_per_call = models.DecimalField(
        "cost per call target",
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        "currency", max_length=3, default="EUR", help_text="ISO 4217 code, e.g. EUR"
    )
    # 8. Compliance
    compliance_reviewer = _person("compliance reviewer")
    data_classification = models.CharField(
        "data classification",
        max_length=16,
        choices=Sensitivity.choices,
        blank=True,
        help_text="Confidential or restricted data needs the compliance reviewer's signature too.",
    )
    compliance_review_due = models.DateField(
        "compliance review due",
        null=True,
        blank=True,
        help_text="Due by the end of week 1 of the timebox.",
    )
    # 9. Evaluation plan
    eval_set_size = models.PositiveIntegerField("labelled set size (items)", null=True, blank=True)
    eval_set_source = models.CharField("labelled set source", max_length=200, blank=True)
    eval_baseline_score = models.DecimalField("baseline score", **METRIC, null=True, blank=True)
    harness_location = models.CharField(
        "harness location", max_length=300, blank=True, help_text="Repository or URL"
    )
    # 10. Production plan
    change_management = models.TextField("change management", blank=True)
    operations_plan = models.TextField("operations plan", blank=True)
    ops_budget = _money("operations budget per year")
    executive_sponsor = _person("executive sponsor")
    # 11. Cost model
    cost_monthly_1x = _money("monthly cost at 1× scale")
    cost_monthly_5x = _money("monthly cost at 5× scale")
    cost_monthly_20x = _money("monthly cost at 20× scale")
    cost_driver = models.CharField("dominant cost driver", max_length=200, blank=True)
    # 12. Owners
    business_owner = _person("business owner")
    production_owner = _person("production owner")
    engineering_owner = _person("engineering owner")
    decision_maker = _person("decision-maker")
    pm = _person("PM")
    # 13. Timebox
    timebox_start = models.DateField("timebox start", null=True, blank=True)
    timebox_end = models.DateField("timebox end", null=True, blank=True)
    decision_date = models.DateField("decision date", null=True, blank=True)

    objects = CharterVersionQuerySet.as_manager()

    class Meta:
        ordering = ["charter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="one_number_per_charter"),
            models.UniqueConstraint(
                fields=["charter"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_version_per_charter",
            ),
            models.UniqueConstraint(
                fields=["charter"],
                condition=Q(status="approved"),
                name="one_approved_version_per_charter",
            ),
            models.CheckConstraint(
                condition=Q(cost_per_call__gte=0) | Q(cost_per_call__isnull=True),
                name="cost_per_call_non_negative",
            ),
            models.CheckConstraint(
                condition=(Q(ops_budget__gte=0) | Q(ops_budget__isnull=True))
                & (Q(cost_monthly_1x__gte=0) | Q(cost_monthly_1x__isnull=True))
                & (Q(cost_monthly_5x__gte=0) | Q(cost_monthly_5x__isnull=True))
                & (Q(cost_monthly_20x__gte=0) | Q(cost_monthly_20x__isnull=True)),
                name="charter_amounts_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.charter.project} charter v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("charters:detail", args=[self.charter.project_id]) + f"?v={self.number}"

    @property
    def project(self) -> Project:
        return self.charter.project

    @property
    def data_sensitive(self) -> bool:
        """Classified, or any data source, confidential or restricted: the compliance reviewer
        must sign too."""
        return self.data_classification in SENSITIVE or any(
            s.sensitivity in SENSITIVE for s in self.data_sources.all()
        )

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status in (Status.APPROVED, Status.SUPERSEDED)


class DataSource(models.Model):
    version = models.ForeignKey(
        CharterVersion, on_delete=models.CASCADE, related_name="data_sources"
    )
    name = models.CharField("source", max_length=200)
    owner_name = models.CharField("owner", max_length=200, blank=True)
    from_production = models.BooleanField("real production data", default=True)
    sensitivity = models.CharField(
        max_length=16, choices=Sensitivity.choices, default=Sensitivity.INTERNAL
    )
    residency = models.CharField(
        "residency constraint", max_length=120, blank=True, help_text="e.g. EU only"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Integration(models.Model):
    version = models.ForeignKey(
        CharterVersion, on_delete=models.CASCADE, related_name="integrations"
    )
    system = models.CharField("downstream system", max_length=200)
    direction = models.CharField(
        max_length=8, choices=IntegrationDirection.choices, default=IntegrationDirection.READ
    )
    owning_team = models.CharField("owning team", max_length=200, blank=True)
    estimate_weeks = models.DecimalField(
        "estimate (weeks)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.system


class SignatureQuerySet(AuditedQuerySet):
    def active(self) -> SignatureQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Signature(models.Model):
    """A signer's agreement to one version, for one role. Withdrawn ones are kept."""

    version = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=24, choices=SignerRole.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "role"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_signature_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer} as {self.get_role_display()} on {self.version}"


class ChangeRequest(models.Model):
    """A signer (or the PM) sent a version in review back to draft, saying why."""

    version = models.ForeignKey(
        CharterVersion, on_delete=models.CASCADE, related_name="change_requests"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Changes requested by {self.by} on {self.version}"


class ComplianceReview(models.Model):
    """The named compliance reviewer recorded that they reviewed a version (DOMAIN.md: "review
    by the end of week 1"). It is the act the "compliance not reviewed in week 1" risk flag
    looks for, with the reviewer's signature on a sensitive charter. Kept per charter, so an
    amendment does not undo a review that was done in time."""

    charter = models.ForeignKey(
        Charter, on_delete=models.CASCADE, related_name="compliance_reviews"
    )
    version = models.ForeignKey(
        CharterVersion, on_delete=models.CASCADE, related_name="compliance_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField("note", blank=True)

    class Meta:
        ordering = ["reviewed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="one_compliance_review_per_version")
        ]

    def __str__(self) -> str:
        return f"Compliance review by {self.reviewer} of {self.version}"
