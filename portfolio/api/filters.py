"""Query filters of the portfolio endpoints. Ordering is always the cursor's (newest first)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portfolio.models import OWNER_FIELDS, Membership, Project, Role, Stage


def _by_organisation(queryset, value: str, path: str = "organisation"):
    """An organisation given by id or by slug."""
    value = (value or "").strip()
    if value.isdigit():
        return queryset.filter(**{f"{path}_id": int(value)})
    return queryset.filter(**{f"{path}__slug": value})


@extend_schema_field(OpenApiTypes.INT)
class UserIdFilter(django_filters.NumberFilter):
    """A user id (documented as an integer, not a decimal number)."""


class OrganisationFilterMixin(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        method="filter_organisation",
        label="Organisation id or slug",
    )

    def filter_organisation(self, queryset, name, value):
        return _by_organisation(queryset, value)


class ProjectFilter(OrganisationFilterMixin):
    stage = django_filters.MultipleChoiceFilter(
        choices=Stage.choices, label="Stage (repeat the parameter for several)"
    )
    owner = UserIdFilter(
        method="filter_owner",
        label="User id in any named owner role (business, production, "
        "engineering owner, decision-maker or PM)",
    )

    class Meta:
        model = Project
        fields = ["organisation", "stage", "owner"]

    def filter_owner(self, queryset, name, value):
        condition = Q()
        for field in OWNER_FIELDS:
            condition |= Q(**{f"{field}_id": int(value)})
        return queryset.filter(condition)


class MembershipFilter(OrganisationFilterMixin):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]
