"""/api/v1/dashboard/: the portfolio dashboard's figures as JSON, for a BI tool.

The same filters as the page (``decisions.dashboard_views.read_filters``: the same choices,
checked against what the caller may see) and the same numbers (``decisions.dashboard.summary``):
what the page shows, the API answers. A filter value the page would ignore is a 400 here,
naming the parameter. Read-only, and scoped: a member gets only their organisations' numbers.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from charters.selectors import FLAGS
from decisions import dashboard
from decisions.dashboard_views import read_filters
from portfolio.api.base import ScopedViewSetMixin
from portfolio.models import Project, Stage

# --- serializers ---------------------------------------------------------------------------


@extend_schema_field({"type": "number", "nullable": True, "description": "An integer for counts."})
class NumberField(serializers.Field):
    """A figure's value as it is: an integer count, a float (a percentage, days), or null."""

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class LinkField(serializers.Field):
    """The project list listing exactly the projects behind a figure, as an absolute URL."""

    def to_representation(self, value):
        request = self.context.get("request")
        return request.build_absolute_uri(value) if request is not None else value


class FigureSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="What the number counts, in words.")
    value = NumberField(
        help_text="The number: a count of projects or gates, a percentage (rates), or days "
        "(medians); null when there is nothing to compute (the page shows “—”)."
    )
    link = LinkField(
        allow_null=True,
        help_text="The project list (a page) listing exactly the projects behind the number, "
        "with the filters that reproduce it; null for a figure that is no count of projects.",
    )

    class Meta:
        ref_name = "DashboardFigure"


def figures(help_text: str) -> FigureSerializer:
    return FigureSerializer(many=True, help_text=help_text)


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="As in the `period` parameter: all, 12m, 2026, 2026-Q3.")
    label = serializers.CharField()
    start = serializers.DateField(allow_null=True, help_text="Null: since the beginning.")
    end = serializers.DateField(allow_null=True, help_text="Null: up to today.")

    class Meta:
        ref_name = "DashboardPeriod"


class ScopeSerializer(serializers.Serializer):
    """The filters the figures were computed for."""

    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    period = PeriodSerializer()
    stage = serializers.CharField(help_text="Empty: any stage.")
    decision_maker = serializers.IntegerField(source="decision_maker_id", allow_null=True)
    risk_flag = serializers.CharField(help_text="Empty: any.")
    today = serializers.DateField(help_text="The day the figures were computed for.")

    class Meta:
        ref_name = "DashboardScope"


class FunnelSerializer(serializers.Serializer):
    started = FigureSerializer()
    reached_pilot = FigureSerializer()
    reached_production = FigureSerializer()
    killed = figures("Killed in PoC, in pilot, in production (in that order).")
    in_flight = figures("Still in PoC, still in pilot (in that order).")
    poc_to_pilot = FigureSerializer(help_text="Conversion, in %.")
    pilot_to_production = FigureSerializer(help_text="Conversion, in %.")
    graduation_rate = FigureSerializer(help_text="Reached production ÷ started PoC, in %.")

    class Meta:
        ref_name = "DashboardFunnel"


class TrendRowSerializer(serializers.Serializer):
    period = PeriodSerializer(help_text="The quarter the PoCs started in.")
    started = FigureSerializer()
    reached_production = FigureSerializer()
    graduation_rate = FigureSerializer(help_text="In %.")
    days_to_decision = FigureSerializer(
        help_text="Median days from PoC start to the graduation gate's decision."
    )

    class Meta:
        ref_name = "DashboardTrendRow"


class FlowSerializer(serializers.Serializer):
    in_progress = figures("Projects now in each stage in flight: proposed, PoC, pilot.")
    days_in_stage = figures("Median days the projects now in each stage have spent there.")
    days_to_production = FigureSerializer(help_text="Median days, PoC start → production.")
    days_to_kill = FigureSerializer(help_text="Median days, PoC start → kill.")

    class Meta:
        ref_name = "DashboardFlow"


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "DashboardOrganisationRef"


class AttentionProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = OrganisationRefSerializer()
    stage = serializers.ChoiceField(choices=Stage.choices)
    next_deadline = serializers.DateField(
        source="next_due", allow_null=True, help_text="The next date a decision or kill is due."
    )
    kill_deadline = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    kill_pending = serializers.BooleanField()
    stalled = serializers.BooleanField()
    url = serializers.SerializerMethodField(help_text="The project's page.")

    class Meta:
        ref_name = "DashboardAttentionProject"

    def get_url(self, project: Project) -> str:
        request = self.context.get("request")
        path = project.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path


class AttentionListSerializer(serializers.Serializer):
    figure = FigureSerializer(help_text="How many projects are on the list (all of them).")
    rows = AttentionProjectSerializer(
        many=True,
        help_text=f"The first {dashboard.ATTENTION_ROWS}, soonest deadline first: follow the "
        "figure's link for the whole list.",
    )

    class Meta:
        ref_name = "DashboardAttentionList"


class AttentionSerializer(serializers.Serializer):
    overdue = AttentionListSerializer()
    kill_soon = AttentionListSerializer(
        help_text=f"Kill deadlines in the next {dashboard.KILL_SOON_DAYS} days."
    )
    kill_pending = AttentionListSerializer()
    stalled = AttentionListSerializer()

    class Meta:
        ref_name = "DashboardAttention"


