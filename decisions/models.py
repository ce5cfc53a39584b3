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

from portfolio.models import KillReason, Organisation, Project, Stage
from portfolio.querysets import AuditedQuerySet
from portfolio.scoping import scope


class LapsePolicy(models.TextChoices):
    """What happens when a PoC stays kill pending past its grace period (DOMAIN.md "A lapse has
    a default")."""

    REMIND = "remind", "Remind only"
    ESCALATE = "escalate", "Escalate to the organisation's executives and the partners"
    KILL = "kill", "Kill automatically"


class OrganisationPolicy(models.Model):
    """Per-organisation rules for gates and reminders. Without a row the defaults apply.
    Edited in the admin, where every change is audited."""

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
    lapse_policy = models.CharField(
        "when a kill deadline lapses",
        max_length=12,
        choices=LapsePolicy.choices,
        default=LapsePolicy.REMIND,
        help_text="What happens to a kill-pending PoC once its grace period is over.",
    )
    lapse_grace_days = models.PositiveSmallIntegerField(
        "grace period (days)",
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Days a PoC may stay kill pending before the lapse policy applies.",
    )
    remind_every_days = models.PositiveSmallIntegerField(
        "repeat lapse reminders every (days)",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="While a date stays lapsed with no decision, its reminder repeats this often.",
    )
    signatures_wait_days = models.PositiveSmallIntegerField(
        "chase signatures after (days)",
        default=5,
        validators=[MinValueValidator(1)],
        help_text="A charter in review this long reminds the signers who have not signed.",
    )

    class Meta:
        verbose_name = "organisation policy"
        verbose_name_plural = "organisation policies"

    def __str__(self) -> str:
        return f"Gate policy of {self.organisation}"


DEFAULT_MAX_EXTENSIONS = 1
# The defaults of an organisation without a policy row (the model's field defaults).
DEFAULT_POLICY: dict[str, int | str | None] = {
    "max_extensions_per_gate": 1,
    "stalled_after_days": None,
    "lapse_policy": LapsePolicy.REMIND.value,
    "lapse_grace_days": 7,
    "remind_every_days": 3,
    "signatures_wait_days": 5,
}


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
    decided_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a go or kill closed the gate (an extension keeps it open); empty while "
        "it is open. Measured against the due date, it says whether the gate was decided in time.",
    )

    objects = GateQuerySet.as_manager()

    class Meta:
        ordering = ["project", "opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "from_stage"], name="one_gate_per_transition"
            )
        ]
        indexes = [
            models.Index(fields=["due_date"], name="gate_due_date"),
            # The sweep's question: which open gates are due soon or lapsed.
            models.Index(
                fields=["due_date"], condition=Q(decided_at__isnull=True), name="open_gate_due"
            ),
        ]

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


# The reasons a decision-maker chooses from (a lapse is the policy's reason, never theirs).
PERSON_KILL_REASONS = [(v, label) for v, label in KillReason.choices if v != "decision_lapsed"]


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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person who decided; empty when the organisation's policy did.",
    )
    decided_by_policy = models.CharField(
        max_length=200,
        blank=True,
        help_text="For an automatic kill: the lapse policy that made it, with its grace period.",
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
            models.CheckConstraint(
                condition=(Q(decided_by__isnull=False) & Q(decided_by_policy=""))
                | (Q(decided_by__isnull=True) & ~Q(decided_by_policy="")),
                name="decided_by_a_person_or_the_policy",
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

    @property
    def maker(self) -> str:
        """Who decided, as a page says it: the person, or the lapse policy that did."""
        if self.decided_by_id is None:
            return "the lapse policy"
        return str(self.decided_by)


# --- reminders, notifications and the calendar feed (DOMAIN.md "Reminders and escalation") ----


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "A gate is due within a week"
    DUE_TOMORROW = "due_tomorrow", "A gate is due today or tomorrow"
    KILL_SOON = "kill_soon", "A kill deadline is within a week, threshold not met"
    KILL_TOMORROW = "kill_tomorrow", "A kill deadline is today or tomorrow, threshold not met"
    LAPSED = "lapsed", "A due date lapsed with no decision"
    KILL_PENDING = "kill_pending", "A PoC is kill pending"
    SIGNATURES = "signatures", "A charter waits for your signature"
    STALLED = "stalled", "A project stalled"
    ESCALATION = "escalation", "Overdue for more than a week (escalation)"
    LAPSE_POLICY = "lapse_policy", "An organisation's lapse policy applied"
    DIGEST = "digest", "The weekly digest"


# Lapses and escalations reach people whatever their preferences: silence is never an outcome.
MANDATORY_KINDS = frozenset(
    {
        ReminderKind.LAPSED,
        ReminderKind.KILL_PENDING,
        ReminderKind.ESCALATION,
        ReminderKind.LAPSE_POLICY,
    }
)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    NOT_EMAILED = "not_emailed", "In the app only"


class ReminderQuerySet(models.QuerySet):
    def notifications_of(self, user) -> ReminderQuerySet:
        """A person's own reminders — their notifications — on the projects they may still see
        (through the scoping rule): a reminder never outlives its recipient's right to see."""
        own = self.filter(recipient_id=getattr(user, "pk", None))
        return own.filter(Q(project__isnull=True) | Q(project__in=Project.objects.visible_to(user)))

    def unread(self) -> ReminderQuerySet:
        return self.filter(read_at__isnull=True)


class Reminder(models.Model):
    """One reminder to one person about one project, kind and due date — claimed by the sweep
    under a unique constraint before anything is sent, so it is sent once. It is also the
    person's in-app notification (``read_at``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    # What the reminder is about: the due date, the kill deadline, the week of a digest… A moved
    # date is a new key, so it re-arms the reminder.
    due_date = models.DateField()
    # The n-th repeat of a reminder about the same lapsed date (every N days while it lasts).
    occurrence = models.PositiveSmallIntegerField(default=0)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="What the reminder says, in plain text.")
    url = models.CharField(max_length=300, help_text="Where the recipient acts (a path).")
    context = models.JSONField(default=dict, blank=True)
    # The sweep that claimed it (a random id per run): what a run claimed, and what it found done.
    sweep = models.CharField(max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "project", "kind", "due_date", "occurrence"],
                condition=Q(project__isnull=False),
                name="one_reminder_per_recipient_project_kind_date",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "due_date", "occurrence"],
                condition=Q(project__isnull=True),
                name="one_digest_per_recipient_kind_date",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="reminder_unread"),
            models.Index(
                fields=["email_status"],
                condition=Q(email_status="pending"),
                name="reminder_pending_email",
            ),
            models.Index(fields=["project", "-created_at"], name="reminder_project"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.due_date})"


class NotificationPreference(models.Model):
    """A person's choice not to receive one kind of reminder by email (the app still shows it).
    No row means email on. Lapses and escalations cannot be switched off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
            models.CheckConstraint(
                condition=Q(email=True)
                | ~Q(kind__in=["lapsed", "kill_pending", "escalation", "lapse_policy"]),
                name="mandatory_kinds_stay_emailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} by email {'on' if self.email else 'off'}"


class CalendarFeedQuerySet(models.QuerySet):
    def usable(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A person's private iCalendar feed of the due dates and kill deadlines they own or decide.
    Only a SHA-256 of the secret in its URL is stored; rotating revokes the old one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user} ({self.key_prefix}…)"
