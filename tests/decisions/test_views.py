"""The pages: gate panel on the project page, decisions due, ownership, timeline."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.models import CriterionMark, Decision, GateCriterion
from portfolio.hooks import project_states
from tests.decisions.helpers import (
    days,
    gate_id,
    graduation_ready,
    in_poc,
    proposed_project,
    registered_weeks_ago,
)

pytestmark = pytest.mark.django_db


def detail(project):
    return reverse("portfolio:project-detail", args=[project.pk])


def test_project_page_shows_gate_progress_and_why_go_is_disabled(client, org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    client.force_login(executive)
    html = client.get(detail(project)).content.decode()
    assert "Graduation gate" in html
    assert "3 of 6 criteria met" in html
    assert "Go is disabled: 3 of 6 criteria are not met." in html
    assert 'name="go" disabled' in html
    # The PM sees the progress and marking forms, but no decision buttons.
    client.force_login(pm)
    html = client.get(detail(project)).content.decode()
    assert "Mark this criterion" in html and "Record go" not in html
    assert f"Only {executive}, the named decision-maker" in html


def test_marking_with_htmx_returns_the_refreshed_panel(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    criterion = GateCriterion.objects.get(gate__project=project, key="production-quality")
    client.force_login(pm)
    url = reverse("decisions:criterion-mark", args=[project.pk, criterion.pk])
    prefix = f"c{criterion.pk}"
    response = client.post(
        url,
        {f"{prefix}-state": "met", f"{prefix}-evidence_text": "82% on prod sample"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gate-panel"')
    assert "4 of 6 criteria met" in html and "82% on prod sample" in html
    assert CriterionMark.objects.filter(criterion=criterion, marked_by=pm).exists()


def test_a_failed_form_keeps_what_was_typed_and_shows_the_error(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    criterion = GateCriterion.objects.get(gate__project=project, key="production-quality")
    client.force_login(pm)
    prefix = f"c{criterion.pk}"
    response = client.post(
        reverse("decisions:criterion-mark", args=[project.pk, criterion.pk]),
        {f"{prefix}-state": "met", f"{prefix}-evidence_url": "not a url"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a valid URL" in html and 'value="not a url"' in html
    response = client.post(
        reverse("decisions:measurement-create", args=[project.pk]),
        {"m-kind": "latency_ms", "m-value": "-40", "m-note": "from load test"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "cannot be negative" in html and 'value="from load test"' in html


def test_a_failed_form_through_htmx_is_a_422_with_the_panel_the_error_and_what_was_typed(
    client, org, pm, executive
):
    project, _, _ = in_poc(org, pm, executive)
    criterion = GateCriterion.objects.get(gate__project=project, key="production-quality")
    client.force_login(pm)
    prefix = f"c{criterion.pk}"
    response = client.post(
        reverse("decisions:criterion-mark", args=[project.pk, criterion.pk]),
        {
            f"{prefix}-state": "met",
            f"{prefix}-evidence_text": "82% on the March sample",
            f"{prefix}-evidence_url": "not a url",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gate-panel"')  # the panel, not the page
    assert "Enter a valid URL" in html and 'value="not a url"' in html
    assert "82% on the March sample" in html
    assert not CriterionMark.objects.filter(criterion=criterion).exists()
    response = client.post(
        reverse("decisions:measurement-create", args=[project.pk]),
        {"m-kind": "latency_ms", "m-value": "-40", "m-note": "from load test"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gate-panel"')
    assert "cannot be negative" in html and 'value="from load test"' in html


def test_a_refused_decision_through_htmx_is_a_422_with_the_panel(client, org, pm, executive):
    project = proposed_project(org, pm, executive)
    gate = services.gate_open(project=project).pk
    client.force_login(executive)
    refused = client.post(
        decide(project),
        {"d-outcome": "kill", "d-gate": gate, "d-rationale": "Legal said no."},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422 and "HX-Location" not in refused
    html = refused.content.decode()
    assert html.lstrip().startswith('<div id="gate-panel"')
    assert "Choose why the project is killed." in html and "Legal said no." in html
    assert not Decision.objects.filter(project=project).exists()


def test_decide_kill_from_the_page_moves_the_project_to_killed(client, org, pm, executive):
    project = proposed_project(org, pm, executive)
    gate = services.gate_open(project=project).pk
    client.force_login(executive)
    refused = client.post(
        reverse("decisions:decide", args=[project.pk]), {"d-outcome": "kill", "d-gate": gate}
    )
    assert refused.status_code == 422
    assert "Choose why the project is killed." in refused.content.decode()
    response = client.post(
        reverse("decisions:decide", args=[project.pk]),
        {
            "d-outcome": "kill",
            "d-gate": gate,
            "d-reason_category": "integration_too_costly",
            "d-rationale": "SAP integration quoted at 40 weeks.",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == "killed"
    html = client.get(detail(project)).content.decode()
    assert "Integration too costly" in html and "SAP integration quoted" in html


def test_ownership_page_records_the_acceptance(client, org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    owner = who["production_owner"]
    url = reverse("decisions:ownership", args=[project.pk])
    client.force_login(pm)
    assert "Waiting for" in client.get(url).content.decode()
    assert client.post(url, {"budget_line": "x"}).status_code == 403
    client.force_login(owner)
    failed = client.post(url, {"accepts_run_cost": "on", "budget_line": "OPS-9"})
    assert failed.status_code == 422
    html = failed.content.decode()
    assert "Ownership means accepting on-call for it." in html
    # One person, in one team: the team is required, next to its field, budget line kept.
    assert "Name the team that will run it." in html and 'value="OPS-9"' in html
    ok = client.post(
        url,
        {
            "accepts_run_cost": "on",
            "accepts_on_call": "on",
            "accepts_budget_line": "on",
            "budget_line": "OPS-9",
            "team": "Finance IT",
        },
    )
    assert ok.status_code == 302
    assert "4 of 6 criteria met" in client.get(detail(project)).content.decode()


def test_decisions_due_page_lists_soonest_first_with_the_facts(client, org, pm, executive):
    ready, _, who = in_poc(org, pm, executive, name="Ready one")
    graduation_ready(ready, who)
    # Its charter gate is due when its PoC starts, in two months.
    proposed_project(
        org, pm, executive, name="Proposed later", timebox_start=days(60), timebox_end=days(100)
    )
    client.force_login(executive)
    html = client.get(reverse("decisions:due")).content.decode()
    assert html.index("Ready one") < html.index("Proposed later")
    assert "6 of 6 criteria met" in html and "Routing accuracy" in html
    client.force_login(pm)
    assert "No decisions due" in client.get(reverse("decisions:due")).content.decode()


def test_decisions_due_comes_a_page_at_a_time_with_the_count(client, org, pm, executive):
    from decisions.views import DUE_PAGE_SIZE

    for i in range(DUE_PAGE_SIZE + 2):  # charter gates due when each PoC starts, day by day
        proposed_project(
            org,
            pm,
            executive,
            name=f"Gate {i:02d}",
            timebox_start=days(10 + i),
            timebox_end=days(60 + i),
        )
    client.force_login(executive)
    first = client.get(reverse("decisions:due"))
    html = first.content.decode()
    assert f"{DUE_PAGE_SIZE + 2}</strong> gates to decide" in html
    assert [f.project.name for f in first.context["due"]] == [
        f"Gate {i:02d}" for i in range(DUE_PAGE_SIZE)
    ]
    second = client.get(reverse("decisions:due"), {"page": 2})
    assert [f.project.name for f in second.context["due"]] == [
        f"Gate {i:02d}" for i in range(DUE_PAGE_SIZE, DUE_PAGE_SIZE + 2)
    ]


def test_a_refused_decision_on_a_later_page_shows_its_card_with_what_was_typed(
    client, org, pm, executive
):
    from decisions.views import DUE_PAGE_SIZE

    projects = [
        proposed_project(
            org,
            pm,
            executive,
            name=f"Gate {i:02d}",
            timebox_start=days(10 + i),
            timebox_end=days(60 + i),
        )
        for i in range(DUE_PAGE_SIZE + 1)
    ]
    last = projects[-1]
    client.force_login(executive)
    response = client.post(
        reverse("decisions:decide", args=[last.pk]),
        {
            "d-outcome": "kill",
            "d-rationale": "Typed before the refusal, kept after it.",
            "d-next": reverse("decisions:due"),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="due-{last.pk}"' in html  # its page (the second) is shown, with its card
    assert "Typed before the refusal, kept after it." in html
    assert not Decision.objects.filter(project=last).exists()


def test_the_home_panel_counts_every_gate_and_shows_five(client, org, pm, executive):
    from decisions.panels import HOME_PANEL_ROWS

    for i in range(HOME_PANEL_ROWS + 3):
        proposed_project(
            org,
            pm,
            executive,
            name=f"Gate {i:02d}",
            timebox_start=days(10 + i),
            timebox_end=days(60 + i),
        )
    client.force_login(executive)
    html = client.get("/").content.decode()
    panel = html[html.index('aria-labelledby="home-due-heading"') :]
    panel = panel[: panel.index("</section>")]
    assert re.findall(r">(Gate \d\d)</a>", panel) == [
        f"Gate {i:02d}" for i in range(HOME_PANEL_ROWS)
    ]
    assert f"All {HOME_PANEL_ROWS + 3}</a>" in panel


def _grow(project, n, pm, executive):
    """n more rows of everything the pages list for ``project``."""
    registered_weeks_ago(project)
    criterion = GateCriterion.objects.get(
        gate__project=project, gate__from_stage=project.stage, key="production-quality"
    )
    for i in range(n):
        m = services.measurement_record(
            project=project,
            kind="metric",
            value=50 + i % 30,
            by=pm,
            measured_at=timezone.now() - timedelta(minutes=n - i),
        )
        services.criterion_mark(
            criterion=criterion,
            state="met" if i % 2 else "not_met",
            by=pm,
            evidence_measurement=m,
        )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_pages_run_a_fixed_number_of_queries(client, org, pm, executive, django_assert_num_queries):
    project, _, _ = in_poc(org, pm, executive)
    # Five due to start with: home's panel shows five rows and counts the rest with COUNT.
    others = [in_poc(org, pm, executive)[0] for _ in range(4)]
    _grow(project, 5, pm, executive)
    client.force_login(executive)
    urls = [
        detail(project),
        reverse("decisions:gate", args=[project.pk]),
        reverse("decisions:timeline", args=[project.pk]),
        reverse("decisions:due"),
        reverse("portfolio:home"),
    ]
    small = {url: _count(client, url) for url in urls}
    _grow(project, 50, pm, executive)
    for p in others:
        _grow(p, 10, pm, executive)
    for _ in range(3):  # more projects on the decisions-due list
        in_poc(org, pm, executive)
    for url in urls:
        with django_assert_num_queries(small[url]):
            client.get(url)


def test_the_project_page_runs_each_query_once(client, org, pm, executive):
    """No statement twice: the panels share the project row (with its states), the charter
    versions and the decisions the page loaded (issue 12)."""
    project, _, _ = in_poc(org, pm, executive)
    _grow(project, 5, pm, executive)
    client.force_login(executive)
    client.get(detail(project))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(detail(project)).status_code == 200
    statements = [re.sub(r"\b\d+\b", "N", q["sql"]) for q in ctx.captured_queries]
    repeated = {s[:160] for s in statements if statements.count(s) > 1}
    assert not repeated, repeated
    assert len(statements) == 25


def test_timeline_tells_the_story_newest_first_and_paginates(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    _grow(project, 30, pm, executive)
    client.force_login(pm)
    url = reverse("decisions:timeline", args=[project.pk])
    first = client.get(url).content.decode()
    assert "Criterion</span> “Measured quality on representative production data” marked" in first
    assert 'class="pagination"' in first
    # Readings were measured minutes ago: they come last, oldest at the end.
    last = client.get(url, {"page": 4}).content.decode()
    assert "Measurement</span> Success metric 50" in last
    assert Decision.objects.filter(project=project).count() == 1


def test_timeline_tells_audit_events_in_words_not_action_codes(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    client.force_login(pm)
    page = client.get(reverse("decisions:timeline", args=[project.pk])).content.decode()
    assert "submitted the charter for sign-off" in page
    assert "saved a charter section" in page
    assert "opened a gate" in page
    # Field names become labels and long saves fold into a count.
    assert "Metric name:" in page and "fields</summary>" in page
    for code in ("charter.section_saved", "charter.submitted", "gate.opened", "metric_name"):
        assert code not in page


# --- the decision panel ------------------------------------------------------------------------


def decide(project):
    return reverse("decisions:decide", args=[project.pk])


def test_go_into_pilot_from_the_page_asks_for_the_production_gates_date(client, org, pm, executive):
    project, version, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    client.force_login(executive)
    html = client.get(detail(project)).content.decode()
    assert "Decision date of the production gate" in html
    assert f'name="d-gate" value="{gate_id(project)}"' in html
    refused = client.post(
        decide(project),
        {"d-outcome": "go", "d-gate": gate_id(project), "d-rationale": "Ready for real users"},
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Give the decision date of the production gate" in html
    assert "Ready for real users" in html  # what was typed is kept
    ok = client.post(
        decide(project),
        {
            "d-outcome": "go",
            "d-gate": gate_id(project),
            "d-new_decision_date": days(75).isoformat(),
        },
    )
    assert ok.status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.decision_date) == ("pilot", days(75))
    html = client.get(detail(project)).content.decode()
    assert "Production gate" in html
    assert f'<time datetime="{days(75):%Y-%m-%d}">' in html
    assert "overdue" not in html


def test_a_second_click_on_go_says_the_gate_was_decided(client, org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    client.force_login(executive)
    go = {
        "d-outcome": "go",
        "d-gate": gate_id(project),
        "d-new_decision_date": days(75).isoformat(),
    }
    assert client.post(decide(project), go).status_code == 302
    again = client.post(decide(project), go)
    assert again.status_code == 422
    html = again.content.decode()
    decided = Decision.objects.filter(project=project).latest("pk")
    at = timezone.localtime(decided.decided_at).strftime("%-d %b %Y %H:%M")
    assert f"This gate was decided by {executive} at <time datetime=" in html
    assert f">{at}</time>; your decision was not recorded." in html
    assert "It was decided: <strong>Go</strong> at the graduation gate" in html
    assert "Go is refused" not in html  # not judged against the production gate
    assert "This gate has already been decided." not in html  # not on the next gate's form
    assert Decision.objects.filter(project=project).count() == 2


def test_a_decision_from_a_stale_tab_through_htmx_says_nothing_was_recorded(
    client, org, pm, executive
):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    client.force_login(executive)
    stale_gate = gate_id(project)
    go = {"d-outcome": "go", "d-gate": stale_gate, "d-new_decision_date": days(75).isoformat()}
    assert client.post(decide(project), go).status_code == 302  # the other tab decided
    kill = {
        "d-outcome": "kill",
        "d-gate": stale_gate,
        "d-reason_category": "business_case_not_made",
        "d-rationale": "Nobody uses it.",
    }
    response = client.post(decide(project), kill, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gate-panel"')  # swapped in place
    assert 'data-testid="stale-decision"' in html
    assert f"This gate was decided by {executive} at" in html
    assert "your decision was not recorded." in html
    assert "(PoC → Pilot)" in html
    assert "The rationale you typed, not recorded: “Nobody uses it.”" in html
    assert list(Decision.objects.filter(project=project).values_list("outcome", flat=True)) == [
        "go",
        "go",
    ]


def test_a_stale_decision_from_the_agenda_is_told_on_the_agenda(client, org, pm, executive):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    client.force_login(executive)
    go = {
        "d-outcome": "go",
        "d-gate": gate_id(project),
        "d-new_decision_date": days(75).isoformat(),
        "d-next": reverse("decisions:due"),
    }
    assert client.post(decide(project), go).status_code == 302
    again = client.post(decide(project), go, follow=True)
    html = again.content.decode()
    assert again.redirect_chain[-1][0] == reverse("decisions:due")
    assert f"This gate was decided by {executive} at" in html
    assert "your decision was not recorded. It was decided: Go at the graduation gate" in html
    assert Decision.objects.filter(project=project).count() == 2


def test_decide_forms_are_sent_with_htmx_and_disable_their_button_in_flight(
    client, org, pm, executive
):
    project, _, who = in_poc(org, pm, executive)
    graduation_ready(project, who)
    client.force_login(executive)
    html = client.get(detail(project)).content.decode()
    assert html.count("hx-disabled-elt=\"find button[type='submit']\"") >= 3  # go, kill, extend
    assert 'class="htmx-indicator muted small" role="status">Recording…' in html
    response = client.post(
        decide(project),
        {"d-outcome": "go", "d-gate": gate_id(project), "d-new_decision_date": days(70)},
        HTTP_HX_REQUEST="true",
    )
    # htmx loads the project page itself (no full reload) and scrolls to the gate.
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert json.loads(response["HX-Location"]) == {
        "path": f"{detail(project)}#gate",
        "target": "#page",
    }


def test_a_decision_from_the_agenda_through_htmx_loads_the_agenda_from_the_top(
    client, org, pm, executive
):
    project = proposed_project(org, pm, executive, decision_date=days(3))
    services.gate_open(project=project)
    client.force_login(executive)
    due = reverse("decisions:due")
    response = client.post(
        decide(project),
        {
            "d-outcome": "kill",
            "d-gate": gate_id(project),
            "d-next": due,
            "d-reason_category": "compliance_blocked",
            "d-rationale": "Legal will not allow client contracts in an LLM.",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Location"]) == {
        "path": due,
        "target": "#page",
        "swap": "innerHTML show:window:top",
    }
    # The page htmx then loads is the whole agenda, with the message.
    page = client.get(due, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="page").content.decode()
    assert "<h1>Decisions due</h1>" in page and "Kill recorded" in page


def test_the_panel_says_why_nobody_can_decide_when_the_decision_maker_is_no_executive(
    client, org, pm, viewer
):
    project = proposed_project(org, pm, viewer)
    for person in (viewer, pm):
        client.force_login(person)
        html = client.get(detail(project)).content.decode()
        assert "the decision-maker must be an executive of the organisation" in html
        assert "Record kill" not in html
    services.gate_open(project=project)
    refused = client.post(
        decide(project),
        {
            "d-outcome": "kill",
            "d-gate": gate_id(project),
            "d-reason_category": "other",
            "d-rationale": "x",
        },
    )
    assert refused.status_code == 403
    client.force_login(viewer)
    assert (
        client.post(
            decide(project),
            {
                "d-outcome": "kill",
                "d-gate": gate_id(project),
                "d-reason_category": "other",
                "d-rationale": "x",
            },
        ).status_code
        == 403
    )
    project.refresh_from_db()
    assert project.stage == "proposed"


def test_extend_and_supersede_through_the_page_forms(client, org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    client.force_login(executive)
    refused = client.post(
        decide(project),
        {
            "d-outcome": "extend",
            "d-gate": gate_id(project),
            "d-new_kill_deadline": "9999-12-31",
            "d-new_decision_date": "9999-12-31",
            "d-rationale": "More production data",
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "can be at most a year ahead" in html and 'value="9999-12-31"' in html
    assert "More production data" in html
    ok = client.post(
        decide(project),
        {
            "d-outcome": "extend",
            "d-gate": gate_id(project),
            "d-new_kill_deadline": days(49).isoformat(),
            "d-new_decision_date": days(51).isoformat(),
            "d-rationale": "More production data",
        },
    )
    assert ok.status_code == 302
    project.refresh_from_db()
    assert project.decision_date == days(51)
    extension = Decision.objects.get(project=project, outcome="extend")
    html = client.get(detail(project)).content.decode()
    assert "Correct this decision (supersede it)" in html
    assert f'name="s-supersedes" value="{extension.pk}"' in html
    # The correction: a kill instead, with its reason.
    missing = client.post(
        decide(project),
        {
            "s-outcome": "kill",
            "s-supersedes": extension.pk,
            "s-reason_category": "metric_not_reached",
            "s-rationale": "Stuck at 62%.",
        },
    )
    assert missing.status_code == 422
    assert "Say why the earlier decision was a mistake." in missing.content.decode()
    fixed = client.post(
        decide(project),
        {
            "s-outcome": "kill",
            "s-supersedes": extension.pk,
            "s-reason_category": "metric_not_reached",
            "s-rationale": "Stuck at 62%.",
            "s-supersede_reason": "The extension ignored the last two readings.",
        },
    )
    assert fixed.status_code == 302
    project.refresh_from_db()
    assert project.stage == "killed"
    html = client.get(detail(project)).content.decode()
    assert "superseded by #" in html and f"corrects #{extension.pk}" in html


def test_a_refused_decision_from_the_agenda_comes_back_to_the_agenda(client, org, pm, executive):
    first = proposed_project(org, pm, executive, name="Early one", decision_date=days(3))
    project = proposed_project(org, pm, executive, name="Second one", decision_date=days(9))
    for p in (first, project):
        services.gate_open(project=p)
    client.force_login(executive)
    due = reverse("decisions:due")
    agenda = client.get(due).content.decode()
    assert f'name="d-next" value="{due}"' in agenda
    kill = {
        "d-outcome": "kill",
        "d-gate": gate_id(project),
        "d-next": due,
        "d-rationale": "The sponsor left.",
    }
    refused = client.post(decide(project), kill)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "<h1>Decisions due</h1>" in html and "Early one" in html
    card = html[html.index(f'id="due-{project.pk}"') :]
    assert "Choose why the project is killed." in card and "The sponsor left." in card
    # With htmx only the card comes back, to replace itself.
    partial = client.post(decide(project), kill, HTTP_HX_REQUEST="true")
    assert partial.status_code == 422
    body = partial.content.decode()
    assert f'id="due-{project.pk}"' in body and "<h1>" not in body and "Early one" not in body
    assert "Choose why the project is killed." in body
    assert 'hx-target="closest .due-card"' in body


# --- what the project page tells -------------------------------------------------------------


def test_the_kill_sentence_ends_once(client, project, pm):
    client.force_login(pm)
    html = client.get(detail(project)).content.decode()
    assert "threshold and deadline." in html
    assert "deadline.." not in html


def test_the_project_page_proposes_the_decision_the_numbers_support(client, org, pm, executive):
    from charters.models import Status
    from tests.charters.helpers import quick_version

    project = proposed_project(org, pm, executive)
    version = quick_version(
        project,
        metric_name="Routing accuracy",
        metric_direction="higher",
        metric_baseline=55,
        metric_target=85,
        threshold=75,
        kill_deadline=days(-2),
    )
    # Approved a month ago (written straight to the tables: a test fixture, not a workflow): the
    # approval set the project's kill deadline.
    type(version).objects.filter(pk=version.pk).unaudited_update(
        status=Status.APPROVED, approved_at=timezone.now() - timedelta(days=30)
    )
    type(project).objects.filter(pk=project.pk).unaudited_update(kill_deadline=days(-2))
    project_states.refresh(project_ids=[project.pk])  # as the approval service would
    client.force_login(executive)
    html = client.get(detail(project)).content.decode()
    assert 'data-kill-status="triggered"' in html
    assert "The numbers support: kill (metric not reached) or extend." in html
    services.measurement_record(project=project, kind="metric", value="78", by=pm)
    html = client.get(detail(project)).content.decode()
    assert "The numbers support: go once the unmet criteria are met." in html


def test_the_kill_condition_chart_is_an_svg_with_its_text_alternative(client, org, pm, executive):
    project, version, _ = in_poc(org, pm, executive)
    services.measurement_record(project=project, kind="metric", value="68.5", by=pm)
    client.force_login(pm)
    html = client.get(detail(project)).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert (
        'role="img"' in svg
        and f'aria-labelledby="kc-{project.pk}-title kc-{project.pk}-desc"' in svg
    )
    assert 'class="threshold"' in svg and 'class="deadline"' in svg
    assert "threshold 75" in svg and f"deadline {version.kill_deadline:%-d %b}" in svg
    desc = svg[svg.index("<desc") : svg.index("</desc>")]
    assert "1 reading of Routing accuracy; the latest is 68.5" in desc
    assert f"kill deadline {version.kill_deadline:%-d %b %Y}" in desc and "On track" in desc
    # The readings as a table too, for people who cannot see the picture.
    assert "text alternative of the chart" in html


def test_a_pivot_links_both_ways(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive, name="Invoice triage")
    decision = services.decision_record(
        project=project,
        outcome="kill",
        by=executive,
        reason_category="data_not_available",
        rationale="Production data cannot leave the EU.",
        pivot=True,
        successor_name="Invoice triage EU",
    )
    successor = decision.successor
    client.force_login(pm)
    html = client.get(detail(successor)).content.decode()
    assert (
        f'Pivot from <a href="{detail(project)}">Invoice triage</a>, killed on' in html
        and "(data not available in production)" in html
    )
    html = client.get(detail(project)).content.decode()
    assert (
        f'Its work continues in the pivot <a href="{detail(successor)}">Invoice triage EU</a>'
        in html
    )


def test_the_timeline_shows_labels_not_codes(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    client.force_login(pm)
    page = client.get(reverse("decisions:timeline", args=[project.pk])).content.decode()
    assert "<del>Draft</del> → In review" in page
    assert "The charter is complete, Signed by every required signer" in page
    assert "Production owner:</span> Paolo Production" in page  # a name, not an id
    for code in ("in_review", "charter-complete", "charter-signed"):
        assert code not in page


def test_an_older_reading_offered_as_evidence_is_accepted(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    registered_weeks_ago(project)
    latency = services.measurement_record(
        project=project,
        kind="latency_ms",
        value="1800",
        by=pm,
        measured_at=timezone.now() - timedelta(hours=2),
    )
    for i in range(60):  # newer readings of the metric
        services.measurement_record(project=project, kind="metric", value=60 + i % 20, by=pm)
    criterion = GateCriterion.objects.get(gate__project=project, key="production-quality")
    client.force_login(pm)
    html = client.get(detail(project)).content.decode()
    prefix = f"c{criterion.pk}"
    assert f'<option value="{latency.pk}">p95 latency (ms): 1800' in html
    response = client.post(
        reverse("decisions:criterion-mark", args=[project.pk, criterion.pk]),
        {f"{prefix}-state": "met", f"{prefix}-evidence_measurement": latency.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mark = CriterionMark.objects.get(criterion=criterion)
    assert mark.evidence_measurement == latency


def test_the_charter_gate_says_whose_date_it_shows(client, org, pm, executive):
    project = proposed_project(org, pm, executive, decision_date=days(50))
    client.force_login(pm)
    html = client.get(detail(project)).content.decode()
    gate = html[html.index('id="gate-heading"') : html.index('class="gate-progress"')]
    assert f'PoC starts <time datetime="{project.timebox_start:%Y-%m-%d}">' in gate
    assert f'PoC decision date <time datetime="{days(50):%Y-%m-%d}">' in gate