class GraveyardSerializer(serializers.Serializer):
    killed = FigureSerializer(help_text="Killed in the period.")
    by_reason = figures("Per kill reason, most common first.")
    by_policy = FigureSerializer(help_text="Killed automatically by the lapse policy.")
    by_person = FigureSerializer(help_text="Killed by a decision a person made.")
    pivots = FigureSerializer()
    days_to_kill = FigureSerializer(help_text="Median days from start to kill.")

    class Meta:
        ref_name = "DashboardGraveyard"


class GoalpostsSerializer(serializers.Serializer):
    projects = FigureSerializer()
    amendments = FigureSerializer()
    lowered = FigureSerializer()
    raised = FigureSerializer()

    class Meta:
        ref_name = "DashboardGoalposts"


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()

    class Meta:
        ref_name = "DashboardPerson"


class AccountableSerializer(serializers.Serializer):
    decision_maker = PersonRefSerializer(source="person", allow_null=True)
    due = FigureSerializer(help_text="Gates due in the period (their stored due date).")
    on_time = FigureSerializer()
    late = FigureSerializer()
    lapsed = FigureSerializer(help_text="Past due and still undecided.")
    days_late = FigureSerializer(help_text="Median days from due date to decision.")
    extensions = FigureSerializer(help_text="Extensions they granted in the period.")
    killed_by_policy = FigureSerializer(
        help_text="Projects the lapse policy killed while they were the decision-maker."
    )

    class Meta:
        ref_name = "DashboardAccountable"


class OrganisationRowSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    by_stage = figures("Projects per stage now: proposed, PoC, pilot, production, killed.")
    started = FigureSerializer(help_text="The organisation's cohort: PoCs started in the period.")
    graduation_rate = FigureSerializer(help_text="In %.")

    class Meta:
        ref_name = "DashboardOrganisationRow"


# One object, though it answers the viewset's list action (the schema would say an array).
@extend_schema_serializer(many=False)
class DashboardSerializer(serializers.Serializer):
    scope = ScopeSerializer()
    funnel = FunnelSerializer()
    trend = TrendRowSerializer(many=True, help_text="The last eight quarters, oldest first.")
    flow = FlowSerializer()
    attention = AttentionSerializer()
    graveyard = GraveyardSerializer()
    goalposts = GoalpostsSerializer()
    accountability = AccountableSerializer(many=True, help_text="One row per decision-maker.")
    organisations = OrganisationRowSerializer(
        many=True,
        help_text="Organisation × stage and each organisation's graduation rate: for whoever "
        "sees several organisations (partners); empty for anyone who sees one.",
    )

    class Meta:
        ref_name = "Dashboard"


class DashboardFilterErrorSerializer(serializers.Serializer):
    """A 400: each filter parameter the caller may not use, with why."""

    organisation = serializers.ListField(child=serializers.CharField(), required=False)
    period = serializers.ListField(child=serializers.CharField(), required=False)
    stage = serializers.ListField(child=serializers.CharField(), required=False)
    decision_maker = serializers.ListField(child=serializers.CharField(), required=False)
    risk_flag = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "DashboardValidationError"


# --- the endpoint -------------------------------------------------------------------------------

PARAMETERS = [
    OpenApiParameter(
        "organisation",
        OpenApiTypes.INT,
        description="An organisation you may see (its id). Default: all of them.",
    ),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        description="The cohort period: `all` (default), `12m`, a year (`2026`) or a quarter "
        "(`2026-Q3`). The funnel, flow medians, graveyard, accountability and the "
        "organisations' graduation rates count it; the trend always shows the last eight "
        "quarters.",
    ),
    OpenApiParameter(
        "stage",
        OpenApiTypes.STR,
        enum=Stage.values,
        description="Only projects now in this stage.",
    ),
    OpenApiParameter(
        "decision_maker",
        OpenApiTypes.INT,
        description="Only projects this person decides: the id of an executive of an "
        "organisation you may see.",
    ),
    OpenApiParameter(
        "risk_flag",
        OpenApiTypes.STR,
        enum=list(FLAGS),
        description="Only projects raising this risk flag.",
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="The portfolio dashboard's figures",
        parameters=PARAMETERS,
        responses={
            200: DashboardSerializer,
            400: OpenApiResponse(
                DashboardFilterErrorSerializer,
                "A filter value you may not use, named by its query parameter.",
            ),
        },
        filters=False,
    ),
)
class DashboardViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """The portfolio dashboard's figures, as the dashboard page shows them for the same
    filters: the cohort funnel and graduation rate, the quarterly trend, flow, the attention
    lists, the graveyard, goalposts moved, decision-maker accountability and, for whoever sees
    several organisations, the organisation × stage table. Each figure comes with the link to
    the project list that lists exactly the projects behind it."""

    queryset = Project.objects.all()  # unused: the figures read through visible_to themselves
    serializer_class = DashboardSerializer
    pagination_class = None
    filter_backends: list = []

    def list(self, request: Request) -> Response:
        """The figures for the filters in the query string (the page's: `organisation`,
        `period`, `stage`, `decision_maker`, `risk_flag`), over the organisations you may see.
        A value you may not use is a 400 naming the parameter."""
        filters = read_filters(request.user, request.query_params, today=timezone.localdate())
        if filters.ignored:
            raise exceptions.ValidationError(filters.ignored)
        summary = dashboard.summary_cached(
            filters.scope, with_organisations=filters.several_organisations
        )
        data = DashboardSerializer(summary, context={"request": request}).data
        return Response(data)
