"""The Django admin for people who run Gatehouse. It writes through ``portfolio.services`` like
every page: the same rules (shown next to their field), the same audit trail."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from . import rules, services
from .models import (
    AuditEvent,
    Membership,
    Organisation,
    PersonalAccessToken,
    Project,
    StageChange,
    User,
    WorkerHeartbeat,
)
from .querysets import BulkWriteRefused


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the form field it is about."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, texts in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


@admin.action(permissions=["delete"], description="Delete selected %(verbose_name_plural)s")
def delete_selected_keeping_history(modeladmin, request, queryset):
    """Django's "delete selected", for every admin of the site: when a row cannot go — history
    the database or the audit keeps, a bulk write that would skip the audit — nothing is
    deleted and the admin says why, instead of an error page."""
    try:
        with transaction.atomic():
            return delete_selected(modeladmin, request, queryset)
    except (
        ValidationError,
        ProtectedError,
        RestrictedError,
        IntegrityError,
        BulkWriteRefused,
    ) as exc:
        reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if isinstance(exc, ProtectedError | RestrictedError):
            reason = "other records still refer to them (history is kept, not deleted)."
        elif isinstance(exc, BulkWriteRefused):
            reason = "they change only through Gatehouse's own pages, which keep the audit."
        modeladmin.message_user(
            request,
            f"Nothing was deleted: {reason.splitlines()[0] if reason else 'it is refused.'}",
            messages.ERROR,
        )
        return None


admin.site.add_action(delete_selected_keeping_history, "delete_selected")


class TextRulesAdmin(admin.options.BaseModelAdmin):
    """The free-text rules of the pages for the admin's own forms (the fields are written
    without a service): ``name_fields`` refuse control characters, ``text_fields`` all but line
    breaks and tabs (``portfolio.rules.validate_name`` / ``validate_text``). Validators on the
    form fields, not the model fields, so that no migration is needed."""

    name_fields: tuple[str, ...] = ()
    text_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in self.name_fields:
            formfield.validators = [*formfield.validators, rules.validate_name]
        elif formfield is not None and db_field.name in self.text_fields:
            formfield.validators = [*formfield.validators, rules.validate_text]
        return formfield


class MembershipAdminForm(forms.ModelForm):
    """A membership as the admin edits it; the service's refusals appear next to the role."""

    class Meta:
        model = Membership
        fields = ["user", "organisation", "role"]

    def clean(self):
        cleaned = super().clean()
        current = self.instance
        if current.pk is None:
            return cleaned
        for field in ("user", "organisation"):
            chosen = cleaned.get(field)
            if chosen is not None and chosen.pk != getattr(current, f"{field}_id"):
                self.add_error(
                    field,
                    "A membership cannot move to another person or organisation; "
                    "remove it and add a new one.",
                )
        role = cleaned.get("role")
        if role:
            try:
                services.membership_validate_role(membership=current, role=role)
            except ValidationError as exc:
                _add_errors(self, exc)
        return cleaned


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Refuses removing a person who is still a named owner, before anything is saved."""

    def clean(self):
        super().clean()
        problems = []
        for form in self.forms:
            if not self.can_delete or not self._should_delete_form(form):
                continue
            if form.instance.pk is None:
                continue
            try:
                services.membership_validate_remove(membership=form.instance)
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            raise ValidationError(problems)


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipAdminForm
    formset = MembershipInlineFormSet
    extra = 1
    autocomplete_fields = ["user", "organisation"]


class MembershipsThroughServices:
    """For admins with a membership inline: saves and removals go through the services."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)  # collects new, changed and deleted rows
        for membership in formset.deleted_objects:
            services.membership_remove(membership=membership, by=request.user)
        for membership in memberships:
            saved = services.membership_set(
                user=membership.user,
                organisation=membership.organisation,
                role=membership.role,
                by=request.user,
            )
            membership.pk = saved.pk
            membership._state.adding = False
        return None

    # Deleting a person or an organisation would cascade to its memberships without the audit:
    # remove them through the service first. (A named owner is protected by the projects' owner
    # foreign keys, so the admin refuses that deletion before it gets here.)
    def delete_model(self, request, obj):
        with transaction.atomic():
            for membership in list(obj.memberships.all()):
                services.membership_remove(membership=membership, by=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class HistoryKeptOnDelete:
    """For people and organisations: one with history (audit events, signatures, decisions,
    projects, memberships…) is refused deletion with a message saying to deactivate it; the
    actions below do that, audited. Editing "active" by hand is off: only the actions move it."""

    delete_confirmation_template = "portfolio/admin/history_delete_confirmation.html"
    delete_selected_confirmation_template = (
        "portfolio/admin/history_delete_selected_confirmation.html"
    )
    actions = ["deactivate", "reactivate"]

    def get_deleted_objects(self, objs, request):
        """The delete pages list why it cannot go instead of a confirm button."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = []
        for obj in objs:
            try:
                services.history_validate_delete(obj)
            except ValidationError as exc:
                refusals.extend(exc.messages)
        if refusals:
            # The refusal is the whole story (not which related rows lack a delete right).
            return deleted, model_count, set(), refusals
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        services.history_validate_delete(obj)  # the pages refuse first; this holds for any caller
        super().delete_model(request, obj)

    def _set_active(self, request, queryset, *, active: bool) -> None:
        done, refused = 0, []
        for obj in queryset:
            try:
                before = obj.is_active
                self.set_active(obj=obj, active=active, by=request.user)
                done += before != active
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                refused.append(f"{obj}: {text}")
        verb = "reactivated" if active else "deactivated"
        self.message_user(request, f"{done} {verb}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(
        description="Deactivate the selected %(verbose_name_plural)s", permissions=["change"]
    )
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(
        description="Reactivate the selected %(verbose_name_plural)s", permissions=["change"]
    )
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, active=True)


@admin.register(User)
class UserAdmin(TextRulesAdmin, HistoryKeptOnDelete, MembershipsThroughServices, DjangoUserAdmin):
    name_fields = ("full_name",)
    ordering = ["full_name", "email"]
    list_display = ["email", "full_name", "is_partner", "is_staff", "is_active", "last_login"]
    list_filter = ["is_partner", "is_staff", "is_active", "memberships__role"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    actions = ["deactivate", "reactivate", "unlock_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "is_partner")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "is_partner", "password1", "password2"),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Deactivation is an audited act: the "Deactivate" action, not a checkbox.
        return [*super().get_readonly_fields(request, obj), "is_active"]

    @staticmethod
    def set_active(*, obj, active, by):
        services.person_set_active(person=obj, active=active, by=by)

    @admin.action(
        description="Unlock login: clear failed login attempts of the selected people",
        permissions=["change"],
    )
    def unlock_login(self, request, queryset):
        cleared = sum(services.user_login_unlock(user=user) for user in queryset)
        self.message_user(
            request,
            f"{len(queryset)} may log in again at once ({cleared} failed-login records cleared). "
            "Lockouts of a whole network address are under Axes › Access attempts.",
        )


@admin.register(Organisation)
class OrganisationAdmin(
    TextRulesAdmin, HistoryKeptOnDelete, MembershipsThroughServices, admin.ModelAdmin
):
    name_fields = ("name",)
    list_display = ["name", "slug", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["is_active"]
    inlines = [MembershipInline]

    @staticmethod
    def set_active(*, obj, active, by):
        services.organisation_set_active(organisation=obj, active=active, by=by)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships are written by ``membership_set`` and removed by ``membership_remove``:
    audited, and a person still named as a project owner cannot be removed."""

    form = MembershipAdminForm
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
    delete_confirmation_template = "portfolio/admin/membership_delete_confirmation.html"
    delete_selected_confirmation_template = (
        "portfolio/admin/membership_delete_selected_confirmation.html"
    )

    def get_readonly_fields(self, request, obj=None):
        # A membership belongs to one person in one organisation; only the role changes.
        return ["user", "organisation"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = services.membership_set(
            user=obj.user, organisation=obj.organisation, role=obj.role, by=request.user
        )
        obj.pk = saved.pk
        obj.created_at = saved.created_at
        obj._state.adding = False

    def get_deleted_objects(self, objs, request):
        """The delete pages list why a membership cannot go instead of a confirm button."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for membership in objs:
            try:
                services.membership_validate_remove(membership=membership)
            except ValidationError as exc:
                protected.extend(exc.messages)
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        # One by one through the service (a bulk delete would skip the audit and is refused).
        for membership in queryset.select_related("user", "organisation"):
            services.membership_remove(membership=membership, by=request.user)


class ProjectAdminForm(forms.ModelForm):
    """The project fields an admin may edit, checked by the service's own rules so that an
    error (an owner who is not a member, a decision-maker who is not an executive…) appears
    next to its field and nothing is saved."""

    class Meta:
        model = Project
        fields = ["organisation", *services.PROJECT_EDITABLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation", getattr(self.instance, "organisation", None))
        if organisation is None:
            return cleaned  # the organisation field already says what is wrong
        candidate = copy.copy(self.instance)
        candidate.organisation = organisation
        changes = {f: cleaned[f] for f in services.PROJECT_EDITABLE_FIELDS if f in cleaned}
        try:
            if candidate.pk is None:
                for field, value in changes.items():
                    setattr(candidate, field, value)
                if isinstance(candidate.name, str):
                    candidate.name = candidate.name.strip()
                services.project_validate(candidate)
            else:
                # The same checks as project_update: a date or signer the approved charter
                # governs is refused with how it moves instead.
                services.project_validate_update(project=candidate, changes=changes)
        except ValidationError as exc:
            _add_errors(self, exc)
        return cleaned


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_stage", "to_stage", "changed_by", "changed_at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Saves go through ``project_create`` / ``project_update`` (their ``via_admin`` variant:
    staff with the model permission, no PM role needed), so the rules and the audit are the
    pages' own. The stage moves only by a decision; projects are never deleted (a project ends
    with a kill decision)."""

    form = ProjectAdminForm
    list_display = [
        "name",
        "organisation",
        "stage",
        "pm",
        "decision_maker",
        "decision_date",
        "updated_at",
    ]
    list_filter = ["stage", "organisation"]
    search_fields = ["name", "summary", "organisation__name"]
    readonly_fields = ["slug", "stage", "created_by", "created_at", "updated_at"]
    autocomplete_fields = [
        "organisation",
        "business_owner",
        "production_owner",
        "engineering_owner",
        "decision_maker",
        "pm",
    ]
    list_select_related = ["organisation", "pm", "decision_maker"]
    inlines = [StageChangeInline]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a project stays in the organisation it was registered in
            return ["organisation", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {f: form.cleaned_data[f] for f in services.PROJECT_EDITABLE_FIELDS}
        if change:
            saved = services.project_update(project=obj, by=request.user, via_admin=True, **values)
        else:
            saved = services.project_create(
                organisation=form.cleaned_data["organisation"],
                by=request.user,
                via_admin=True,
                **values,
            )
        # The admin goes on with ``obj`` (inlines, the log, the redirect): make it the saved row.
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    """The stage log: written by decisions only, never edited or deleted here."""

    list_display = ["project", "from_stage", "to_stage", "changed_by", "changed_at"]
    list_filter = ["to_stage"]
    search_fields = ["project__name"]
    list_select_related = ["project", "changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(TextRulesAdmin, admin.ModelAdmin):
    name_fields = ("name",)

    """Tokens are read-only here: a token is made by its owner (the secret is shown once) and
    its scope, owner and expiry never change — a revoked token stays revoked. The one act is
    "Revoke", audited like the owner's own revocation."""

    list_display = [
        "name",
        "user",
        "key_prefix",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["scope"]
    search_fields = ["name", "user__email", "key_prefix"]
    fields = [
        "name",
        "user",
        "key_prefix",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = fields
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return (
            False  # tokens are created by their owner on the profile page: the secret is shown once
        )

    def has_change_permission(self, request, obj=None):
        # The change permission is what the "Revoke" action (on the list) needs; a token's own
        # page is view-only, and a POST to it is refused.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # a token's row is its history: revoke it

    def save_model(self, request, obj, form, change):
        raise PermissionDenied("Tokens cannot be edited; revoke one instead.")

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        done = 0
        for token in queryset:
            if token.revoked_at is None:
                services.token_revoke(token=token, by=request.user, via_admin=True)
                done += 1
        self.message_user(request, f"{done} token(s) revoked.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: the database refuses changing or deleting an event anyway."""

    list_display = ["at", "actor_label", "action", "object_repr", "organisation_name"]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_repr", "organisation_name", "action"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(WorkerHeartbeat)
admin.site.site_header = "Gatehouse administration"
admin.site.site_title = "Gatehouse admin"
