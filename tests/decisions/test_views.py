"""The pages: gate panel on the project page, decisions due, ownership, timeline."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.models import CriterionMark, Decision, GateCriterion
from tests.decisions.helpers import days, graduation_ready, in_poc, proposed_project

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


def test_decide_kill_from_the_page_moves_the_project_to_killed(client, org, pm, executive):
    project = proposed_project(org, pm, executive)
    client.force_login(executive)
    refused = client.post(reverse("decisions:decide", args=[project.pk]), {"d-outcome": "kill"})
    assert refused.status_code == 422
    assert "Choose why the project is killed." in refused.content.decode()
    response = client.post(
        reverse("decisions:decide", args=[project.pk]),
        {
            "d-outcome": "kill",
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
    assert "Ownership means accepting on-call for it." in failed.content.decode()
    ok = client.post(
        url,
        {
            "accepts_run_cost": "on",
            "accepts_on_call": "on",
            "accepts_budget_line": "on",
            "budget_line": "OPS-9",
        },
    )
    assert ok.status_code == 302
    assert "4 of 6 criteria met" in client.get(detail(project)).content.decode()


def test_decisions_due_page_lists_soonest_first_with_the_facts(client, org, pm, executive):
    ready, _, who = in_poc(org, pm, executive, name="Ready one")
    graduation_ready(ready, who)
    proposed_project(org, pm, executive, name="Proposed later", decision_date=days(60))
    client.force_login(executive)
    html = client.get(reverse("decisions:due")).content.decode()
    assert html.index("Ready one") < html.index("Proposed later")
    assert "6 of 6 criteria met" in html and "Routing accuracy" in html
    client.force_login(pm)
    assert "No decisions due" in client.get(reverse("decisions:due")).content.decode()


def _grow(project, n, pm, executive):
    """n more rows of everything the pages list for ``project``."""
    criterion = GateCriterion.objects.get(
        gate__project=project, gate__from_stage=project.stage, key="production-quality"
    )
    for i in range(n):
        m = services.measurement_record(
            project=project,
            kind="metric",
            value=50 + i % 30,
            by=pm,
            measured_at=timezone.now() - timedelta(hours=n - i),
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
    others = [in_poc(org, pm, executive)[0] for _ in range(2)]
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


def test_timeline_tells_the_story_newest_first_and_paginates(client, org, pm, executive):
    project, _, _ = in_poc(org, pm, executive)
    _grow(project, 30, pm, executive)
    client.force_login(pm)
    url = reverse("decisions:timeline", args=[project.pk])
    first = client.get(url).content.decode()
    assert "Criterion</span> “Measured quality on representative production data” marked" in first
    assert 'class="pagination"' in first
    # Readings were measured hours ago: they come last, oldest at the end.
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
