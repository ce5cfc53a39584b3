"""/api/v1/ endpoints for gates, criteria, measurements, decisions and the timeline.

Querysets come through the scoping rule (``ScopedViewSetMixin``); writes through
``decisions.services``, the same functions the pages call, by way of
``ScopedViewSetMixin.write``. Decisions have no update or delete:
PUT, PATCH and DELETE answer 405."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from decisions import selectors, services
from decisions.models import (
    Decision,
    Gate,
    GateCriterion,
    Measurement,
    MeasurementSource,
)
from decisions.timeline import event_dict, hydrate, timeline_page
from portfolio.api.base import ErrorSerializer, ScopedViewSetMixin
from portfolio.api.pagination import PageNumberPaginationRefusingBadPages
from portfolio.models import PersonalAccessToken, Project

from .serializers import (
    CriterionSerializer,
    DecisionCreateSerializer,
    DecisionSerializer,
    GateSerializer,
    MarkSerializer,
    MeasurementSerializer,
    TimelineEventSerializer,
)


def _visible_project(request, pk) -> Project:
    """A project the caller may see, or 404 (a foreign id is indistinguishable from none)."""
    return get_object_or_404(Project.objects.visible_to(request.user).with_people(), pk=pk)


def _gate_states(gates) -> dict:
    """{gate id: GateState} for gates loaded with ``gates_with_criteria``: fixed queries."""
    return selectors.gate_states(gates)


@extend_schema_view(
    list=extend_schema(
        summary="Gates of the projects you can see, with their criteria",
        parameters=[OpenApiParameter("project", int, description="Only this project's gates.")],
    ),
    retrieve=extend_schema(summary="One gate with its criteria and their state now"),
)
class GateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """A gate of a project (graduation from PoC to pilot, or pilot to production) with each of
    its criteria and whether it is met now. Gates open and close through decisions."""

    serializer_class = GateSerializer
    queryset = Gate.objects.all()
    scope_path = "project__organisation"
    filterset_fields = ["project"]

    def _with_criteria(self, qs):
        return (
            selectors.gates_with_criteria()
            .filter(pk__in=qs.values("pk"))
            .select_related(
                "project__organisation",
                "project__business_owner",
                "project__production_owner",
                "project__engineering_owner",
                "project__decision_maker",
                "project__pm",
            )
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        gates = list(self._with_criteria(Gate.objects.filter(pk__in=[g.pk for g in page])))
        gates.sort(key=lambda g: -g.pk)
        data = GateSerializer(gates, many=True, context={"gate_states": _gate_states(gates)}).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        gate = self.get_object()
        gate = self._with_criteria(Gate.objects.filter(pk=gate.pk)).get()
        return Response(GateSerializer(gate, context={"gate_states": _gate_states([gate])}).data)


@extend_schema_view(
    list=extend_schema(
        summary="Criteria of the gates you can see, with their state now",
        parameters=[OpenApiParameter("gate", int, description="Only this gate's criteria.")],
    ),
    retrieve=extend_schema(summary="One criterion with its state now"),
)
class CriterionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """A criterion of a gate and its state now: automatic ones are computed from the charter
    and the measurements; manual ones are marked met or not met with evidence."""

    serializer_class = CriterionSerializer
    queryset = GateCriterion.objects.all()
    scope_path = "gate__project__organisation"
    filterset_fields = ["gate"]

    def _statuses(self, criteria) -> dict:
        gate_ids = {c.gate_id for c in criteria}
        gates = (
            selectors.gates_with_criteria()
            .filter(pk__in=gate_ids)
            .select_related(
                "project__organisation", "project__production_owner", "project__decision_maker"
            )
        )
        states = _gate_states(gates)
        return {c.criterion.pk: c for s in states.values() for c in s.criteria}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = CriterionSerializer(page, many=True, context={"statuses": self._statuses(page)}).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        criterion = self.get_object()
        return Response(
            CriterionSerializer(criterion, context={"statuses": self._statuses([criterion])}).data
        )

    @extend_schema(
        summary="Mark a manual criterion met / not met with evidence, or take a mark back",
        request=MarkSerializer,
        responses={200: CriterionSerializer},
    )
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        criterion = self.get_object()
        serializer = MarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        measurement = None
        if data["evidence_measurement"]:
            measurement = Measurement.objects.filter(
                pk=data["evidence_measurement"], project_id=criterion.gate.project_id
            ).first()
            if measurement is None:
                raise ValidationError(
                    {"evidence_measurement": ["No such measurement of this project."]}
                )
        criterion = self.write(
            lambda: services.criterion_mark(
                criterion=criterion,
                state=data["state"],
                by=request.user,
                evidence_text=data["evidence_text"],
                evidence_url=data["evidence_url"],
                evidence_measurement=measurement,
            ),
            result=criterion,
        )
        return Response(
            CriterionSerializer(criterion, context={"statuses": self._statuses([criterion])}).data
        )


@extend_schema_view(
    list=extend_schema(
        summary="Measurements of the projects you can see, newest first",
        parameters=[
            OpenApiParameter("project", int, description="Only this project's measurements."),
            OpenApiParameter("kind", str, description="metric, latency_ms or cost_per_call."),
        ],
    ),
    retrieve=extend_schema(summary="One measurement"),
    create=extend_schema(
        summary="Report a measurement (e.g. an evaluation harness's score; read-write token)",
        request=MeasurementSerializer,
        responses={
            201: MeasurementSerializer,
            404: OpenApiResponse(
                ErrorSerializer, "No such project among those you may see (`project`)."
            ),
        },
    ),
)
class MeasurementViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Readings of the success metric, latency and cost. They cannot be edited or deleted."""

    serializer_class = MeasurementSerializer
    queryset = Measurement.objects.select_related("recorded_by")
    scope_path = "project__organisation"
    filterset_fields = ["project", "kind"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = _visible_project(request, data["project_id"])
        token = request.auth if isinstance(request.auth, PersonalAccessToken) else None
        m = self.write(
            lambda: services.measurement_record(
                project=project,
                kind=data["kind"],
                value=data["value"],
                measured_at=data.get("measured_at"),
                note=data.get("note", ""),
                by=request.user,
                source=MeasurementSource.API,
                token_name=token.name if token else "",
            )
        )
        return Response(self.get_serializer(m).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Decisions on the projects you can see, newest first",
        parameters=[OpenApiParameter("project", int, description="Only this project's decisions.")],
    ),
    retrieve=extend_schema(summary="One decision with its snapshot of criteria and measurements"),
    create=extend_schema(
        summary="Record go / kill / extend (the project's named decision-maker only)",
        description="Only the project's named decision-maker, who must be an executive of the "
        "organisation, may decide (403 otherwise). Every rule a decision breaks is a 400 naming "
        "its field: go with unmet criteria (listed), a gate no longer open, kill without a "
        "reason, an extension beyond the policy or dates out of range.",
        request=DecisionCreateSerializer,
        responses={
            201: DecisionSerializer,
            404: OpenApiResponse(
                ErrorSerializer,
                "No such project among those you may see (`project`), or no such decision of "
                "it to correct (`supersedes`).",
            ),
        },
    ),
)
class DecisionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Append-only: no update, no delete (405). Correct a decision by superseding it."""

    serializer_class = DecisionSerializer
    queryset = Decision.objects.select_related("decided_by", "gate")
    scope_path = "project__organisation"
    filterset_fields = ["project", "outcome"]

    def get_serializer_class(self):
        return DecisionCreateSerializer if self.action == "create" else DecisionSerializer

    def create(self, request, *args, **kwargs):
        serializer = DecisionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = _visible_project(request, data.pop("project"))
        supersedes = data.pop("supersedes")
        if supersedes is not None:
            supersedes = get_object_or_404(Decision, pk=supersedes, project=project)
        gate = data.pop("gate")
        if gate is not None:
            gate = Gate.objects.filter(pk=gate, project=project).first()
            if gate is None:
                raise ValidationError({"gate": ["No such gate of this project."]})
        decision = self.write(
            lambda: services.decision_record(
                project=project, by=request.user, supersedes=supersedes, gate=gate, **data
            )
        )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class TimelinePagination(PageNumberPaginationRefusingBadPages):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema_view(
    list=extend_schema(
        summary="A project's timeline, newest first",
        parameters=[
            OpenApiParameter("project_pk", int, OpenApiParameter.PATH, description="The project.")
        ],
        responses={200: TimelineEventSerializer(many=True)},
        filters=False,
    )
)
class TimelineViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Charter versions, signatures, criteria marks, measurements, decisions, stage changes and
    audit events of one project."""

    serializer_class = TimelineEventSerializer
    pagination_class = TimelinePagination
    queryset = Project.objects.all()
    filter_backends: list = []

    def list(self, request, project_pk=None):
        project = get_object_or_404(self.get_queryset(), pk=project_pk)
        page = self.paginate_queryset(timeline_page(project))
        data = TimelineEventSerializer([event_dict(e) for e in hydrate(page)], many=True).data
        return self.get_paginated_response(data)
