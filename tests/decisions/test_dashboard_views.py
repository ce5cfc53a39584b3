"""The portfolio dashboard page (decisions.dashboard_views): its panels for each role, the
filters in place with htmx, invalid filters, scoping, the partner's landing page, accessibility
basics and a query count that does not grow with the portfolio."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape, unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from charters.models import Charter
from decisions import dashboard
from decisions.dashboard import Figure, Scope
from decisions.models import Gate
from portfolio import periods
from portfolio.models import Project, Stage
from tests.factories import ProjectFactory, member

DASHBOARD = "/decisions/dashboard/"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dashboard-panels"}
PANELS = ("funnel", "trend", "flow", "attention", "graveyard", "goalposts", "accountability")


# --- a portfolio whose shape is known ----------------------------------------------------------


def build_portfolio(org, n: int, *, pm, decider, label: str) -> list[Project]:
    """``n`` projects in ``org``, in turn: proposed, in PoC, in pilot, in production, killed in
    PoC (no production owner); those in flight have a kill deadline around today (some passed),
    every gate is due ten days ago and every other one decided late; each third project moved its
    goalposts (lowering the bar). Written straight to the database: the figures only read."""
    now = timezone.now()
    today = timezone.localdate()
    projects = []
    for i in range(n):
        project = ProjectFactory(
            organisation=org,
            name=f"{label} project {i}",
            pm=pm,
            decision_maker=decider,
            business_owner=decider,
        )
        kind = i % 5
        started = now - timedelta(days=120 + i)
        fields: dict = {}
        if kind >= 1:
            fields.update(stage=Stage.POC, poc_started_at=started)
        if kind in (2, 3):
            fields.update(stage=Stage.PILOT, pilot_reached_at=started + timedelta(days=30))
        if kind == 3:
            fields.update(
                stage=Stage.PRODUCTION, production_reached_at=started + timedelta(days=70)
            )
        if kind == 4:
            fields.update(
                stage=Stage.KILLED,
                killed_at=started + timedelta(days=40),
                killed_from=Stage.POC,
                kill_reason="no_production_owner",
            )
        if kind in (0, 1, 2):
            fields["kill_deadline"] = today + timedelta(days=(i % 7) * 4 - 6)
        Project.objects.filter(pk=project.pk).unaudited_update(**fields)
        if i % 3 == 0:
            Charter.objects.create(project=project, goalposts_moved=1, bar_lowered=1)
        projects.append(project)
    gates = Gate.objects.filter(project__in=projects)
    gates.unaudited_update(due_date=today - timedelta(days=10))
    late = [g.pk for g in gates.order_by("pk")][::2]
    Gate.objects.filter(pk__in=late).unaudited_update(decided_at=now - timedelta(days=3))
    return projects


@pytest.fixture
def boss(other_org):
    """The other organisation's executive, deciding its projects."""
    return member(other_org, "executive", email="boss@globex.test", full_name="Xena Boss")


@pytest.fixture
def firm(org, other_org, pm, executive, outsider, boss):
    """Ten projects in each organisation; the other's are named "Globex secret …"."""
    ours = build_portfolio(org, 10, pm=pm, decider=executive, label="Acme")
    theirs = build_portfolio(other_org, 10, pm=outsider, decider=boss, label="Globex secret")
    return ours, theirs


def scope_for(user, **kwargs) -> Scope:
    return Scope(
        user=user,
        period=kwargs.pop("period", periods.ALL),
        today=timezone.localdate(),
        **kwargs,
    )


