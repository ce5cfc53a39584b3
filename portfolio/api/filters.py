"""Query filters of the portfolio endpoints. Ordering is always the cursor's (newest first).

Ids in query parameters: a value that is not a whole number is a 400 naming the parameter; a
whole number that names nothing — including one beyond any id the database can hold — is an
unknown id like any other and gives an empty list, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import django_filters
import django_filters.rest_framework
from django import forms
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portfolio.models import KillStatus, Membership, Project, Role, Stage

# The largest id a 64-bit primary key holds; larger numbers would overflow SQLite's INTEGER.
MAX_ID = 2**63 - 1


def known_id(value: int) -> bool:
    """Whether ``value`` can be an id at all (a positive 64-bit integer)."""
    return 0 < value <= MAX_ID


def _by_organisation(queryset, value: str, path: str = "organisation"):
    """An organisation given by id or by slug."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        number = int(value)
        if not known_id(number):
            return queryset.none()
        return queryset.filter(**{f"{path}_id": number})
    return queryset.filter(**{f"{path}__slug": value})


class IdField(forms.IntegerField):
    default_error_messages = {"invalid": "Give an id: a whole number."}


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """An object id (documented as an integer; 1.5 or 1e30 is refused, not rounded).

    Unlike django-filter's ModelChoiceFilter it does not look the object up: an id of another
    organisation's object and an id of nothing both give an empty list, so the answer never
    tells whether a foreign object exists."""

    field_class = IdField

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if not known_id(value):
            return qs.none()
        return super().filter(qs, value)


class UserIdFilter(IdFilter):
    """A user id."""


class IdFilterSet(django_filters.rest_framework.FilterSet):
    """The base of FilterSets generated from a view's ``filterset_fields``: foreign keys are
    filtered by id with ``IdFilter``."""

    FILTER_DEFAULTS = {
        **django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    filterset_base = IdFilterSet


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

    overdue = django_filters.BooleanFilter(
        label="Overdue: the current gate's due date or the kill deadline passed with no decision"
    )
    stalled = django_filters.BooleanFilter(
        label="Stalled: no activity for the stalled threshold, or overdue for more than 7 days"
    )
    kill_pending = django_filters.BooleanFilter(
        label="Kill pending: in PoC, kill deadline passed, threshold not met"
    )
    kill_status = django_filters.MultipleChoiceFilter(
        choices=KillStatus.choices, label="Kill condition status (repeat for several)"
    )

    class Meta:
        model = Project
        fields = [
            "organisation",
            "stage",
            "owner",
            "overdue",
            "stalled",
            "kill_pending",
            "kill_status",
        ]

    def filter_owner(self, queryset, name, value):
        if not known_id(value):
            return queryset.none()
        return queryset.named(value)


class MembershipFilter(OrganisationFilterMixin):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]
