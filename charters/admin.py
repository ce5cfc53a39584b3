"""Read-only admin: charters change through the services (the pages and the API). Nothing here
adds, edits or deletes a charter, a version or a signature — and an approved version and the
signatures are append-only in the database too (migration 0006)."""

from django.contrib import admin

from .models import (
    ChangeRequest,
    Charter,
    CharterVersion,
    ComplianceReview,
    DataSource,
    Integration,
    Signature,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DataSourceInline(ReadOnlyInline):
    model = DataSource


class IntegrationInline(ReadOnlyInline):
    model = Integration


class SignatureInline(ReadOnlyInline):
    model = Signature


class ChangeRequestInline(ReadOnlyInline):
    model = ChangeRequest


class ComplianceReviewInline(ReadOnlyInline):
    model = ComplianceReview
    fk_name = "version"


class VersionInline(ReadOnlyInline):
    model = CharterVersion
    fields = ["number", "status", "submitted_at", "approved_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["project", "goalposts_moved", "created_at"]
    search_fields = ["project__name"]
    list_select_related = ["project"]
    inlines = [VersionInline]


@admin.register(CharterVersion)
class CharterVersionAdmin(ReadOnlyAdmin):
    list_display = ["charter", "number", "status", "submitted_at", "approved_at"]
    list_filter = ["status"]
    search_fields = ["charter__project__name"]
    list_select_related = ["charter__project"]
    inlines = [
        DataSourceInline,
        IntegrationInline,
        SignatureInline,
        ChangeRequestInline,
        ComplianceReviewInline,
    ]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["version", "signer", "role", "signed_at", "withdrawn_at"]
    list_filter = ["role"]
    search_fields = ["version__charter__project__name", "signer__email", "signer__full_name"]
    list_select_related = ["version__charter__project", "signer"]
