"""Tenancy that cannot be forgotten: one scoping function behind every ``visible_to``, view bases
that refuse to be read around at import, and one write path that re-reads through the scope."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from rest_framework import exceptions, viewsets
from rest_framework.test import APIClient

from config.api_router import router
from decisions.models import Decision, Gate, Measurement
from decisions.services import gate_open
from portfolio import services
from portfolio.api.base import ScopedViewSetMixin
from portfolio.api.views import ProjectViewSet
from portfolio.models import EDITING_ROLES, Membership, Organisation, Project
from portfolio.scoping import scope, scope_editable, unscoped_queryset
from portfolio.views.mixins import ProjectScopedMixin
from tests.factories import ProjectFactory

# Every model whose queryset has visible_to, with the path from it to its organisation.
VISIBLE_TO = {
    Organisation: "pk",
    Membership: "organisation",
    Project: "organisation",
    Gate: "project__organisation",
    Measurement: "project__organisation",
    Decision: "project__organisation",
}
EDITABLE_BY = {Organisation: "pk", Project: "organisation"}


def _models_with(method: str) -> set:
    return {
        model
        for model in apps.get_models()
        if hasattr(model._default_manager.all(), method) and model._meta.app_label != "auth"
    }


def test_every_visible_to_is_listed_here():
    """A new ``visible_to`` must join the table below, and so the delegation test."""
    assert _models_with("visible_to") == set(VISIBLE_TO)
    assert _models_with("editable_by") == set(EDITABLE_BY)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["pm", "viewer", "partner", "outsider"])
@pytest.mark.parametrize("model", list(VISIBLE_TO), ids=lambda m: m.__name__)
def test_visible_to_is_the_scoping_function(request, project, other_project, model, role):
    user = request.getfixturevalue(role)
    ours = model._default_manager.visible_to(user)
    theirs = scope(model._default_manager.all(), user, VISIBLE_TO[model])
    assert str(ours.query) == str(theirs.query)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["pm", "viewer", "partner"])
@pytest.mark.parametrize("model", list(EDITABLE_BY), ids=lambda m: m.__name__)
def test_editable_by_is_the_scoping_function(request, project, model, role):
    user = request.getfixturevalue(role)
    ours = model._default_manager.editable_by(user)
    theirs = scope_editable(
        model._default_manager.all(), user, EDITABLE_BY[model], roles=EDITING_ROLES
    )
    if role == "pm":
        assert str(ours.query) == str(theirs.query)
    else:  # no organisation to edit in: both are the empty queryset (no SQL to compare)
        assert list(ours) == list(theirs) == []
    assert ours.exists() == (role == "pm")


# --- the guard: overriding the read fails at import ---------------------------------------------


def test_an_api_viewset_defining_get_queryset_fails_at_import():
    with pytest.raises(TypeError, match="overrides get_queryset.*narrow_queryset"):

        class Widening(ScopedViewSetMixin, viewsets.GenericViewSet):
            queryset = Project.objects.all()

            def get_queryset(self):
                return Project.objects.all()


def test_a_subclass_of_a_concrete_viewset_is_guarded_too():
    with pytest.raises(TypeError, match="overrides get_object"):

        class Peeking(ProjectViewSet):
            def get_object(self):
                return Project.objects.first()


def test_the_named_escape_hatch_lets_a_viewset_read_unscoped():
    class Unscoped(ScopedViewSetMixin, viewsets.GenericViewSet):
        @unscoped_queryset(reason="a test of the hatch")
        def get_queryset(self):
            return Project.objects.all()

    assert Unscoped.get_queryset.unscoped_reason == "a test of the hatch"


def test_the_escape_hatch_needs_a_reason():
    with pytest.raises(TypeError, match="needs a reason"):
        unscoped_queryset(reason="  ")


@pytest.mark.django_db
def test_narrow_queryset_annotates_but_cannot_widen(project, other_project, pm):
    class Widening(ProjectViewSet):
        def narrow_queryset(self, queryset):
            return Project.objects.all()  # tries to reach every organisation

    view = Widening()
    view.request = SimpleNamespace(user=pm)
    assert list(view.get_queryset()) == [project]


def test_a_page_redefining_how_the_project_is_found_fails_at_import():
    with pytest.raises(TypeError, match="overrides get_project"):

        class Widening(ProjectScopedMixin):
            def get_project(self):
                return Project.objects.first()

    with pytest.raises(TypeError, match="overrides get_queryset"):

        class Listing(ProjectScopedMixin):
            def get_queryset(self):
                return Project.objects.all()


def test_a_page_may_use_the_escape_hatch():
    class Unscoped(ProjectScopedMixin):
        @unscoped_queryset(reason="a test of the hatch")
        def get_queryset(self):
            return Project.objects.all()

    assert Unscoped.get_queryset.unscoped_reason


def test_every_api_viewset_is_built_on_the_scoped_base():
    unguarded = [
        viewset.__name__
        for _, viewset, _ in router.registry
        if not issubclass(viewset, ScopedViewSetMixin)
    ]
    assert not unguarded


def _page_views(resolver=None):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace not in ("admin", "api"):
                yield from _page_views(p)
        elif isinstance(p, URLPattern):
            yield p


def test_every_page_about_a_project_finds_it_through_the_scoped_mixin():
    loose = [
        p.name
        for p in _page_views()
        if "project_pk" in p.pattern.converters
        and not issubclass(getattr(p.callback, "view_class", object), ProjectScopedMixin)
    ]
    assert not loose


# --- one write path ------------------------------------------------------------------------------


def _project_view(user) -> ProjectViewSet:
    view = ProjectViewSet()
    view.request = SimpleNamespace(user=user)
    return view


@pytest.mark.django_db
def test_write_answers_the_written_object_read_again_through_the_scope(org, pm):
    written = []

    def register():
        written.append(ProjectFactory(organisation=org, name="Through the scope"))
        return written[0]

    project = _project_view(pm).write(register)
    assert project.pk == written[0].pk and project is not written[0]
    assert project.organisation == org


@pytest.mark.django_db
def test_write_outside_the_scope_is_refused_and_saves_nothing(org, other_org, pm):
    with pytest.raises(exceptions.PermissionDenied, match="outside the organisations"):
        _project_view(pm).write(lambda: ProjectFactory(organisation=other_org, name="Leaked"))
    assert not Project.objects.filter(name="Leaked").exists()


@pytest.mark.django_db
def test_write_reads_another_kind_of_object_through_its_own_path(project, pm, outsider):
    gate = gate_open(project=project)
    view = _project_view(pm)
    assert view.write(lambda: gate, through=Gate.objects.all(), scope_path="project__organisation")
    with pytest.raises(exceptions.PermissionDenied):
        _project_view(outsider).write(
            lambda: gate, through=Gate.objects.all(), scope_path="project__organisation"
        )
    with pytest.raises(TypeError, match="both"):
        view.write(lambda: gate, through=Gate.objects.all())


@pytest.mark.django_db
def test_an_endpoint_whose_service_moves_the_result_out_of_scope_answers_403_and_rolls_back(
    project, pm, other_org, monkeypatch
):
    def moves_away(*, project, by, **changes):
        project.organisation, project.summary = other_org, "moved"
        project.save()
        return project

    monkeypatch.setattr(services, "project_update", moves_away)
    client = APIClient()
    client.force_login(pm)
    response = client.patch(
        f"/api/v1/projects/{project.pk}/", {"summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "outside the organisations" in response.json()["detail"]
    project.refresh_from_db()
    assert project.organisation_id != other_org.pk and project.summary != "moved"


WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")


def _write_methods():
    for _, viewset, _ in router.registry:
        for name in WRITE_ACTIONS:
            if hasattr(viewset, name):
                yield f"{viewset.__name__}.{name}", inspect.unwrap(getattr(viewset, name))
        for extra in viewset.get_extra_actions():
            if set(extra.mapping) - {"get", "head", "options"}:
                yield f"{viewset.__name__}.{extra.__name__}", inspect.unwrap(extra)


WRITES = list(_write_methods())


@pytest.mark.parametrize(("name", "method"), WRITES, ids=[name for name, _ in WRITES])
def test_every_api_write_goes_through_the_one_write_helper(name, method):
    """DRF's own create/update (serializer.save()) would skip the service and the re-read."""
    assert not method.__module__.startswith("rest_framework"), f"{name} is DRF's"
    source = inspect.getsource(method)
    delegates = "return self.update(" in source or "return self.partial_update(" in source
    assert "self.write(" in source or delegates, f"{name} writes without self.write()"
