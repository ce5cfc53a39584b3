"""Filters of the project list. The queryset they narrow is already scoped to the visitor."""

from __future__ import annotations

from functools import partial

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from .api.filters import MAX_ID
from .context_processors import visible_organisations
from .hooks import project_filters
from .models import KillStatus, Membership, Organisation, Project, Stage, User


class OwnerFilter(django_filters.ModelChoiceFilter):
    """A person named in any owner role (business, production, engineering, decision-maker, PM)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.named(value)


def _visible_people(request, *, organisation_id: int | None = None, keep: int | None = None):
    """People the owner filter offers: members of the organisations the visitor sees — of the
    chosen organisation only, when there is one (plus ``keep``, the owner already chosen, so
    switching organisation does not turn a chosen owner into an error)."""
    if request is None:
        return User.objects.none()
    user = request.user
    organisations = Organisation.objects.visible_to(user)
    memberships = Membership.objects.filter(organisation__in=organisations)
    people = User.objects.filter(pk__in=memberships.values("user_id"))
    if organisation_id is None and several_organisations(request):
        # Across several organisations the choice would list everybody (a partner's: the whole
        # firm): people are offered once an organisation is chosen.
        return people.filter(pk=keep).order_by("full_name") if keep else User.objects.none()
    if organisation_id is not None:
        in_organisation = Q(
            pk__in=memberships.filter(organisation_id=organisation_id).values("user_id")
        )
        people = people.filter((in_organisation | Q(pk=keep)) if keep else in_organisation)
    # A choice shows a name: the rest of a user row (a password hash, dates) is not read.
    return people.only("id", "full_name", "email").order_by("full_name", "email")


def several_organisations(request) -> bool:
    return len(visible_organisations(request)) > 1


def id_in(data, key: str) -> int | None:
    """A positive id from the query string, or None for anything else (left to the form)."""
    raw = (data.get(key) or "").strip() if data is not None else ""
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    return None


def _visible_organisations(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).order_by("name")


def _drill(spec, queryset, name, value):
    """A drill-down filter; a value it does not understand lists nothing rather than all."""
    try:
        return spec.apply(queryset, value.strip(), timezone.localdate())
    except ValueError:
        return queryset.none()


ATTENTION_CHOICES = [
    ("overdue", "Overdue"),
    ("kill_pending", "Kill pending"),
    ("stalled", "Stalled"),
    ("at_risk", "Kill condition at risk"),
]


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
    attention = django_filters.ChoiceFilter(
        choices=ATTENTION_CHOICES,
        empty_label="Anything",
        label="Needs attention",
        method="filter_attention",
    )

    class Meta:
        model = Project
        fields = ["q", "organisation", "stage", "owner", "attention"]

    def filter_attention(self, queryset, name, value):
        """The derived states of ``Project.objects.with_states()`` (the list annotates them)."""
        if value == "at_risk":
            return queryset.filter(kill_status=KillStatus.AT_RISK)
        return queryset.filter(**{value: True})

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # The dashboard's drill-down filters (portfolio.hooks.project_filters): hidden fields,
        # kept across in-place filtering, shown as chips that can be taken off.
        for spec in project_filters:
            self.filters[spec.name] = django_filters.CharFilter(
                method=partial(_drill, spec), widget=forms.HiddenInput
            )
        organisation_id = id_in(self.data, "organisation")
        self.filters["owner"].queryset = partial(
            _visible_people, organisation_id=organisation_id, keep=id_in(self.data, "owner")
        )
        request = kwargs.get("request")
        if organisation_id is None and request is not None and several_organisations(request):
            self.filters["owner"].extra["help_text"] = "Choose an organisation to pick a person."

    def narrowing(self) -> bool:
        """True when the visitor narrowed the list beyond the organisation (search, stage, owner,
        what needs attention, a drill-down from the dashboard)."""
        keys = ("q", "stage", "owner", "attention", *(spec.name for spec in project_filters))
        if not self.is_bound or not self.form.is_valid():
            return any(self.data.get(k) for k in keys)
        return any(self.form.cleaned_data.get(k) for k in keys)

    def drilldown_chips(self) -> list[tuple[str, str]]:
        """(what it says, the query string without it) for each drill-down filter in use."""
        chips = []
        for spec in project_filters:
            value = (self.data.get(spec.name) or "").strip()
            if not value:
                continue
            rest = self.data.copy()
            rest.pop(spec.name, None)
            rest.pop("page", None)
            chips.append((spec.describe(value), rest.urlencode()))
        return chips
