"""GET /api/v1/dashboard/ (decisions.api.dashboard): the page's figures as JSON, for the same
filters — what a BI tool reads is what the page shows — scoped, read-only, documented."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from charters.selectors import FLAGS
from decisions import dashboard
from decisions.dashboard import Figure
from portfolio import periods
from portfolio.services import token_create
from tests.decisions.test_dashboard_views import DASHBOARD, build_portfolio, scope_for
from tests.factories import member

API = "/api/v1/dashboard/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def boss(other_org):
    return member(other_org, "executive", email="boss@globex.test", full_name="Xena Boss")


@pytest.fixture
def firm(org, other_org, pm, executive, outsider, boss):
    ours = build_portfolio(org, 10, pm=pm, decider=executive, label="Acme")
    theirs = build_portfolio(other_org, 10, pm=outsider, decider=boss, label="Globex secret")
    return ours, theirs


def figure(data: dict) -> tuple:
    return data["label"], data["value"], data["link"]


def expect(f: Figure) -> tuple:
    return f.label, f.value, (f"http://testserver{f.link}" if f.link else None)


def assert_same(data: dict, summary: dashboard.Summary) -> None:
    """The JSON holds exactly the summary's figures: values and links."""
    f = summary.funnel
    funnel = data["funnel"]
    for name in (
        "started",
        "reached_pilot",
        "reached_production",
        "poc_to_pilot",
        "pilot_to_production",
        "graduation_rate",
    ):
        assert figure(funnel[name]) == expect(getattr(f, name)), name
    assert [figure(x) for x in funnel["killed"]] == [expect(x) for x in f.killed]
    assert [figure(x) for x in funnel["in_flight"]] == [expect(x) for x in f.in_flight]

    assert len(data["trend"]) == len(summary.trend) == 8
    for got, row in zip(data["trend"], summary.trend, strict=True):
        assert got["period"]["key"] == row.period.key
        for name in ("started", "reached_production", "graduation_rate", "days_to_decision"):
            assert figure(got[name]) == expect(getattr(row, name)), name

    flow = data["flow"]
    assert [figure(x) for x in flow["in_progress"]] == [expect(x) for x in summary.flow.in_progress]
    assert [x["value"] for x in flow["days_in_stage"]] == pytest.approx(
        [x.value for x in summary.flow.days_in_stage], abs=0.01
    )
    assert figure(flow["days_to_production"]) == expect(summary.flow.days_to_production)
    assert figure(flow["days_to_kill"]) == expect(summary.flow.days_to_kill)

    for key in ("overdue", "kill_soon", "kill_pending", "stalled"):
        listed = getattr(summary.attention, key)
        got = data["attention"][key]
        assert figure(got["figure"]) == expect(listed.figure), key
        assert [r["id"] for r in got["rows"]] == [p.pk for p in listed.rows]
        for r, p in zip(got["rows"], listed.rows, strict=True):
            assert r["name"] == p.name
            assert r["organisation"] == {"id": p.organisation_id, "name": p.organisation.name}
            assert r["next_deadline"] == (p.next_due.isoformat() if p.next_due else None)
            assert r["url"] == f"http://testserver{p.get_absolute_url()}"

    g = summary.graveyard
    for name in ("killed", "by_policy", "by_person", "pivots", "days_to_kill"):
        assert figure(data["graveyard"][name]) == expect(getattr(g, name)), name
    assert [figure(x) for x in data["graveyard"]["by_reason"]] == [expect(x) for x in g.by_reason]

    for name in ("projects", "amendments", "lowered", "raised"):
        assert figure(data["goalposts"][name]) == expect(getattr(summary.goalposts, name))

    assert len(data["accountability"]) == len(summary.accountability)
    for got, row in zip(data["accountability"], summary.accountability, strict=True):
        assert got["decision_maker"] == {"id": row.person.pk, "full_name": row.person.full_name}
        for name in (
            "due",
            "on_time",
            "late",
            "lapsed",
            "days_late",
            "extensions",
            "killed_by_policy",
        ):
            assert figure(got[name]) == expect(getattr(row, name)), name

    assert len(data["organisations"]) == len(summary.organisations)
    for got, row in zip(data["organisations"], summary.organisations, strict=True):
        assert got["organisation"] == {"id": row.organisation.pk, "name": row.organisation.name}
        assert [figure(x) for x in got["by_stage"]] == [expect(x) for x in row.by_stage]
        assert figure(got["started"]) == expect(row.started)
        assert figure(got["graduation_rate"]) == expect(row.graduation_rate)


@pytest.mark.parametrize("role", ["partner", "executive", "pm", "viewer"])
def test_the_api_answers_what_summary_computes(api, firm, role, request):
    user = request.getfixturevalue(role)
    api.force_authenticate(user)
    response = api.get(API)
    assert response.status_code == 200
    data = response.json()
    several = role == "partner"
    assert_same(data, dashboard.summary(scope_for(user), with_organisations=several))
    assert (len(data["organisations"]) == 2) is several


