"""Charter pages: the section editor over HTMX, submit, sign, history, panels, query counts."""

import json
from datetime import timedelta

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
    assert response.status_code == 422  # refused; htmx is configured to swap it in place
    assert html.count('id="section-metric"') == 1  # only this section comes back
    assert 'id="id_metric_target_error"' in html
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
    response = client.post(url("submit", project), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="charter-progress"')
    assert "Not submitted" in html and "Success metric: metric name" in html
    # Without htmx: the whole editor, with the same list.
    response = client.post(url("submit", project))
    assert response.status_code == 422
    assert "Not submitted" in response.content.decode()


def test_a_submit_through_htmx_goes_to_the_charter_with_hx_location(client, project, pm):
    version, _ = helpers.complete_draft(project)
    client.force_login(pm)
    response = client.post(url("submit", project), **HTMX)
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert json.loads(response["HX-Location"]) == {
        "path": url("detail", project),
        "target": "#page",
        "swap": "innerHTML show:window:top",
    }
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW
    # The page htmx then loads says so.
    page = client.get(url("detail", project), **HTMX, HTTP_HX_TARGET="page").content.decode()
    assert "Submitted for sign-off." in page


def test_without_htmx_a_refused_section_is_the_whole_editor_with_what_was_typed(
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
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="card charter-section') == 13  # the whole editor
    assert "above the baseline (60)" in html
    assert 'value="Routing accuracy"' in html and 'value="40"' in html


def test_a_refused_row_through_htmx_is_a_422_with_what_was_typed(client, project, pm):
    version = helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        url("row-add", project, kind="integrations"),
        {"integrations-system": "", "integrations-owning_team": "Finance IT"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card charter-section')
    assert "This field is required." in html and 'value="Finance IT"' in html
    assert not version.integrations.exists()


def test_submit_sign_and_approve_through_the_pages(client, project, pm, executive):
    version, who = helpers.complete_draft(project)
    client.force_login(pm)
    assert client.post(url("submit", project)).status_code == 302
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW
    client.force_login(executive)
    page = client.get(url("sign", project)).content.decode()
    # Every role they hold, joined as a sentence says it (it read "decision-maker, ." before).
    assert "You are named as <strong>business owner and decision-maker</strong>. By signing" in page
    assert "one signature counts for all" in page
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
    # +1 since the visitor's organisations and roles, read once as a literal list (issue 12).
    with django_assert_num_queries(8):
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
    with django_assert_num_queries(14):
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
    assert sketchy_row.count('data-testid="risk-flag"') == 3  # short names, three at most
    assert ">no eval<" in sketchy_row
    assert 'data-testid="risk-flags-more"' in sketchy_row and ">+3 more<" in sketchy_row
    # The full wording is there for hover and screen readers.
    assert "No evaluation harness or labelled set" in sketchy_row
    assert "No business value stated" in sketchy_row
    assert "risk flag" not in _row(page, "Dead PoC")  # the graveyard carries no warnings


# --- The version parameter ---------------------------------------------------------------------


@pytest.mark.parametrize("v", ["²", "١", "abc", "-1", "1.0", "99999999999999999999"])
def test_a_version_number_that_is_not_ascii_digits_is_a_404(client, project, pm, v):
    helpers.approved(project)
    client.force_login(pm)
    assert client.get(url("detail", project), {"v": v}).status_code == 404


def test_version_parameter_reads_that_version_or_the_latest(client, project, pm):
    helpers.approved(project)
    client.force_login(pm)
    assert client.get(url("detail", project), {"v": "1"}).status_code == 200
    assert client.get(url("detail", project), {"v": "2"}).status_code == 404
    assert client.get(url("detail", project), {"v": ""}).status_code == 200


# --- Absurd dates -----------------------------------------------------------------------------


def test_a_date_in_year_9999_is_refused_next_to_its_field(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        url("section", project, section="timebox"),
        {
            "timebox-timebox_start": "9999-12-28",
            "timebox-timebox_end": "9999-12-31",
            "timebox-decision_date": "9999-12-31",
        },
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_timebox_start_error"' in html
    assert "Enter a date between 2000 and 2100." in html
    assert 'value="9999-12-28"' in html  # what was typed stays


def test_stored_end_of_calendar_dates_do_not_break_the_pages(client, project, pm):
    from datetime import date

    from charters.models import CharterVersion

    version = helpers.draft(project)
    CharterVersion.objects.filter(pk=version.pk).unaudited_update(
        timebox_start=date(9999, 12, 28), compliance_review_due=date(9999, 12, 30)
    )
    client.force_login(pm)
    assert client.get(url("edit", project)).status_code == 200
    assert client.get(url("detail", project)).status_code == 200
    assert client.get(reverse("portfolio:project-detail", args=[project.pk])).status_code == 200


# --- What the editor shows ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "threshold", "sign"),
    [("higher", "55", "85", "75", "≥"), ("lower", "14", "6", "9", "≤")],
)
def test_the_kill_condition_reads_as_a_sentence(
    client, project, pm, direction, baseline, target, threshold, sign
):
    from decimal import Decimal

    version = helpers.draft(project)
    deadline = project.timebox_start + timedelta(days=30)
    version = services.charter_save_sections(
        version=version,
        data={
            "metric_name": "Handling time",
            "metric_unit": "min",
            "metric_direction": direction,
            "metric_baseline": Decimal(baseline),
            "metric_target": Decimal(target),
            "threshold": Decimal(threshold),
            "kill_deadline": deadline,
        },
        by=pm,
    )
    sentence = (
        f"If Handling time is not {sign} {threshold} min by {deadline.strftime('%-d %b %Y')}, "
        "the PoC stops."
    )
    client.force_login(pm)
    assert sentence in client.get(url("edit", project)).content.decode()
    assert sentence in client.get(url("detail", project)).content.decode()


def test_the_kill_sentence_names_what_is_still_missing_and_follows_the_threshold(
    client, project, pm
):
    helpers.draft(project)
    client.force_login(pm)
    page = client.get(url("edit", project)).content.decode()
    assert (
        "If the success metric has not reached the sign-off threshold by the kill deadline, "
        "the PoC stops." in page
    )
    html = client.post(
        url("section", project, section="threshold"), {"threshold-threshold": "7"}, **HTMX
    ).content.decode()
    # Section 4's sentence is refreshed out of band when the threshold is saved.
    assert 'id="kill-sentence" data-testid="kill-sentence" hx-swap-oob="true"' in html
    assert "has not reached 7 by the kill deadline" in html


def test_money_inputs_show_the_charters_currency(client, project, pm):
    version = helpers.draft(project)
    services.charter_save_section(
        version=version, section="targets", data={"currency": "usd"}, by=pm
    )
    client.force_login(pm)
    page = client.get(url("edit", project)).content.decode()
    for field in ("ops_budget", "cost_monthly_1x", "cost_monthly_5x", "cost_monthly_20x"):
        assert f'data-testid="suffix-{field}">USD</span>' in page
        assert f'aria-describedby="id_{field}_suffix"' in page


def test_stored_decimals_read_as_typed(client, project, pm):
    from decimal import Decimal

    version = helpers.draft(project)
    services.charter_save_sections(
        version=version,
        data={
            "metric_direction": "higher",
            "metric_baseline": Decimal("61"),
            "metric_target": Decimal("90"),
            "eval_baseline_score": Decimal("0.1"),
        },
        by=pm,
    )
    client.force_login(pm)
    page = client.get(url("edit", project)).content.decode()
    assert 'value="61"' in page and 'value="0.1"' in page
    assert "61.0000" not in page and "0.1000" not in page
    detail = client.get(url("detail", project)).content.decode()
    assert "61.0000" not in detail and "0.1000" not in detail and "<dd>0.1</dd>" in detail


def test_a_submit_refused_for_another_reason_says_so_without_the_filled_in_note(
    client, project, pm, monkeypatch
):
    from django.core.exceptions import ValidationError

    helpers.complete_draft(project)

    def refuse(**kwargs):
        raise ValidationError({"status": ["This version is waiting for signatures."]})

    monkeypatch.setattr(services, "charter_submit", refuse)
    client.force_login(pm)
    html = client.post(url("submit", project), **HTMX).content.decode()
    assert "Not submitted.</strong> This version is waiting for signatures." in html
    assert "Complete these first" not in html
    assert "Everything is filled in" not in html
    response = client.post(url("submit", project), follow=True)
    assert "This version is waiting for signatures." in response.content.decode()


def test_the_decision_maker_choices_are_the_executives(client, project, pm, org):
    helpers.draft(project)
    other_exec = member(org, "executive", full_name="Xavier Exec")
    a_viewer = member(org, "viewer", full_name="Vera Viewer")
    client.force_login(pm)
    page = client.get(url("edit", project)).content.decode()
    start = page.index('name="owners-decision_maker"')
    select = page[start : page.index("</select>", start)]
    assert "Xavier Exec" in select and "Erin Executive" in select
    assert "Vera Viewer" not in select and "Pat Manager" not in select
    start = page.index('name="owners-business_owner"')
    assert "Vera Viewer" in page[start : page.index("</select>", start)]
    assert other_exec and a_viewer


def test_saving_a_non_executive_decision_maker_is_refused_next_to_the_field(
    client, project, pm, org
):
    from charters.models import CharterVersion

    version = helpers.draft(project)
    # Named before the rule (written straight to the database): still shown, and refused.
    viewer = member(org, "viewer", full_name="Vera Viewer")
    CharterVersion.objects.filter(pk=version.pk).unaudited_update(decision_maker=viewer)
    client.force_login(pm)
    html = client.post(
        url("section", project, section="owners"),
        {"owners-decision_maker": str(viewer.pk), "owners-pm": str(pm.pk)},
        **HTMX,
    ).content.decode()
    assert 'id="id_decision_maker_error"' in html
    assert "The decision-maker must be an executive of the organisation." in html


def test_signing_when_an_owner_left_says_who_and_what_to_do(client, project, executive, org):
    from portfolio.models import Membership

    version, who = helpers.in_review(project)
    services.charter_sign(version=version, by=executive)
    Membership.objects.filter(user=who["engineering_owner"], organisation=org).unaudited_delete()
    client.force_login(who["production_owner"])
    page = client.post(url("sign", project), follow=True).content.decode()
    assert "Enya Engineer, named as engineering owner, is no longer a member of" in page
    assert "Request changes so the PM can name someone else" in page
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW


def test_the_compliance_reviewer_records_a_review_on_the_charter_page(client, project, pm):
    version, who = helpers.in_review(project)
    client.force_login(pm)
    assert "Record my compliance review" not in client.get(url("detail", project)).content.decode()
    client.force_login(who["compliance_reviewer"])
    assert "Record my compliance review" in client.get(url("detail", project)).content.decode()
    response = client.post(
        url("compliance-review", project), {"version": "1", "note": "Residency checked."}
    )
    assert response.status_code == 302
    page = client.get(url("detail", project)).content.decode()
    assert "Reviewed by Cora Compliance" in page and "Residency checked." in page
    assert "Record my compliance review" not in page
    assert client.post(url("compliance-review", project), {"version": "²"}).status_code == 404


# --- Risk flags on the project page --------------------------------------------------------------


def test_project_page_shows_every_flag_in_full_from_the_approved_version(client, project, pm):
    helpers.approved(project)
    amendment = services.charter_amend(charter=project.charter, by=pm)
    services.charter_save_sections(
        version=amendment, data={"business_value": "", "harness_location": ""}, by=pm
    )
    client.force_login(pm)
    html = client.get(reverse("portfolio:project-detail", args=[project.pk])).content.decode()
    assert "No business value stated" not in html  # the half-written amendment does not count
    sketchy = ProjectFactory(organisation=project.organisation, pm=pm, name="Sketchy")
    helpers.quick_version(sketchy)
    html = client.get(reverse("portfolio:project-detail", args=[sketchy.pk])).content.decode()
    for label in (
        "No evaluation harness or labelled set",
        "No latency or cost target",
        "No business value stated",
        "No decision date",
        "Compliance not reviewed in week 1",
    ):
        assert f'<span class="badge badge-warning">{label}</span>' in html


@pytest.mark.parametrize("rows", [5, 40])
def test_project_list_with_flags_and_amendments_keeps_its_query_count(
    client, org, pm, executive, rows, django_assert_num_queries
):
    from charters.models import CharterVersion, ComplianceReview

    for i in range(rows):
        p = ProjectFactory(organisation=org, pm=pm, name=f"P{i}", decision_maker=executive)
        approved = helpers.quick_version(p, status=Status.DRAFT, compliance_reviewer=executive)
        CharterVersion.objects.filter(pk=approved.pk).unaudited_update(status=Status.APPROVED)
        ComplianceReview.objects.create(
            charter=approved.charter, version=approved, reviewer=executive
        )
        helpers.quick_version(p, status=Status.DRAFT)  # an amendment being written
    client.force_login(pm)
    client.get(reverse("portfolio:project-list"))
    # +2 since issue 12: the visitor's organisations and roles, read once as a literal list (issue 12), and the page's ids fetched before its rows.
    with django_assert_num_queries(15):
        response = client.get(reverse("portfolio:project-list"))
    assert response.content.decode().count('data-testid="risk-flag"') >= min(rows, 25)


# --- Pinned query counts: charter, sign and history pages with many versions and signatures ----


def _story(project, *, versions: int, signatures: int, last_status):
    """``versions`` versions (superseded, one approved, then ``last_status``), each with
    signatures given and withdrawn ``signatures`` times, change requests, rows."""
    from decimal import Decimal

    from django.utils import timezone

    from charters.models import (
        ChangeRequest,
        Charter,
        CharterVersion,
        DataSource,
        Integration,
        Signature,
    )

    who = helpers.people(project)
    charter = Charter.objects.create(project=project)
    content = {k: v for s in helpers.complete_sections(who).values() for k, v in s.items()}
    previous = None
    for number in range(1, versions + 1):
        # Each amendment lowers the threshold a little: the history has a diff to show.
        threshold = content["threshold"] - Decimal(number) / 10
        version = CharterVersion.objects.create(
            charter=charter, number=number, **{**content, "threshold": threshold}
        )
        for i in range(signatures):
            DataSource.objects.create(version=version, name=f"Source {i}")
            Integration.objects.create(version=version, system=f"System {i}")
            ChangeRequest.objects.create(version=version, by=project.pm, comment=f"Fix {i}")
            Signature.objects.create(
                version=version,
                signer=who["production_owner"],
                role="production_owner",
                withdrawn_at=timezone.now(),
            )
        Signature.objects.create(
            version=version, signer=project.decision_maker, role="decision_maker"
        )
        Signature.objects.create(
            version=version, signer=project.decision_maker, role="business_owner"
        )
        if previous is not None:
            CharterVersion.objects.filter(pk=previous.pk).unaudited_update(status="superseded")
        status = last_status if number == versions else Status.APPROVED
        CharterVersion.objects.filter(pk=version.pk).unaudited_update(
            status=status, submitted_at=timezone.now()
        )
        previous = version if status == Status.APPROVED else None
    return who


CHARTER_PAGE_QUERIES = 14


@pytest.mark.parametrize(("versions", "signatures"), [(2, 1), (12, 30)])
@pytest.mark.parametrize("state", [Status.IN_REVIEW, Status.APPROVED])
def test_charter_page_with_versions_and_signatures_keeps_its_query_count(
    client, project, pm, versions, signatures, state, django_assert_num_queries
):
    _story(project, versions=versions, signatures=signatures, last_status=state)
    client.force_login(pm)
    client.get(url("detail", project))
    with django_assert_num_queries(CHARTER_PAGE_QUERIES):
        response = client.get(url("detail", project))
    html = response.content.decode()
    assert html.count("?v=") >= versions
    assert "Signed" in html


@pytest.mark.parametrize(("versions", "signatures"), [(2, 1), (12, 30)])
def test_sign_page_keeps_its_query_count(
    client, project, executive, versions, signatures, django_assert_num_queries
):
    _story(project, versions=versions, signatures=signatures, last_status=Status.IN_REVIEW)
    client.force_login(executive)
    client.get(url("sign", project))
    with django_assert_num_queries(SIGN_PAGE_QUERIES):
        response = client.get(url("sign", project))
    assert response.status_code == 200
    assert "You signed this version" in response.content.decode()


SIGN_PAGE_QUERIES = 10


@pytest.mark.parametrize(("versions", "signatures"), [(2, 1), (12, 30)])
def test_history_page_keeps_its_query_count(
    client, project, pm, versions, signatures, django_assert_num_queries
):
    _story(project, versions=versions, signatures=signatures, last_status=Status.APPROVED)
    client.force_login(pm)
    client.get(url("history", project))
    with django_assert_num_queries(HISTORY_PAGE_QUERIES):
        response = client.get(url("history", project))
    html = response.content.decode()
    assert html.count("<tr>") >= versions
    assert 'data-testid="diff"' in html


# +1 since the visitor's organisations and roles are read once as a literal list (issue 12).
HISTORY_PAGE_QUERIES = 11
