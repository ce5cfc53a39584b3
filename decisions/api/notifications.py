"""/api/v1/ endpoints for the caller's notifications and each project's reminder history.

A notification is the caller's own ``Reminder``: read through ``Reminder.objects.notifications_of``
(their own, on projects they may still see, and their digests), marked read through
``decisions.services``. A project's reminder history is every reminder about it — who was told
what, when, and whether the email went out — for whoever may see the project. Read-only."""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from decisions import services
from decisions.models import Reminder, ReminderKind
from portfolio.api.base import ScopedViewSetMixin
from portfolio.api.filters import FilterBackend
from portfolio.api.pagination import NewestFirstCursorPagination
from portfolio.api.serializers import PersonSerializer
from portfolio.models import Project
from portfolio.scoping import unscoped_queryset

# --- serializers ---------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    """One of the caller's notifications."""

    kind = serializers.ChoiceField(choices=ReminderKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    project_name = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = [
            "id",
            "kind",
            "kind_display",
            "project",
            "project_name",
            "due_date",
            "subject",
            "body",
            "url",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "project": {"help_text": "The project it is about; null for the weekly digest."},
            "url": {"help_text": "Where to act: a path of the Gatehouse web app."},
            "due_date": {"help_text": "The date it is about (a due date, a digest's week)."},
        }

    def get_project_name(self, obj: Reminder) -> str | None:
        return obj.project.name if obj.project_id else None

    def get_unread(self, obj: Reminder) -> bool:
        return obj.read_at is None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread until now.")


class ReminderHistorySerializer(serializers.ModelSerializer):
    """One reminder about a project: to whom, what it said, when, and its email's fate."""

    kind = serializers.ChoiceField(choices=ReminderKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    recipient = PersonSerializer(read_only=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "due_date",
            "occurrence",
            "recipient",
            "subject",
            "body",
            "created_at",
            "email_status",
            "emailed_at",
            "email_attempts",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "occurrence": {"help_text": "0 for the first reminder; n for its n-th repeat."},
            "email_status": {
                "help_text": "pending, sent, failed or not_emailed (in the app only)."
            },
        }


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        label="true: only unread notifications; false: only those already read.",
    )

    class Meta:
        model = Reminder
        fields = ["unread"]


# --- viewsets ------------------------------------------------------------------------------


class NewestReminderFirst(NewestFirstCursorPagination):
    """Newest first by when it was created, as on the page (a sweep creates a batch at one
    time: the id then orders it, and the cursor steps over ties)."""

    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first"),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own notifications: every reminder Gatehouse sent them — a gate or kill
    deadline coming up, a lapse, a signature awaited, a stalled project, an escalation, the
    weekly digest — about projects they may still see. Another person's notification is a 404.
    ``?unread=true`` keeps the unread ones."""

    serializer_class = NotificationSerializer
    pagination_class = NewestReminderFirst
    filter_backends = [FilterBackend]
    filterset_class = NotificationFilter

    @unscoped_queryset(
        reason="only ever the caller's own reminders, through Reminder.objects.notifications_of: it "
        "scopes each reminder's project by organisation itself and keeps the weekly digest, "
        "which is about no project (an organisation scope would drop it)"
    )
    def get_queryset(self):
        return Reminder.objects.notifications_of(self.request.user).select_related("project")

    def list(self, request: Request, *args, **kwargs) -> Response:
        """The caller's notifications, newest first, unread or not (``?unread=true``: only
        the unread ones). Each says what is due, for which project, and where to act."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        """One of the caller's notifications. Someone else's is a 404."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationSerializer},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk=None) -> Response:
        """Marks the notification read (already read: it stays as it was) and answers it.
        Someone else's notification is a 404."""
        reminder = self.get_object()
        reminder = self.write(
            lambda: services.notification_mark_read(reminder=reminder, by=request.user)
        )
        return Response(self.get_serializer(reminder).data)

    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={200: MarkedReadSerializer},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        """Marks every unread notification of the caller read, and says how many there were.
        Only the caller's own are touched."""
        marked = self.write(
            lambda: services.notification_mark_all_read(by=request.user),
            nothing_to_read="many rows, all the caller's own: the UPDATE is bounded by them",
        )
        return Response(MarkedReadSerializer({"marked": marked}).data)


@extend_schema_view(
    list=extend_schema(
        summary="A project's reminder history, newest first",
        parameters=[
            OpenApiParameter("project_pk", int, OpenApiParameter.PATH, description="The project.")
        ],
        responses={200: ReminderHistorySerializer(many=True)},
        filters=False,
    )
)
class ProjectReminderViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Every reminder Gatehouse sent about one project, to every recipient: who was told what,
    when, and whether the email went out (pending, sent, failed, or in the app only). Read-only;
    for whoever may see the project — another organisation's project is a 404."""

    serializer_class = ReminderHistorySerializer
    pagination_class = NewestReminderFirst
    queryset = Reminder.objects.select_related("recipient")
    scope_path = "project__organisation"
    filter_backends: list = []

    def list(self, request: Request, project_pk=None) -> Response:
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=project_pk)
        page = self.paginate_queryset(self.get_queryset().filter(project=project))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