def test_the_api_and_the_page_agree_for_the_same_filters(api, client, firm, partner, org):
    params = {"organisation": org.pk, "period": "12m", "stage": "poc"}
    client.force_login(partner)
    page = client.get(DASHBOARD, params).context["summary"]
    api.force_authenticate(partner)
    data = api.get(API, params).json()
    assert_same(data, page)
    assert data["scope"]["organisation"] == org.pk
    assert data["scope"]["period"]["key"] == "12m"
    assert data["scope"]["stage"] == "poc"


def test_counts_are_integers_and_rates_are_numbers(api, firm, executive):
    api.force_authenticate(executive)
    data = api.get(API).json()
    assert data["funnel"]["started"] == {
        "label": "Started PoC",
        "value": 8,
        "link": "http://testserver/projects/?started=all",
    }
    assert data["funnel"]["graduation_rate"]["value"] == 25.0
    assert data["funnel"]["poc_to_pilot"]["link"] is None


def test_a_member_gets_only_their_organisations_numbers(api, firm, executive, partner):
    api.force_authenticate(executive)
    body = api.get(API).content.decode()
    for foreign in ("Globex", "Xena Boss", "Olga Outsider"):
        assert foreign not in body
    data = api.get(API).json()
    assert data["funnel"]["started"]["value"] == 8
    assert data["organisations"] == []
    api.force_authenticate(partner)
    data = api.get(API).json()
    assert data["funnel"]["started"]["value"] == 16
    assert [r["organisation"]["name"] for r in data["organisations"]] == [
        "Acme Logistics",
        "Globex Retail",
    ]


def test_a_risk_flag_over_several_organisations_is_answered_not_a_500(api, client, firm, partner):
    """The organisations table copied the filtered scope with its cached flagged ids (found by
    schemathesis: ``?risk_flag=…`` as a partner was a 500, on the page too)."""
    api.force_authenticate(partner)
    client.force_login(partner)
    tables = {}
    for flag in FLAGS:
        response = api.get(API, {"risk_flag": flag})
        assert response.status_code == 200, flag
        tables[flag] = [r["organisation"]["name"] for r in response.json()["organisations"]]
        assert client.get(DASHBOARD, {"risk_flag": flag}).status_code == 200, flag
    assert ["Acme Logistics", "Globex Retail"] in tables.values()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("organisation", "abc"),
        ("organisation", "other"),
        ("period", "2026-Q9"),
        ("stage", "limbo"),
        ("decision_maker", "boss"),
        ("decision_maker", "pm"),
        ("risk_flag", "bogus"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_parameter(
    api, firm, executive, other_org, boss, pm, name, value
):
    value = {"other": str(other_org.pk), "boss": str(boss.pk), "pm": str(pm.pk)}.get(value, value)
    api.force_authenticate(executive)
    response = api.get(API, {name: value})
    assert response.status_code == 400
    data = response.json()
    assert list(data) == [name] and data[name][0]


def test_a_period_the_page_accepts_the_api_accepts(api, firm, executive):
    api.force_authenticate(executive)
    data = api.get(API, {"period": "2025"}).json()
    assert data["scope"]["period"] == {
        "key": "2025",
        "label": "2025",
        "start": "2025-01-01",
        "end": "2025-12-31",
    }
    assert_same(
        data,
        dashboard.summary(
            scope_for(executive, period=periods.parse("2025", today=timezone.localdate())),
            with_organisations=False,
        ),
    )


def test_anonymous_gets_401_and_a_read_only_token_reads(api, firm, executive):
    assert api.get(API).status_code == 401
    _, secret = token_create(user=executive, name="BI tool")
    response = api.get(API, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["funnel"]["started"]["value"] == 8


def test_it_is_read_only(api, executive):
    api.force_authenticate(executive)
    assert api.post(API, {}).status_code == 405


def test_the_schema_documents_it(client, executive):
    client.force_login(executive)  # the schema needs a login outside the demo (config/api_docs.py)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert operation["summary"] and operation["description"]
    params = {p["name"] for p in operation["parameters"]}
    assert params >= {"organisation", "period", "stage", "decision_maker", "risk_flag"}
    assert {"200", "400", "401"} <= set(operation["responses"])
    assert "Dashboard" in schema["components"]["schemas"]


# The page's, without session, user and navigation (force_authenticate): the filters' choices
# (2) and the figures (24); the organisations table 3 more for whoever sees several.
API_QUERIES = 26
ORGANISATIONS_TABLE = 3
# A member's organisations are read once, as a literal list; a partner sees every organisation
# and, with no organisation chosen, is offered no decision-makers (the list would be the firm's).
MEMBER_ROLES = 1
PARTNER_EXECUTIVES = -1


@pytest.mark.parametrize("rows", [10, 100])
def test_the_api_query_count_does_not_grow(
    api, org, other_org, pm, executive, outsider, boss, partner, rows, django_assert_num_queries
):
    build_portfolio(org, rows, pm=pm, decider=executive, label="Acme")
    build_portfolio(other_org, 5, pm=outsider, decider=boss, label="Globex")
    for user in (partner, executive):
        api.force_authenticate(user)
        with django_assert_num_queries(
            API_QUERIES
            + (ORGANISATIONS_TABLE + PARTNER_EXECUTIVES) * (user == partner)
            + MEMBER_ROLES * (user != partner)
        ):
            assert api.get(API).status_code == 200
