"""Stage gates, their criteria and evidence, measurements and the append-only decision log.

DOMAIN.md "The lifecycle", "Decisions", "Measurements". Every write goes through
``decisions.services``; reads that span models live in ``decisions.selectors``.

- ``GateTemplate`` / ``CriterionTemplate``: admin-editable data; three are seeded (migration 0002).
- ``Gate``: one per project per transition, opened from its template (criteria are copied, so a
  later edit of the template does not rewrite a project's history).
- ``CriterionMark``: the history of manual marks (met / not met / unmarked) — the current state of
  a criterion is its newest mark, never an overwritten field.
- ``OwnershipAcceptance``: the production owner's side of the two-sided handoff.
- ``Measurement``: readings of the success metric, latency and cost.
- ``Decision``: go / kill / extend; append-only, enforced by database triggers (migration 0003).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portfolio.models import Organisation, Project, Stage
from portfolio.querysets import AuditedQuerySet
from portfolio.scoping import scope


class OrganisationPolicy(models.Model):
    """Per-organisation rules for gates. Without a row the defaults apply."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="gate_policy"
    )
    max_extensions_per_gate = models.PositiveSmallIntegerField(
        default=1, help_text="How many times a gate may be extended. DOMAIN.md default: once."
    )
    stalled_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Days without activity (an edit, a measurement, evidence, a sign-off, a "
        "decision) after which a project in flight counts as stalled. Empty: the firm's default "
        "(GATEHOUSE_STALLED_AFTER_DAYS, 21 unless configured).",
    )

    class Meta:
        verbose_name = "organisation policy"
        verbose_name_plural = "organisation policies"

    def __str__(self) -> str:
        return f"Gate policy of {self.organisation}"


DEFAULT_MAX_EXTENSIONS = 1


class CriterionKind(models.TextChoices):
    AUTOMATIC = "automatic", "Checked automatically"
    MANUAL = "manual", "Marked by a person with evidence"


class GateTemplate(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    from_stage = models.CharField(max_length=16, choices=Stage.choices, unique=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.from_stage} → {self.to_stage})"


class CriterionTemplate(models.Model):
    gate_template = models.ForeignKey(
        GateTemplate, on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=CriterionKind.choices)
    check_key = models.CharField(
        max_length=60,
        blank=True,
        help_text="For automatic criteria: the name of a check in decisions/checks.py.",
    )

    class Meta:
        ordering = ["gate_template", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gate_template", "key"], name="criterion_key_per_gate")
        ]

    def __str__(self) -> str:
        return self.title


class GateQuerySet(AuditedQuerySet):
    def visible_to(self, user) -> GateQuerySet:
        return scope(self, user, "project__organisation")


class Gate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="gates")
    template = models.ForeignKey(GateTemplate, on_delete=models.PROTECT, related_name="gates")
    name = models.CharField(max_length=120)
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    opened_at = models.DateTimeField(default=timezone.now)
    due_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the gate is due: for the charter gate the PoC's start (the charter must "
        "be approved by then), for the graduation gate the charter's decision date, for the "
        "production gate the date the go into the pilot set. Moved only by a decision or an "
        "amendment; a decided gate keeps the date it was decided against.",
    )

    objects = GateQuerySet.as_manager()

    class Meta:
        ordering = ["project", "opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "from_stage"], name="one_gate_per_transition"
            )
        ]
        indexes = [models.Index(fields=["due_date"], name="gate_due_date")]

    def __str__(self) -> str:
        return f"{self.name} of {self.project}"


class GateCriterionQuerySet(AuditedQuerySet):
    pass


class GateCriterion(models.Model):
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="criteria")
    template = models.ForeignKey(
        CriterionTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=CriterionKind.choices)
    check_key = models.CharField(max_length=60, blank=True)

    objects = GateCriterionQuerySet.as_manager()

    class Meta:
        ordering = ["gate", "order", "id"]
        verbose_name_plural = "gate criteria"
        constraints = [models.UniqueConstraint(fields=["gate", "key"], name="one_key_per_gate")]

    def __str__(self) -> str:
        return self.title

    @property
    def project(self) -> Project:
        return self.gate.project

    @property
    def is_manual(self) -> bool:
        return self.kind == CriterionKind.MANUAL


