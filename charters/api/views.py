"""Charter endpoints of /api/v1/. Querysets come through the scoping rule (the base viewsets);
every write goes through ``charters.services`` with the same rules and messages as the pages."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio.api.base import ErrorSerializer, ScopedReadOnlyViewSet, ScopedViewSetMixin
from portfolio.api.filters import IdFilter
from portfolio.models import Project

from .. import selectors, services
from ..models import Charter, CharterVersion, ComplianceReview, Signature, Status
from .serializers import (
    CharterCreateSerializer,
    CharterSerializer,
    CharterVersionPatchErrorSerializer,
    CharterVersionSerializer,
    CharterVersionUpdateSerializer,
    ComplianceReviewErrorSerializer,
    ComplianceReviewInputSerializer,
    ComplianceReviewSerializer,
    MissingItemsErrorSerializer,
    RequestChangesErrorSerializer,
    RequestChangesSerializer,
    SignatureSerializer,
    SignErrorSerializer,
    StatusErrorSerializer,
)


class CharterFilter(filters.FilterSet):
    project = IdFilter(field_name="project_id")

    class Meta:
        model = Charter
        fields = ["project"]


@extend_schema_view(
    list=extend_schema(summary="Charters of the projects you can see"),
    retrieve=extend_schema(summary="One charter: goalposts moved and its versions"),
    create=extend_schema(
        summary="Start a project's charter with a draft version 1 (the project's PM)",
        request=CharterCreateSerializer,
        responses={
            201: CharterSerializer,
            404: OpenApiResponse(
                ErrorSerializer, "No such project among those you may see (`project`)."
            ),
        },
    ),
)
class CharterViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """A project's charter: its versions, newest last, and how far the goalposts have moved
    between approved versions. A charter is started once; it changes by amending."""

    serializer_class = CharterSerializer
    queryset = Charter.objects.select_related("project").prefetch_related(
        Prefetch("versions", queryset=CharterVersion.objects.order_by("number"))
    )
    scope_path = "project__organisation"
    filterset_class = CharterFilter

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = CharterCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = get_object_or_404(
            Project.objects.visible_to(request.user), pk=body.validated_data["project"]
        )
        charter = self.write(lambda: services.charter_start(project=project, by=request.user))
        data = CharterSerializer(charter, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    @extend_schema(
        summary="Amend the approved charter: a new draft version copied from it",
        request=None,
        responses={
            201: CharterVersionSerializer,
            400: OpenApiResponse(StatusErrorSerializer, "Nothing approved, or already amending."),
        },
    )
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk=None) -> Response:
        charter = self.get_object()
        version = self.write(
            lambda: services.charter_amend(charter=charter, by=request.user),
            through=selectors.versions_full(),
            scope_path=CharterVersionViewSet.scope_path,
        )
        data = CharterVersionSerializer(version, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class CharterVersionFilter(filters.FilterSet):
    project = IdFilter(field_name="charter__project_id")
    status = filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = CharterVersion
        fields = ["project", "status"]


@extend_schema_view(
    list=extend_schema(summary="Charter versions of the projects you can see"),
    retrieve=extend_schema(summary="One version with every section"),
    partial_update=extend_schema(
        summary="Save fields of a draft (the project's PM); same rules as the editor",
        description="Only the fields listed in the request body may be sent: a read-only "
        "field (`status`, `number`…) or an unknown one is a 400 naming it. Each rule's message "
        "is the editor's, under the field it concerns; rows (`data_sources`, `integrations`) "
        'answer with one message per problem, e.g. "Row 2 — estimate (weeks): Must be zero '
        'or more.". A version in review or approved is a 400 under `status`.',
        request=CharterVersionUpdateSerializer,
        responses={
            200: CharterVersionSerializer,
            400: OpenApiResponse(
                CharterVersionPatchErrorSerializer,
                "Refused: each field with the editor's messages; `status` when the version "
                "is not a draft.",
            ),
        },
    ),
)
class CharterVersionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """One version of a charter: every section, its completeness, what is still missing, its
    risk flags and signatures. A draft is edited by the project's PM; a complete draft is
    submitted for signatures; the last required signature approves it."""

    serializer_class = CharterVersionSerializer
    queryset = selectors.versions_full()
    scope_path = "charter__project__organisation"
    filterset_class = CharterVersionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        # Every organisation's memberships on the page in one query (for missing_items).
        context["member_roles"] = selectors.member_roles_by_organisation(
            {v.charter.project.organisation_id for v in page}
        )
        data = CharterVersionSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def _body(self, version) -> dict:
        return CharterVersionSerializer(version, context=self.get_serializer_context()).data

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        version = self.get_object()
        body = CharterVersionUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        version = self.write(
            lambda: services.charter_save_sections(
                version=version, data=body.to_service_data(), by=request.user
            )
        )
        return Response(self._body(version))

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Submit a complete draft for signatures (the project's PM)",
        request=None,
        responses={
            200: CharterVersionSerializer,
            400: OpenApiResponse(
                MissingItemsErrorSerializer, "Incomplete: the list of what is missing."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        version = self.get_object()
        version = self.write(lambda: services.charter_submit(version=version, by=request.user))
        return Response(self._body(version))

    @extend_schema(
        summary="Sign a version in review (its named signers); the last signature approves it",
        request=None,
        responses={
            200: CharterVersionSerializer,
            400: OpenApiResponse(
                SignErrorSerializer,
                "Not in review, already signed, or — for the last signature — a person named "
                "in the charter has left the organisation (under that person's field).",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk=None) -> Response:
        version = self.get_object()
        version = self.write(
            lambda: services.charter_sign(version=version, by=request.user), result=version
        )
        return Response(self._body(version))

    @extend_schema(
        summary="Withdraw your signature from a version in review",
        request=None,
        responses={
            200: CharterVersionSerializer,
            400: OpenApiResponse(StatusErrorSerializer, "The version is not in review."),
        },
    )
    @action(detail=True, methods=["post"], url_path="withdraw-signature")
    def withdraw_signature(self, request: Request, pk=None) -> Response:
        version = self.get_object()
        version = self.write(
            lambda: services.charter_withdraw_signature(version=version, by=request.user),
            result=version,
        )
        return Response(self._body(version))

    @extend_schema(
        summary="Send a version in review back to draft with a comment (signers or the PM)",
        request=RequestChangesSerializer,
        responses={
            200: CharterVersionSerializer,
            400: OpenApiResponse(
                RequestChangesErrorSerializer, "No comment, or the version is not in review."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: Request, pk=None) -> Response:
        version = self.get_object()
        body = RequestChangesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = self.write(
            lambda: services.charter_request_changes(
                version=version, by=request.user, comment=body.validated_data.get("comment", "")
            ),
            result=version,
        )
        return Response(self._body(version))

    @extend_schema(
        summary="Record the compliance review of a version in review or approved (its named "
        "compliance reviewer)",
        request=ComplianceReviewInputSerializer,
        responses={
            201: ComplianceReviewSerializer,
            400: OpenApiResponse(
                ComplianceReviewErrorSerializer, "Wrong state, or already recorded."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="compliance-review")
    def compliance_review(self, request: Request, pk=None) -> Response:
        version = self.get_object()
        body = ComplianceReviewInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = self.write(
            lambda: services.charter_record_compliance_review(
                version=version, by=request.user, note=body.validated_data.get("note", "")
            ),
            through=ComplianceReview.objects.all(),
            scope_path="version__charter__project__organisation",
        )
        return Response(ComplianceReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Signatures on this version, withdrawn ones included",
        responses={200: SignatureSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def signatures(self, request: Request, pk=None) -> Response:
        version = self.get_object()
        rows = Signature.objects.filter(version=version).select_related("signer")
        return Response(SignatureSerializer(rows, many=True).data)
