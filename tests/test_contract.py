"""Runs the cross-organisation contract over every route every app declares."""

from __future__ import annotations

import importlib

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.views.generic.edit import ProcessFormView

from tests.contract import EXEMPT, World, row_counts
from tests.factories import ProjectFactory

ROUTE_MODULES = (
    "tests.portfolio.routes",
    "tests.portfolio.api_routes",
    "tests.charters.routes",
    "tests.decisions.routes",
)


def _all_routes():
    routes = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        routes.extend(module.ROUTES)
    return routes


ROUTES = _all_routes()


def _methods(callback) -> set[str] | None:
    """The HTTP methods a URL's view answers (beyond OPTIONS/HEAD), or None for a function view
    (then its name is the unit of coverage)."""
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return None
    allowed = set(cls.http_method_names) - {"options", "head"}
    actions = getattr(callback, "actions", None)  # a DRF viewset: the router's method map
    if actions:
        return set(actions) & allowed
    methods = {m for m in allowed if hasattr(cls, m)}
    # Django's form views answer PUT by calling post(): the POST case covers it.
    if getattr(cls, "put", None) is ProcessFormView.put:
        methods.discard("put")
    return methods


def _url_methods(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_methods(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", _methods(p.callback)


def test_every_url_and_method_has_a_contract_case():
    """A new URL — or a new method on an existing one — fails here until it has a case."""
    names = {r.name for r in ROUTES}
    pairs = {(r.name, r.method) for r in ROUTES}
    missing = set()
    for name, methods in _url_methods():
        if name in EXEMPT or name.endswith("-format-suffix"):
            continue
        if methods is None:
            if name not in names:
                missing.add(name)
        else:
            missing |= {f"{m.upper()} {name}" for m in methods if (name, m) not in pairs}
    assert not missing, f"No cross-organisation contract case for: {sorted(missing)}"


@pytest.fixture
def world(org, other_org, pm, executive, viewer, partner, outsider):
    project = ProjectFactory(
        organisation=org, pm=pm, decision_maker=executive, business_owner=executive
    )
    ProjectFactory(organisation=other_org, pm=outsider)
    return World(
        org=org,
        other_org=other_org,
        pm=pm,
        executive=executive,
        viewer=viewer,
        partner=partner,
        outsider=outsider,
        project=project,
    )


def _prepare(route, world):
    """The URL and data of a case. Done before a "nothing changed" snapshot, since a route's
    kwargs may create the objects it needs."""
    return reverse(route.name, kwargs=route.kwargs(world)), (
        route.data(world) if route.data else None
    )


def _request(client, route, world, prepared=None):
    url, data = prepared or _prepare(route, world)
    method = getattr(client, route.method)
    if route.api:
        return (
            method(url, data=data, content_type="application/json")
            if data is not None
            else method(url)
        )
    return method(url, data=data) if data is not None else method(url)


ids = [str(r) for r in ROUTES]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=ids)
def test_anonymous_is_sent_to_login(client, world, route):
    response = _request(client, route, world)
    if route.api:
        assert response.status_code == 401, response.content[:300]
    else:
        assert response.status_code == 302, response.status_code
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.scoped], ids=[str(r) for r in ROUTES if r.scoped]
)
def test_member_of_another_organisation_gets_404_and_changes_nothing(client, world, route):
    prepared = _prepare(route, world)
    before = row_counts()
    client.force_login(world.outsider)
    response = _request(client, route, world, prepared)
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "role"),
    [(r, role) for r in ROUTES for role in r.allowed],
    ids=[f"{r}-{role}" for r in ROUTES for role in r.allowed],
)
def test_permitted_role_succeeds(client, world, route, role):
    client.force_login(world.person(role))
    response = _request(client, route, world)
    assert response.status_code < 400, (response.status_code, response.content[:500])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "role"),
    [(r, role) for r in ROUTES for role in r.forbidden],
    ids=[f"{r}-{role}" for r in ROUTES for role in r.forbidden],
)
def test_wrong_role_gets_403_and_changes_nothing(client, world, route, role):
    prepared = _prepare(route, world)
    before = row_counts()
    client.force_login(world.person(role))
    response = _request(client, route, world, prepared)
    assert response.status_code == 403, (response.status_code, response.content[:300])
    assert row_counts() == before