class MarkState(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    UNMARKED = "unmarked", "Unmarked"


class CriterionMarkQuerySet(AuditedQuerySet):
    pass


class CriterionMark(models.Model):
    """One mark on a manual criterion, with its evidence. The newest mark is the criterion's state."""

    criterion = models.ForeignKey(GateCriterion, on_delete=models.CASCADE, related_name="marks")
    state = models.CharField(max_length=10, choices=MarkState.choices)
    evidence_text = models.TextField("evidence", blank=True)
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)
    evidence_measurement = models.ForeignKey(
        "Measurement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    objects = CriterionMarkQuerySet.as_manager()

    class Meta:
        ordering = ["-marked_at", "-id"]
        indexes = [models.Index(fields=["criterion", "-marked_at"])]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.get_state_display()} by {self.marked_by}"

    @property
    def project(self) -> Project:
        return self.criterion.gate.project


class OwnershipAcceptanceQuerySet(AuditedQuerySet):
    pass


class OwnershipAcceptance(models.Model):
    """The named production owner accepted, in the browser, to run the system."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="ownership_acceptances"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepts_run_cost = models.BooleanField("I accept the run cost", default=False)
    accepts_on_call = models.BooleanField("I accept on-call for the system", default=False)
    accepts_budget_line = models.BooleanField(
        "I will carry its operations budget line", default=False
    )
    budget_line = models.CharField("budget line", max_length=200)
    team = models.CharField("team", max_length=120, blank=True)
    accepted_at = models.DateTimeField(default=timezone.now)

    objects = OwnershipAcceptanceQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.owner} accepted ownership of {self.project}"


class MeasurementKind(models.TextChoices):
    METRIC = "metric", "Success metric"
    LATENCY = "latency_ms", "p95 latency (ms)"
    COST = "cost_per_call", "Cost per call"


class MeasurementSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    API = "api", "API token"


class MeasurementQuerySet(AuditedQuerySet):
    def visible_to(self, user) -> MeasurementQuerySet:
        return scope(self, user, "project__organisation")


class Measurement(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="measurements")
    kind = models.CharField(max_length=16, choices=MeasurementKind.choices)
    value = models.DecimalField(max_digits=16, decimal_places=4)
    measured_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(
        max_length=8, choices=MeasurementSource.choices, default=MeasurementSource.MANUAL
    )
    token_name = models.CharField(max_length=80, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["project", "kind", "-measured_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value:g} on {self.measured_at:%Y-%m-%d}"


class Outcome(models.TextChoices):
    GO = "go", "Go"
    KILL = "kill", "Kill"
    EXTEND = "extend", "Extend"


class KillReason(models.TextChoices):
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


class DecisionImmutable(RuntimeError):
    """A decision cannot be changed or deleted: record a superseding decision instead."""


class DecisionQuerySet(models.QuerySet):
    """Refuses bulk changes politely; the database triggers refuse them whatever the path."""

    def _refuse(self, what: str):
        raise DecisionImmutable(
            f"Decisions are append-only: {what} is refused. Record a superseding decision."
        )

    def update(self, **kwargs):
        self._refuse("QuerySet.update()")

    def delete(self):
        self._refuse("QuerySet.delete()")

    def bulk_update(self, *args, **kwargs):
        self._refuse("bulk_update()")

    def update_or_create(self, *args, **kwargs):
        self._refuse("update_or_create()")

    def visible_to(self, user) -> DecisionQuerySet:
        return scope(self, user, "project__organisation")

    def in_force(self) -> DecisionQuerySet:
        """Decisions no later decision supersedes."""
        return self.filter(superseded_by__isnull=True)


class Decision(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="decisions")
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    rationale = models.TextField(blank=True)
    reason_category = models.CharField(
        "kill reason", max_length=32, choices=KillReason.choices, blank=True
    )
    new_kill_deadline = models.DateField(null=True, blank=True)
    new_decision_date = models.DateField(null=True, blank=True)
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    supersede_reason = models.TextField(blank=True)
    successor = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessor_decisions",
        help_text="The project a pivot started after a kill.",
    )
    snapshot = models.JSONField(default=dict)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["project", "-decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="kill") | ~Q(reason_category=""),
                name="kill_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="extend")
                | (Q(new_kill_deadline__isnull=False) & Q(new_decision_date__isnull=False)),
                name="extend_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(supersede_reason=""),
                name="supersede_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on {self.project} ({self.decided_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DecisionImmutable(
                "Decisions are append-only: a recorded decision cannot be changed. "
                "Record a superseding decision."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DecisionImmutable("Decisions are append-only: a recorded decision cannot be deleted.")
