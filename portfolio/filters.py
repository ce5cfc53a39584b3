"""Filters of the project list. The queryset they narrow is already scoped to the visitor."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from .models import OWNER_FIELDS, Membership, Organisation, Project, Stage, User


class OwnerFilter(django_filters.ModelChoiceFilter):
    """A person named in any owner role (business, production, engineering, decision-maker, PM)."""

    def filter(self, qs, value):
        if not value:
            return qs
        condition = Q()
        for field in OWNER_FIELDS:
            condition |= Q(**{field: value})
        return qs.filter(condition)


def _visible_people(request):
    if request is None:
        return User.objects.none()
    organisations = Organisation.objects.visible_to(request.user)
    return User.objects.filter(
        pk__in=Membership.objects.filter(organisation__in=organisations).values("user_id")
    ).order_by("full_name", "email")


def _visible_organisations(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).order_by("name")


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Project name…"}),
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=_visible_organisations, empty_label="All organisations"
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    owner = OwnerFilter(queryset=_visible_people, empty_label="Anyone", label="Owner")

    class Meta:
        model = Project
        fields = ["q", "organisation", "stage", "owner"]

    def narrowing(self) -> bool:
        """True when the visitor narrowed the list beyond the organisation (search, stage, owner)."""
        if not self.is_bound or not self.form.is_valid():
            return bool(self.data.get("q") or self.data.get("stage") or self.data.get("owner"))
        return any(self.form.cleaned_data.get(k) for k in ("q", "stage", "owner"))
