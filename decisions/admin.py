"""Admin: gate templates and their criteria are data (DOMAIN.md), and so are the policies.

Gates, marks, measurements and decisions are shown read-only: they change only through the
services (decisions cannot change at all)."""

from django import forms
from django.contrib import admin

from portfolio.admin import TextRulesAdmin

from .checks import CHECKS
from .models import (
    CriterionKind,
    CriterionTemplate,
    Decision,
    Gate,
    GateCriterion,
    GateTemplate,
    Measurement,
    OrganisationPolicy,
    Reminder,
)
from .services.policies import (
    gate_template_record_change,
    gate_template_state,
    organisation_policy_save,
)


class CriterionTemplateForm(forms.ModelForm):
    """An automatic criterion names a known check; a manual one names none."""

    class Meta:
        model = CriterionTemplate
        fields = ("order", "key", "title", "kind", "check_key", "description")

    def clean(self):
        data = super().clean()
        kind, check_key = data.get("kind"), data.get("check_key") or ""
        if kind == CriterionKind.AUTOMATIC and check_key not in CHECKS:
            self.add_error(
                "check_key", f"Choose one of the known checks: {', '.join(sorted(CHECKS))}."
            )
        if kind == CriterionKind.MANUAL and check_key:
            self.add_error("check_key", "A manual criterion has no automatic check.")
        return data


class CriterionTemplateInline(TextRulesAdmin, admin.TabularInline):
    name_fields = ("title",)
    text_fields = ("description",)
    model = CriterionTemplate
    form = CriterionTemplateForm
    extra = 1
    fields = ("order", "key", "title", "kind", "check_key", "description")


@admin.register(GateTemplate)
class GateTemplateAdmin(TextRulesAdmin, admin.ModelAdmin):
    """Every save of a template and its criteria is audited with what changed. A template is
    not deleted (the gates opened from it name it); change it instead."""

    name_fields = ("name",)
    text_fields = ("description",)

    list_display = ("name", "from_stage", "to_stage", "key")
    inlines = [CriterionTemplateInline]
    prepopulated_fields = {"key": ("name",)}

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Read what is stored before the form and its inline write, for the audit's diff.
        request._gate_template_before = gate_template_state(obj if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        gate_template_record_change(
            template=form.instance,
            before=getattr(request, "_gate_template_before", {}),
            by=request.user,
        )


@admin.register(OrganisationPolicy)
class OrganisationPolicyAdmin(admin.ModelAdmin):
    """Each save goes through ``organisation_policy_save``: validated and audited. A policy is
    not deleted (set its values back instead), so its history stays whole."""

    list_display = (
        "organisation",
        "max_extensions_per_gate",
        "stalled_after_days",
        "lapse_policy",
        "lapse_grace_days",
        "remind_every_days",
        "signatures_wait_days",
    )
    list_select_related = ("organisation",)

    def save_model(self, request, obj, form, change):
        organisation_policy_save(policy=obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GateCriterionInline(admin.TabularInline):
    model = GateCriterion
    fields = ("order", "title", "kind", "check_key")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Gate)
class GateAdmin(ReadOnlyAdmin):
    list_display = ("project", "name", "from_stage", "to_stage", "opened_at")
    list_select_related = ("project",)
    inlines = [GateCriterionInline]


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("project", "kind", "value", "measured_at", "source", "recorded_by")
    list_filter = ("kind", "source")
    list_select_related = ("project", "recorded_by")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("project", "outcome", "decided_by", "decided_at", "supersedes")
    list_filter = ("outcome",)
    list_select_related = ("project", "decided_by", "supersedes")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """What the sweep claimed and what became of each email: for support, read-only."""

    list_display = ("kind", "recipient", "project", "due_date", "occurrence", "email_status",
                    "email_attempts", "created_at", "read_at")  # fmt: skip
    list_filter = ("kind", "email_status")
    list_select_related = ("recipient", "project")
    search_fields = ("recipient__email", "project__name", "subject")
