"""Charter pages: the section editor over HTMX, submit, sign, history, panels, query counts."""

import pytest
from django.urls import reverse

from charters import services
from charters.models import Status
from tests.charters import helpers
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, project, **kw):
    return reverse(f"charters:{name}", kwargs={"project_pk": project.pk, **kw})


def test_start_then_editor_shows_thirteen_sections_and_the_meter(client, project, pm):
    client.force_login(pm)
    response = client.post(url("start", project))
    assert response.status_code == 302 and response["Location"] == url("edit", project)
    page = client.get(url("edit", project)).content.decode()
    for n in range(1, 14):
        assert f'<span class="section-number">{n}</span>' in page
    assert 'id="charter-progress"' in page and "Still missing" in page


def test_a_section_error_is_shown_next_to_its_field_and_the_typed_values_are_kept(
    client, project, pm
):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        url("section", project, section="metric"),
        {
            "metric-metric_name": "Routing accuracy",
            "metric-metric_direction": "higher",
            "metric-metric_baseline": "60",
            "metric-metric_target": "40",
            "metric-metric_method": "Sampled weekly",
        },
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('id="section-metric"') == 1  # only this section comes back
    assert 'id="id_metric_target_errors"' in html
    assert "above the baseline (60)" in html
    assert 'value="Routing accuracy"' in html and 'value="40"' in html
    assert 'hx-swap-oob="true"' in html  # the meter is refreshed out of band


def test_a_saved_section_comes_back_saved_and_the_meter_moves(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        url("section", project, section="problem"),
        {
            "problem-problem": "Slow triage",
            "problem-hypothesis": "LLM routes 80%",
            "problem-business_value": "2 FTE",
        },
        **HTMX,
    )
    html = response.content.decode()
    assert "Saved" in html
    assert "Problem and hypothesis: problem" not in html
    version.refresh_from_db()
    assert version.problem == "Slow triage"


