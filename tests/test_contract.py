"""Runs the cross-organisation contract over every route every app declares."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.views.generic.edit import ProcessFormView

from charters import services as charter_services
from charters.models import Charter, CharterVersion, Signature
from decisions.models import Decision, Gate, GateCriterion, Measurement, Reminder
from decisions.services import decision_record, gate_open, measurement_record
from portfolio.models import Membership, Project
from tests.charters import helpers as charter_helpers
from tests.contract import EXEMPT, LIST_KINDS, World, row_counts
from tests.factories import ProjectFactory, member

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


def _url_patterns(resolver=None, namespace=""):
    """(namespaced name, pattern) of every named URL outside the admin."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_patterns(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p


def _url_methods():
    for name, p in _url_patterns():
        yield name, _methods(p.callback)


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


def test_every_list_says_what_it_lists():
    """A list — a GET of an API ``*-list`` endpoint, or of a URL that names no object — fails
    here until its route says which rows it lists, so that the other organisation's rows of
    those kinds are looked for in it."""
    names_an_object = {name: p.pattern.regex.groups > 0 for name, p in _url_patterns()}
    lists = [
        r
        for r in ROUTES
        if r.method == "get" and (r.name.endswith("-list") or not names_an_object.get(r.name, True))
    ]
    assert len(lists) > 15
    silent = sorted(str(r) for r in lists if not r.lists)
    assert not silent, f"Say what these list (Route(..., lists=...)): {silent}"


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
    prepared = _prepare(route, world)
    before = row_counts()
    client.force_login(world.person(role))
    response = _request(client, route, world, prepared)
    assert response.status_code < 400, (response.status_code, response.content[:500])
    if route.method == "get":
        assert row_counts() == before, "a read never writes"


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


# --- lists never show another organisation's rows ---------------------------------------------

MARK = "Zq7"  # in the names and texts of the other organisation's rows only


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _ids_by_kind(organisation) -> dict[str, set[int]]:
    return {
        "organisations": {organisation.pk},
        "memberships": _ids(Membership.objects.filter(organisation=organisation)),
        "projects": _ids(Project.objects.filter(organisation=organisation)),
        "gates": _ids(Gate.objects.filter(project__organisation=organisation)),
        "criteria": _ids(GateCriterion.objects.filter(gate__project__organisation=organisation)),
        "measurements": _ids(Measurement.objects.filter(project__organisation=organisation)),
        "decisions": _ids(Decision.objects.filter(project__organisation=organisation)),
        "charters": _ids(Charter.objects.filter(project__organisation=organisation)),
        "charter versions": _ids(
            CharterVersion.objects.filter(charter__project__organisation=organisation)
        ),
        "signatures": _ids(
            Signature.objects.filter(version__charter__project__organisation=organisation)
        ),
        "events": set(),  # timeline events have no id of their own: found by their texts
        "reminders": _ids(Reminder.objects.filter(project__organisation=organisation)),
    }


def _populate(organisation, *, pm, decider, label: str, people=()) -> dict[str, str]:
    """Rows of every kind in ``organisation``: a project with a charter in review signed once,
    its open gate and criteria and a measurement; a second project killed by a decision; a
    reminder about the first to the PM, the decider and ``people``. Returns the texts that name
    them."""
    project = ProjectFactory(
        organisation=organisation,
        name=f"{label} project",
        pm=pm,
        decision_maker=decider,
        business_owner=decider,
    )
    version, _ = charter_helpers.in_review(project)
    charter_services.charter_sign(version=version, by=decider)
    gate_open(project=project)
    note, rationale = f"{label} measurement note", f"{label} decision rationale"
    measurement_record(project=project, kind="metric", value="0.5", by=pm, note=note)
    ended = ProjectFactory(
        organisation=organisation, name=f"{label} ended project", pm=pm, decision_maker=decider
    )
    decision_record(
        project=ended, outcome="kill", by=decider, reason_category="other", rationale=rationale
    )
    reminded = f"{label} reminder subject"
    for person in {*people, pm, decider}:
        Reminder.objects.create(
            recipient=person,
            project=project,
            kind="stalled",
            due_date=project.created_at.date(),
            subject=reminded,
            body=f"{label} reminder body",
            url=project.get_absolute_url(),
        )
    return {
        "project": project.name,
        "ended": ended.name,
        "note": note,
        "rationale": rationale,
        "reminder": reminded,
    }


@dataclass
class ForeignRows:
    """The other organisation's rows: their ids by kind, and texts only they carry."""

    ids: dict[str, set[int]]
    markers: dict[str, list[str]]


@pytest.fixture
def foreign_rows(world) -> ForeignRows:
    _populate(
        world.org,
        pm=world.pm,
        decider=world.executive,
        label="Acme own",
        people=(world.viewer, world.partner),
    )
    for person in (world.pm, world.executive, world.viewer, world.partner):
        Reminder.objects.create(
            recipient=person,
            project=world.project,
            kind="stalled",
            due_date=world.project.created_at.date(),
            subject="Acme own reminder about the world's project",
            body="Acme own reminder body",
            url=world.project.get_absolute_url(),
        )
    boss = member(world.other_org, "executive", full_name=f"Xena Boss {MARK}")
    # The other organisation's reminders also name Acme's people: a notification about a
    # project its recipient may not see (they left, say) must not show either.
    texts = _populate(
        world.other_org,
        pm=world.outsider,
        decider=boss,
        label=MARK,
        people=(world.pm, world.executive, world.viewer),
    )
    people = [world.outsider.full_name, world.outsider.email, boss.full_name]
    return ForeignRows(
        ids=_ids_by_kind(world.other_org),
        markers={
            "organisations": [world.other_org.name, world.other_org.slug],
            "memberships": people,
            "projects": [texts["project"], texts["ended"]],
            "gates": [texts["project"]],
            "criteria": [texts["project"]],
            "measurements": [texts["note"]],
            "decisions": [texts["rationale"], texts["ended"]],
            "charters": [texts["project"]],
            "charter versions": [texts["project"]],
            "signatures": [boss.full_name],
            "events": [*texts.values(), boss.full_name],
            "reminders": [texts["reminder"], f"{MARK} reminder body"],
        },
    )


LIST_ROUTES = [r for r in ROUTES if r.lists]


@pytest.mark.django_db
@pytest.mark.parametrize("route", LIST_ROUTES, ids=[str(r) for r in LIST_ROUTES])
def test_lists_never_show_another_organisations_rows(client, world, foreign_rows, route):
    assert set(route.lists) <= set(LIST_KINDS)
    prepared = _prepare(route, world)
    ours = _ids_by_kind(world.org)
    roles = [role for role in route.allowed if role != "partner"]  # partners see everything
    assert roles, f"{route}: no role of the organisation may use it; it needs no lists="
    for role in roles:
        client.force_login(world.person(role))
        response = _request(client, route, world, prepared)
        assert response.status_code < 400, (role, response.status_code)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode()
        for kind in route.lists:
            for marker in foreign_rows.markers[kind]:
                assert marker not in body, f"{role} sees the other organisation's {kind}: {marker}"
        if route.api and "results" in (data := response.json()):
            kind = route.lists[0]
            shown = {row["id"] for row in data["results"]}
            assert not shown & foreign_rows.ids[kind], f"{role} sees foreign {kind} by id"
            if ours[kind]:  # the list is not empty for want of rows: ours are there
                assert shown & ours[kind], f"{role} sees none of the organisation's {kind}"
        client.logout()
