"""Read-mostly admin: charters change through the services (the pages and the API)."""

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


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ["project", "goalposts_moved", "created_at"]
    search_fields = ["project__name"]
    list_select_related = ["project"]
    readonly_fields = ["project", "goalposts_moved", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
