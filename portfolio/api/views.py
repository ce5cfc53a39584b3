"""The portfolio endpoints of /api/v1/. Every queryset comes through the scoping rule (the base
viewsets), every write through ``portfolio.services``."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import services
from portfolio.models import Membership, Organisation, Project, User, people_attach
from portfolio.scoping import is_pm, unscoped_queryset

from .base import ScopedReadOnlyViewSet, ScopedViewSetMixin
from .filters import MembershipFilter, ProjectFilter
from .serializers import (
    MembershipSerializer,
    MeSerializer,
    OrganisationSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Organisations you can see, with your role in each"),
    retrieve=extend_schema(summary="One organisation, with your role in it"),
)
class OrganisationViewSet(ScopedReadOnlyViewSet):
    """Organisations: the access boundary. Partners see all of them; others their own."""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.all()
    scope_path = "pk"
    search_fields = ["name", "slug"]

    def narrow_queryset(self, queryset):
        my_role = Membership.objects.filter(
            organisation=OuterRef("pk"), user_id=self.request.user.pk
        ).values("role")[:1]
        return queryset.annotate(role=Subquery(my_role))


@extend_schema_view(
    list=extend_schema(summary="Memberships in the organisations you can see"),
    retrieve=extend_schema(summary="One membership"),
)
class MembershipViewSet(ScopedReadOnlyViewSet):
    """Who holds which role in the organisations you can see."""

    serializer_class = MembershipSerializer
    queryset = Membership.objects.select_related("user")
    filterset_class = MembershipFilter
    search_fields = ["user__full_name", "user__email"]


@extend_schema_view(
    list=extend_schema(
        summary="Projects you can see",
        parameters=[
            OpenApiParameter("search", str, description="Words to look for in the project name.")
        ],
    ),
    retrieve=extend_schema(summary="One project"),
    create=extend_schema(
        summary="Register a project (PMs of the organisation)",
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer},
    ),
    update=extend_schema(
        summary="Update a project (PMs); needs the name, fields left out keep their value"
    ),
    partial_update=extend_schema(summary="Change some of a project's fields (PMs)"),
)
class ProjectViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Projects: no delete — a project ends by a kill decision, not by disappearing."""

    serializer_class = ProjectSerializer
    queryset = Project.objects.all()
    filterset_class = ProjectFilter
    search_fields = ["name"]

    def narrow_queryset(self, queryset):
        # The derived states are computed for today, so per request, on the scoped queryset.
        # One project joins its people; a page loads them in one query (paginate_queryset).
        queryset = queryset.with_states()
        listing = getattr(self, "action", None) == "list"
        return queryset if listing else queryset.with_people()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return people_attach(page) if page is not None else None

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = ProjectCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        # Who may register here is decided before the fields are read (as for an update).
        organisation_id = serializer.owners_organisation_id()
        if organisation_id and not is_pm(request.user, organisation_id):
            raise PermissionDenied("Only a PM of this organisation can register a project.")
        serializer.is_valid(raise_exception=True)
        project = self.write(
            lambda: services.project_create(by=request.user, **serializer.validated_data)
        )
        body = ProjectSerializer(project, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        project = self.get_object()
        # May this person change this project at all? Asked before a field is read, so a
        # refusal says nothing about the body — not which user ids exist elsewhere.
        if not services.can_edit_project(request.user, project):
            raise PermissionDenied("Only a PM of this organisation can edit its projects.")
        serializer = self.get_serializer(project, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        project = self.write(
            lambda: services.project_update(
                project=project, by=request.user, **serializer.validated_data
            )
        )
        return Response(self.get_serializer(project).data)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary="Who you are: the user behind this token or session",
        responses={200: MeSerializer},
        filters=False,
    )
)
class MeViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Whose token (or session) this is, and the organisations and role it reaches: lets a tool
    check what it holds before it reads or writes."""

    serializer_class = MeSerializer
    pagination_class = None
    filter_backends: list = []

    @unscoped_queryset(
        reason="only ever the caller's own user row: a person is not inside one organisation, "
        "and there is nobody else to find here"
    )
    def get_queryset(self):
        return User.objects.filter(pk=self.request.user.pk)

    def list(self, request: Request) -> Response:
        user = (
            self.get_queryset()
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("organisation").order_by(
                        "organisation__name"
                    ),
                )
            )
            .get()
        )
        return Response(self.get_serializer(user).data)