def test_without_htmx_a_save_redirects_to_its_section(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        url("section", project, section="threshold"), {"threshold-threshold": "7"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#section-threshold")


def test_rows_are_added_and_removed_in_place(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    html = client.post(
        url("row-add", project, kind="integrations"),
        {"integrations-system": "", "integrations-direction": "read"},
        **HTMX,
    ).content.decode()
    assert "This field is required." in html
    html = client.post(
        url("row-add", project, kind="integrations"),
        {
            "integrations-system": "ERP",
            "integrations-direction": "write",
            "integrations-owning_team": "Ops",
        },
        **HTMX,
    ).content.decode()
    assert "<td>ERP</td>" in html
    row = version.integrations.get()
    html = client.post(
        url("row-remove", project, kind="integrations", row_pk=row.pk), **HTMX
    ).content.decode()
    assert "No integrations yet" in html and not version.integrations.exists()


def test_submit_is_refused_with_the_missing_list(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    html = client.post(url("submit", project), **HTMX).content.decode()
    assert "Not submitted" in html and "Success metric: metric name" in html


def test_submit_sign_and_approve_through_the_pages(client, project, pm, executive):
    version, who = helpers.complete_draft(project)
    client.force_login(pm)
    assert client.post(url("submit", project)).status_code == 302
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW
    client.force_login(executive)
    page = client.get(url("sign", project)).content.decode()
    assert "business owner, decision-maker" in page and "one signature counts for all" in page
    client.post(url("sign", project))
    client.force_login(who["production_owner"])
    response = client.post(url("sign", project), follow=True)
    assert "the charter is approved" in response.content.decode()
    version.refresh_from_db()
    assert version.status == Status.APPROVED


def test_request_changes_without_a_comment_is_refused_next_to_the_field(client, project, executive):
    helpers.in_review(project)
    client.force_login(executive)
    html = client.post(url("request-changes", project), {"comment": ""}).content.decode()
    assert "Say what needs to change." in html
    response = client.post(url("request-changes", project), {"comment": "Raise the target"})
    assert response.status_code == 302
    assert project.charter.versions.get().status == Status.DRAFT


def test_history_diff_shows_what_an_amendment_changed(client, project, pm):
    from decimal import Decimal

    helpers.approved(project)
    version = services.charter_amend(charter=project.charter, by=pm)
    services.charter_save_section(
        version=version, section="threshold", data={"threshold": Decimal("65")}, by=pm
    )
    client.force_login(pm)
    html = client.get(url("history", project), {"a": 1, "b": 2}).content.decode()
    assert "Sign-off threshold" in html and "locked criterion" in html
    assert "<del>75 %</del>" in html.replace("\xa0", " ") or "<del>75" in html
    assert "<ins>65" in html


def test_project_page_panel_shows_goalposts_and_flags(client, project, pm):
    from decimal import Decimal

    _, who = helpers.approved(project)
    version = services.charter_amend(charter=project.charter, by=pm)
    services.charter_save_section(
        version=version, section="threshold", data={"threshold": Decimal("65")}, by=pm
    )
    services.charter_submit(version=version, by=pm)
    for role in ("business_owner", "production_owner"):
        version.refresh_from_db()
        if version.status == Status.IN_REVIEW:
            services.charter_sign(version=version, by=who[role])
    client.force_login(pm)
    html = client.get(reverse("portfolio:project-detail", args=[project.pk])).content.decode()
    assert "goalposts moved 1×" in html
    assert 'data-panel="charter"' in html


def test_home_panel_lists_charters_waiting_for_my_signature(client, project, executive, pm):
    helpers.in_review(project)
    client.force_login(executive)
    html = client.get(reverse("portfolio:home")).content.decode()
    assert "Waiting for your signature" in html and project.name in html
    client.force_login(pm)
    assert (
        "Waiting for your signature" not in client.get(reverse("portfolio:home")).content.decode()
    )


def _pending(org, signer, n):
    for _ in range(n):
        p = ProjectFactory(organisation=org, decision_maker=signer, business_owner=signer)
        helpers.quick_version(p, decision_maker=signer, business_owner=signer)


@pytest.mark.parametrize("rows", [5, 50])
def test_signoff_list_query_count_is_pinned(
    client, org, executive, rows, django_assert_num_queries
):
    _pending(org, executive, rows)
    client.force_login(executive)
    with django_assert_num_queries(7):
        response = client.get(reverse("charters:signoffs"))
    assert response.content.decode().count("Read and sign") == rows


@pytest.mark.parametrize("rows", [1, 40])
def test_charter_page_query_count_is_pinned(client, project, pm, rows, django_assert_num_queries):
    from charters.models import ChangeRequest, DataSource, Integration

    version, who = helpers.complete_draft(project)
    for i in range(rows):
        DataSource.objects.create(version=version, name=f"Source {i}")
        Integration.objects.create(version=version, system=f"System {i}")
        ChangeRequest.objects.create(version=version, by=pm, comment=f"Fix {i}")
    client.force_login(pm)
    with django_assert_num_queries(16):
        response = client.get(url("detail", project))
    assert response.status_code == 200
    assert response.content.decode().count("Source ") >= rows


def test_viewer_reads_but_cannot_edit(client, project, viewer):
    helpers.draft(project)
    client.force_login(viewer)
    assert client.get(url("detail", project)).status_code == 200
    assert client.get(url("edit", project)).status_code == 403


def test_named_pm_who_is_a_viewer_may_edit(client, project, org):
    named = member(org, "viewer")
    project.pm = named
    project.save()
    helpers.draft(project, by=named)
    client.force_login(named)
    assert client.get(url("edit", project)).status_code == 200


# --- Badges on the project list ---------------------------------------------------------------
def _row(page: str, name: str) -> str:
    """The table row of one project in the project list."""
    start = page.index(f">{name}</a>")
    return page[start : page.index("</tr>", start)]


def test_the_project_list_shows_goalposts_moved_and_risk_flags_per_row(client, org, pm, project):
    from charters.models import Charter
    from portfolio.models import Stage

    moved = project  # the fixture names every owner, so its charter can be approved
    moved.name = "Moved goalposts"
    moved.save()
    helpers.approved(moved)
    charter = Charter.objects.get(project=moved)
    charter.goalposts_moved = 2
    charter.save()
    sketchy = ProjectFactory(organisation=org, name="Sketchy PoC", pm=pm)
    helpers.quick_version(sketchy)  # no harness, no targets, no value stated
    dead = ProjectFactory(organisation=org, name="Dead PoC", pm=pm, stage=Stage.KILLED)
    helpers.quick_version(dead)

    client.force_login(pm)
    page = client.get(reverse("portfolio:project-list")).content.decode()

    assert "goalposts moved 2×" in _row(page, "Moved goalposts")
    assert "risk flag" not in _row(page, "Moved goalposts")  # a complete charter raises none
    sketchy_row = _row(page, "Sketchy PoC")
    assert "goalposts moved" not in sketchy_row
    assert "risk flags" in sketchy_row
    assert "No evaluation harness or labelled set" in sketchy_row
    assert "No business value stated" in sketchy_row
    assert "risk flag" not in _row(page, "Dead PoC")  # the graveyard carries no warnings
