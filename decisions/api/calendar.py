"""/api/v1/calendar-feed/: the caller's private calendar feed — whether there is one and what it
holds, a new secret URL (shown once), and revoking it. Writes go through
``decisions.services``, the same functions the profile page calls."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from decisions import calendar, services
from decisions.models import CalendarFeed
from portfolio.api.base import ScopedViewSetMixin
from portfolio.scoping import unscoped_queryset


class CalendarDateSerializer(serializers.Serializer):
    uid = serializers.CharField(
        help_text="The event's UID: the same for a project and kind of deadline while its date "
        "moves."
    )
    kind = serializers.ChoiceField(
        choices=[(calendar.GATE, "A gate's due date"), (calendar.KILL, "The kill deadline")]
    )
    date = serializers.DateField(source="day")
    summary = serializers.CharField()
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField()
    sequence = serializers.IntegerField(
        help_text="The event's SEQUENCE: rises each time one of the project's dates moves."
    )

    class Meta:
        ref_name = "CalendarDate"


# One object, though it answers the viewset's list action (the schema would say an array).
@extend_schema_serializer(many=False)
class CalendarFeedSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text="Whether you have a live feed URL.")
    key_prefix = serializers.CharField(
        allow_null=True,
        help_text="The first characters of the live URL's secret, to recognise it; null without "
        "a live feed. The secret itself is shown only once, when it is created.",
    )
    created_at = serializers.DateTimeField(allow_null=True)
    dates = CalendarDateSerializer(
        many=True,
        help_text="The deadlines the feed holds now: the open gate's due date and the kill "
        "deadline of each project in flight that names you as an owner or decision-maker.",
    )

    class Meta:
        ref_name = "CalendarFeed"


class CalendarFeedSecretSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The feed's address, secret included: subscribe to it in your calendar. It is "
        "not shown again."
    )
    key_prefix = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CalendarFeedSecret"


@extend_schema_view(
    list=extend_schema(
        summary="Your calendar feed: whether it is live, and the dates it holds",
        responses={200: CalendarFeedSerializer},
        filters=False,
    ),
    rotate=extend_schema(
        summary="Create a new calendar feed URL, revoking the old one",
        request=None,
        responses={201: CalendarFeedSecretSerializer},
    ),
    revoke=extend_schema(
        summary="Revoke your calendar feed URL",
        request=None,
        responses={204: OpenApiResponse(description="Revoked, or there was no live feed.")},
    ),
)
class CalendarFeedViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Your private calendar feed (iCalendar): the gate due dates and kill deadlines of the
    projects you own or decide, for your calendar application to subscribe to."""

    serializer_class = CalendarFeedSerializer
    pagination_class = None
    filter_backends: list = []

    @unscoped_queryset(
        reason="only ever the caller's own live feed: a feed belongs to a person, not to an "
        "organisation, and the dates in it are read through visible_to"
    )
    def get_queryset(self):
        return CalendarFeed.objects.usable().filter(user=self.request.user)

    def list(self, request: Request) -> Response:
        """Whether you have a live feed URL, when it was created and the first characters of
        its secret (never the secret), and the dates the feed holds now."""
        feed = self.get_queryset().first()
        data = {
            "active": feed is not None,
            "key_prefix": feed.key_prefix if feed else None,
            "created_at": feed.created_at if feed else None,
            "dates": calendar.feed_events(request.user),
        }
        return Response(CalendarFeedSerializer(data).data)

    @action(detail=False, methods=["post"])
    def rotate(self, request: Request) -> Response:
        """A new secret URL for your feed, answered once: copy it into your calendar. The URL
        you had before stops working at once."""
        secret = ""

        def rotate() -> CalendarFeed:
            nonlocal secret
            feed, secret = services.calendar_feed_rotate(user=request.user)
            return feed

        feed = self.write(rotate)
        data = {
            "url": calendar.feed_url(secret),
            "key_prefix": feed.key_prefix,
            "created_at": feed.created_at,
        }
        response = Response(CalendarFeedSecretSerializer(data).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @action(detail=False, methods=["post"])
    def revoke(self, request: Request) -> Response:
        """Revoke your feed URL: calendars subscribed to it get a 404 from now on. Revoking
        when there is no live feed does nothing."""
        self.write(
            lambda: services.calendar_feed_revoke(user=request.user),
            nothing_to_read="a revoked feed is nothing the caller can read back",
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