def figures_of(summary: dashboard.Summary) -> list[Figure]:
    """Every figure a summary holds."""
    out: list[Figure] = []

    def walk(value):
        if isinstance(value, Figure):
            out.append(value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif hasattr(value, "__dataclass_fields__") and not isinstance(value, Scope):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(summary)
    return out


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner", "executive", "pm", "viewer"])
def test_page_shows_every_panel_to_each_role(client, firm, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    for panel in PANELS:
        assert f'data-panel="{panel}"' in html, panel
    # The organisation × stage table, and the organisation filter, for whoever sees several.
    several = role == "partner"
    assert ('data-panel="organisations"' in html) is several
    assert ('<select name="organisation"' in html) is several
    assert "Portfolio dashboard" in html and 'aria-current="page">Dashboard</a>' in html


def test_every_number_on_the_page_links_to_the_projects_behind_it(client, firm, partner):
    client.force_login(partner)
    response = client.get(DASHBOARD)
    html = response.content.decode()
    summary = response.context["summary"]
    linked = [f for f in figures_of(summary) if f.link]
    assert len(linked) > 40
    for figure in linked:
        assert f'href="{escape(figure.link)}"' in html, figure
    # The numbers are summary()'s for the same scope (as shown: the days in a stage are
    # counted up to the moment they are computed).
    expected = dashboard.summary(scope_for(partner), with_organisations=True)
    assert [(f.label, f.shown, f.link) for f in figures_of(summary)] == [
        (f.label, f.shown, f.link) for f in figures_of(expected)
    ]


def test_the_funnel_is_an_svg_with_words_and_a_table_beside_it(client, firm, executive):
    client.force_login(executive)
    html = client.get(DASHBOARD).content.decode()
    svg = re.search(r'<svg class="dash-chart funnel-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="funnel-title funnel-desc"' in svg
    desc = re.search(r'<desc id="funnel-desc">(.*?)</desc>', svg).group(1)
    # Ten projects: eight started PoC, four reached pilot, two production, two killed in PoC.
    assert "Of 8 projects whose PoC started (All time), 4 reached pilot and 2 reached " in desc
    assert "graduation rate of 25%" in desc
    table = html[html.index('class="table table-compact funnel-table"') :]
    assert "<caption>" in table[: table.index("</table>")]
    assert 'data-testid="graduation-rate"' in html
    trend = re.search(r'<svg class="dash-chart trend-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in trend and "<title" in trend and "<desc" in trend


def test_filters_answer_htmx_with_the_panels_alone(client, firm, partner, org):
    client.force_login(partner)
    response = client.get(DASHBOARD, {"organisation": org.pk, "stage": "poc"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'role="search"' not in html
    assert 'data-panel="funnel"' in html
    assert "HX-Request" in response["Vary"]
    scope = response.context["scope"]
    assert (scope.organisation_id, scope.stage) == (org.pk, "poc")
    # The export links carry the same filters.
    assert f"/decisions/dashboard/export/funnel.csv?organisation={org.pk}&amp;stage=poc" in html
    # A history restore (Back after the snapshot is gone) gets the whole page.
    restore = client.get(
        DASHBOARD,
        {"organisation": org.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in restore.content.decode()


def test_the_filter_form_updates_in_place_and_keeps_the_url(client, partner, org):
    client.force_login(partner)
    html = client.get(DASHBOARD).content.decode()
    form = re.search(r'<form class="filters card dashboard-filters".*?>', html, re.S).group(0)
    assert 'method="get"' in form
    assert 'hx-get="/decisions/dashboard/"' in form
    assert 'hx-target="#dashboard-panels"' in form
    assert 'hx-push-url="true"' in form
    assert "#dashboard-updating" in form
    assert 'id="dashboard-updating"' in html and "Updating…" in html
    assert 'id="dashboard-panels"' in html


def test_filters_narrow_the_numbers(client, firm, partner, org, executive):
    client.force_login(partner)
    everything = client.get(DASHBOARD).context["summary"]
    assert everything.funnel.started.value == 16
    narrowed = client.get(DASHBOARD, {"organisation": org.pk}).context["summary"]
    assert narrowed.funnel.started.value == 8
    by_person = client.get(DASHBOARD, {"decision_maker": executive.pk}).context["summary"]
    assert by_person.funnel.started.value == 8
    in_pilot = client.get(DASHBOARD, {"stage": "pilot"}).context["summary"]
    assert in_pilot.funnel.started.value == 4
    last_year = client.get(DASHBOARD, {"period": str(timezone.localdate().year - 5)})
    assert last_year.context["summary"].funnel.started.value == 0
    assert "No PoC started in" in last_year.content.decode()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("organisation", "abc"),
        ("organisation", "other"),  # a real organisation the member may not see
        ("organisation", "99999999999999999999999"),
        ("period", "2026-Q9"),
        ("period", "yesterday"),
        ("stage", "limbo"),
        ("decision_maker", "boss"),  # the other organisation's executive
        ("decision_maker", "pm"),  # not an executive
        ("decision_maker", "-1"),
        ("risk_flag", "<script>"),
    ],
)
def test_an_invalid_filter_is_ignored_and_reset(
    client, firm, executive, other_org, boss, pm, name, value
):
    value = {"other": str(other_org.pk), "boss": str(boss.pk), "pm": str(pm.pk)}.get(value, value)
    client.force_login(executive)
    for extra in ({}, HTMX):
        response = client.get(DASHBOARD, {name: value}, **extra)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Not understood, so reset" in html
        assert "<script>" not in html
        scope = response.context["scope"]
        assert (scope.organisation_id, scope.period, scope.stage) == (None, periods.ALL, "")
        assert (scope.decision_maker_id, scope.risk_flag) == (None, "")
        assert "Globex" not in html and "Xena" not in html


def test_any_period_a_url_can_name_is_accepted(client, firm, executive):
    client.force_login(executive)
    response = client.get(DASHBOARD, {"period": "2021-Q2"})
    assert response.context["scope"].period.key == "2021-Q2"
    assert '<option value="2021-Q2" selected>Q2 2021</option>' in response.content.decode()


def test_a_member_never_sees_another_organisations_numbers_or_names(
    client, firm, executive, partner
):
    client.force_login(executive)
    html = client.get(DASHBOARD).content.decode()
    for foreign in ("Globex", "globex", "Xena Boss", "Olga Outsider"):
        assert foreign not in html, foreign
    summary = client.get(DASHBOARD).context["summary"]
    assert summary.funnel.started.value == 8
    assert [row.person for row in summary.accountability] == [executive]
    assert summary.organisations == []
    # The partner sees both, side by side.
    client.force_login(partner)
    html = client.get(DASHBOARD).content.decode()
    assert "Globex Retail" in html and "Acme Logistics" in html and "Xena Boss" in html
    rows = client.get(DASHBOARD).context["summary"].organisations
    assert [r.organisation.name for r in rows] == ["Acme Logistics", "Globex Retail"]


def executive_org(person):
    return person.memberships.get().organisation


def test_decision_maker_choices_are_the_visible_organisations_executives(
    client, firm, executive, pm, boss, partner
):
    client.force_login(pm)
    choices = dict(client.get(DASHBOARD).context["form"].fields["decision_maker"].choices)
    assert executive.pk in choices and pm.pk not in choices and boss.pk not in choices
    client.force_login(partner)
    # Across the firm the list would hold every executive: it waits for an organisation.
    response = client.get(DASHBOARD)
    field = response.context["form"].fields["decision_maker"]
    assert dict(field.choices) == {"": "Anyone (pick an organisation first)"}
    assert "pick an organisation first" in response.content.decode()
    chosen = client.get(DASHBOARD, {"organisation": executive_org(executive).pk})
    choices = dict(chosen.context["form"].fields["decision_maker"].choices)
    assert executive.pk in choices and boss.pk not in choices and pm.pk not in choices
    # A shared link naming a decision-maker keeps them, organisation or not.
    shared = client.get(DASHBOARD, {"decision_maker": boss.pk})
    assert shared.context["scope"].decision_maker_id == boss.pk
    assert set(dict(shared.context["form"].fields["decision_maker"].choices)) == {"", boss.pk}


def test_empty_states_say_what_will_appear(client, org, pm):
    client.force_login(pm)
    html = client.get(DASHBOARD).content.decode()
    assert "No PoC started yet" in html
    assert "Nothing killed yet" in html
    assert "No goalposts moved" in html
    assert "No gate fell due yet" in html
    assert "Nothing overdue." in html


def test_headings_labels_and_tables_are_accessible(client, firm, partner):
    client.force_login(partner)
    html = client.get(DASHBOARD).content.decode()
    main = html[html.index('<main id="main"') :]
    levels = [int(h) for h in re.findall(r"<h([1-6])\b", main)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    form = html[html.index('role="search"') : html.index("</form>", html.index('role="search"'))]
    for field_id in re.findall(r'<select[^>]*id="([^"]+)"', form):
        assert f'<label for="{field_id}">' in form, field_id
    tables = re.findall(r"<table.*?</table>", main, re.S)
    assert len(tables) >= 6
    for table in tables:
        assert "<caption" in table
        assert re.search(r'<th scope="col"', table)


def test_a_link_in_the_navigation_for_everyone(client, pm):
    client.force_login(pm)
    html = client.get(reverse("portfolio:project-list")).content.decode()
    assert f'<a href="{DASHBOARD}">Dashboard</a>' in html


def test_the_dashboard_asks_for_a_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- a partner's landing page --------------------------------------------------------------------


def test_a_partner_lands_on_the_dashboard(client, partner):
    response = client.post(
        reverse("login"),
        {"username": partner.email, "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert client.get("/").url == DASHBOARD


def test_members_keep_their_home(client, pm, org):
    client.force_login(pm)
    assert client.get("/").status_code == 200
    partner_member = member(org, "viewer", email="pm-partner@acme.test", is_partner=True)
    client.force_login(partner_member)
    assert client.get("/").status_code == 200


# --- queries --------------------------------------------------------------------------------------

# session, user, their roles (the scope's literal organisation ids); the filters' choices (organisations, executives); the figures: funnel 1, trend
# 2, flow 4, attention 5, graveyard 3, goalposts 1, accountability 8 (gates ×4, median days late,
# extensions, policy kills, the people); the navigation (organisations, heartbeat). The partial
# pays the same: htmx swaps the panels, but the page's context processors still run.
PAGE_QUERIES = 30
PARTIAL_QUERIES = 30
ORGANISATIONS_TABLE = 3  # org × stage, the cohorts per organisation, the organisations
# A member's organisations are read once, as a literal list; a partner sees every organisation
# and, with no organisation chosen, is offered no decision-makers (the list would be the firm's).
MEMBER_ROLES = 1
# A partner's page reads their roles too, once: "Decisions due" is in the navigation only of
# those who decide (a partner who is an executive somewhere does).
PARTNER_EXECUTIVES = -1 + 1


def _queries(client, params=None, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DASHBOARD, params or {}, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("rows", [10, 100])
def test_page_and_partial_query_counts_do_not_grow(
    client, org, other_org, pm, executive, outsider, boss, partner, rows, django_assert_num_queries
):
    build_portfolio(org, rows, pm=pm, decider=executive, label="Acme")
    build_portfolio(other_org, 5, pm=outsider, decider=boss, label="Globex")
    for user in (partner, executive):
        client.force_login(user)
        client.get(DASHBOARD)  # warm the session
        with django_assert_num_queries(
            PAGE_QUERIES
            + (ORGANISATIONS_TABLE + PARTNER_EXECUTIVES) * (user == partner)
            + MEMBER_ROLES * (user != partner)
        ):
            client.get(DASHBOARD)
        with django_assert_num_queries(
            PARTIAL_QUERIES
            + (ORGANISATIONS_TABLE + PARTNER_EXECUTIVES) * (user == partner)
            + MEMBER_ROLES * (user != partner)
        ):
            client.get(DASHBOARD, {"period": "12m", "stage": "poc"}, **HTMX)


def test_query_count_with_a_risk_flag_does_not_grow(client, org, pm, executive):
    build_portfolio(org, 10, pm=pm, decider=executive, label="Acme")
    client.force_login(executive)
    client.get(DASHBOARD)
    small = _queries(client, {"risk_flag": "no_production_owner"})
    build_portfolio(org, 40, pm=pm, decider=executive, label="More")
    assert _queries(client, {"risk_flag": "no_production_owner"}) == small


def test_attention_rows_come_annotated(client, firm, executive):
    client.force_login(executive)
    response = client.get(DASHBOARD)
    overdue = response.context["summary"].attention.overdue
    assert overdue.figure.value and overdue.rows
    html = unescape(response.content.decode())
    first = overdue.rows[0]
    assert first.name in html and 'data-testid="overdue"' in html


def test_the_decision_makers_table_shows_the_worst_twelve_when_there_are_more(client, org, pm):
    """The page does not grow with the firm: past twelve decision-makers it shows the twelve with
    the most lapsed, then late, gates, and says where everyone is (the CSV, the API)."""
    deciders = [
        member(org, "executive", email=f"exec{i}@acme.test", full_name=f"Exec {i:02}")
        for i in range(15)
    ]
    for i, person in enumerate(deciders):
        build_portfolio(org, 1 + (i == 14) * 4, pm=pm, decider=person, label=f"E{i}")
    client.force_login(deciders[0])
    response = client.get(DASHBOARD)
    html = response.content.decode()
    panel = html[html.index('data-panel="accountability"') :]
    panel = panel[: panel.index("</section>")]
    assert panel.count('<th scope="row">') == 12
    assert "Exec 14" in panel  # five projects, the most lapsed gates
    assert "The 12 of 15 decision-makers" in panel
    everyone = client.get("/api/v1/dashboard/").json()["accountability"]
    assert len(everyone) == 15
