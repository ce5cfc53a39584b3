"""The portfolio pages as a person uses them: lists, filters, forms, switcher, tokens."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from portfolio.context_processors import SESSION_ORG_KEY
from portfolio.models import PersonalAccessToken, Project, Stage
from portfolio.panels import home_panels, project_panels
from portfolio.services import token_create
from tests.factories import ProjectFactory, member

LIST = "/projects/"


def field_block(html: str, field_id: str) -> str:
    """The HTML of the form field whose label points at ``field_id`` (up to the next field)."""
    match = re.search(
        rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?(?=<div class="field|</form>)',
        html,
        re.S,
    )
    assert match, f"no field {field_id} in the page"
    return match.group(0)


def names_in(response) -> list[str]:
    return sorted(p.name for p in response.context["projects"])


# --- Project list ---------------------------------------------------------------------------
@pytest.fixture
def listed(org, other_org, pm, executive, outsider):
    ProjectFactory(organisation=org, name="Invoice triage", pm=pm, stage=Stage.POC)
    ProjectFactory(organisation=org, name="Churn radar", pm=pm, decision_maker=executive)
    ProjectFactory(organisation=org, name="Contract reader", stage=Stage.PILOT)
    ProjectFactory(organisation=other_org, name="Globex pricing bot", pm=outsider)


def test_list_shows_only_visible_projects_with_their_details(client, pm, listed):
    client.force_login(pm)
    response = client.get(LIST)
    assert names_in(response) == ["Churn radar", "Contract reader", "Invoice triage"]
    html = response.content.decode()
    assert "Globex pricing bot" not in html
    assert 'class="badge badge-stage-pilot"' in html
    assert "no production owner" in html
    assert "3 projects" in html


def test_stage_search_and_owner_filters_narrow_the_list(client, pm, executive, listed):
    client.force_login(pm)
    assert names_in(client.get(LIST, {"stage": "poc"})) == ["Invoice triage"]
    assert names_in(client.get(LIST, {"q": "CONTRACT"})) == ["Contract reader"]
    assert names_in(client.get(LIST, {"owner": executive.pk})) == ["Churn radar"]
    assert names_in(client.get(LIST, {"owner": pm.pk, "stage": "proposed"})) == ["Churn radar"]


def test_owner_choices_follow_the_chosen_organisation(
    client, org, other_org, partner, pm, outsider, listed
):
    client.force_login(partner)
    # Across every organisation the choice would list the whole firm: nobody is offered until an
    # organisation is chosen (an owner already in the URL stays, if the visitor may see them).
    unchosen = client.get(LIST)
    assert set(unchosen.context["filter"].form.fields["owner"].queryset) == set()
    assert "Choose an organisation to pick a person." in unchosen.content.decode()
    kept = client.get(LIST, {"owner": pm.pk}).context["filter"].form.fields["owner"].queryset
    assert set(kept) == {pm}
    narrowed = client.get(LIST, {"organisation": org.pk}).context["filter"].form
    assert pm in narrowed.fields["owner"].queryset
    assert outsider not in narrowed.fields["owner"].queryset
    # An owner already chosen stays a valid choice when the organisation changes: the list is
    # honestly empty rather than the owner filter silently dropped.
    response = client.get(LIST, {"organisation": org.pk, "owner": outsider.pk})
    assert not response.context["filter"].form.errors
    assert names_in(response) == []
    # The htmx answer swaps the owner choices in next to the results.
    html = client.get(
        LIST, {"organisation": other_org.pk}, headers={"HX-Request": "true"}
    ).content.decode()
    owner_select = re.search(r'<select name="owner"[^>]*>.*?</select>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in owner_select and 'id="id_owner"' in owner_select
    assert "Olga Outsider" in owner_select and "Pat Manager" not in owner_select
    # The full page renders the filter once, without an out-of-band copy.
    page = client.get(LIST, {"organisation": org.pk}).content.decode()
    assert page.count('name="owner"') == 1 and "hx-swap-oob" not in page


@pytest.mark.parametrize(
    "params, field",
    [
        ({"owner": "9" * 25}, "owner"),
        ({"owner": "1e30"}, "owner"),
        ({"owner": "1.5"}, "owner"),
        ({"organisation": "9" * 25}, "organisation"),
        ({"organisation": "1e30"}, "organisation"),
    ],
)
def test_impossible_filter_values_are_errors_next_to_the_filter(client, pm, listed, params, field):
    client.force_login(pm)
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert list(response.context["filter"].form.errors) == [field]
    assert "Select a valid choice" in field_block(response.content.decode(), f"id_{field}")


def test_filtered_to_nothing_offers_to_clear_the_filters(client, pm, listed):
    client.force_login(pm)
    html = client.get(LIST, {"stage": "killed"}).content.decode()
    assert "No project matches these filters" in html
    assert "Clear filters" in html


def test_empty_list_tells_a_pm_how_to_start_and_a_viewer_what_happens(client, pm, viewer):
    client.force_login(pm)
    html = client.get(LIST).content.decode()
    assert "No projects yet — register your first PoC" in html
    assert reverse("portfolio:project-create") in html
    client.force_login(viewer)
    html = client.get(LIST).content.decode()
    assert "register your first PoC" not in html
    assert "as soon as a PM of your organisation registers one" in html


def test_htmx_request_gets_only_the_results(client, pm, listed):
    client.force_login(pm)
    response = client.get(LIST, {"stage": "pilot"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "Contract reader" in html and "Invoice triage" not in html
    assert "HX-Request" in response["Vary"]
    full = client.get(LIST, {"stage": "pilot"}).content.decode()
    assert "<html" in full and 'id="project-results"' in full


@pytest.mark.parametrize(
    "headers",
    [
        # Back to a filtered list whose snapshot htmx no longer has: it asks for the URL again.
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
        # The page load an HX-Location makes after a POST, aimed at <body id="page">.
        {"HX-Request": "true", "HX-Target": "page"},
    ],
    ids=["history-restore", "hx-location"],
)
def test_htmx_asking_for_the_whole_page_gets_it(client, pm, listed, headers):
    client.force_login(pm)
    response = client.get(LIST, {"stage": "pilot"}, headers=headers)
    html = response.content.decode()
    assert "<html" in html and 'id="project-results"' in html
    assert "Contract reader" in html and "Invoice triage" not in html


def test_pagination_keeps_the_filters(client, org, pm, settings):
    settings.GATEHOUSE_PAGE_SIZE = 3
    for n in range(7):
        ProjectFactory(organisation=org, name=f"Pilot {n}", stage=Stage.PILOT)
    ProjectFactory(organisation=org, name="Proposed one")
    client.force_login(pm)
    response = client.get(LIST, {"stage": "pilot"})
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 7
    assert 'href="?stage=pilot&amp;page=2"' in html
    page3 = client.get(LIST, {"stage": "pilot", "page": 3})
    assert names_in(page3) == ["Pilot 0"]


# --- Organisation switcher ------------------------------------------------------------------
def test_switcher_narrows_the_list_and_refuses_a_foreign_organisation(
    client, org, other_org, pm, listed
):
    third = member(other_org, "viewer", email="both@acme.test")
    from tests.factories import MembershipFactory

    MembershipFactory(user=third, organisation=org, role="viewer")
    client.force_login(third)
    page = client.get(LIST).content.decode()
    assert 'id="org-switcher"' in page and "All organisations</option>" in page
    assert len(client.get(LIST).context["projects"]) == 4

    response = client.post(
        reverse("portfolio:switch-organisation"), {"organisation": other_org.pk, "next": LIST}
    )
    assert response.status_code == 302 and response["Location"] == LIST
    # The list puts the organisation into its URL: a link copied from it shows the same list.
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?organisation={other_org.pk}"
    assert names_in(client.get(response["Location"])) == ["Globex pricing bot"]
    # "All organisations" in the list's own filter is a URL too, whatever the header says.
    assert len(client.get(f"{LIST}?organisation=").context["projects"]) == 4

    # a person with one organisation sees no switcher, and cannot switch into another
    client.force_login(pm)
    assert 'id="org-switcher"' not in client.get(LIST).content.decode()
    response = client.post(reverse("portfolio:switch-organisation"), {"organisation": other_org.pk})
    assert response.status_code == 404
    assert SESSION_ORG_KEY not in client.session
    assert len(client.get(LIST).context["projects"]) == 3


def test_partner_sees_the_firm_and_can_switch_back_to_all(client, partner, org, listed):
    client.force_login(partner)
    assert "All organisations (firm)" in client.get("/", follow=True).content.decode()
    client.post(reverse("portfolio:switch-organisation"), {"organisation": org.pk})
    assert len(client.get(LIST, follow=True).context["projects"]) == 3
    client.post(reverse("portfolio:switch-organisation"), {"organisation": ""})
    assert len(client.get(LIST).context["projects"]) == 4


def test_switch_does_not_redirect_off_site(client, pm, org):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:switch-organisation"),
        {"organisation": org.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("portfolio:home")


# --- Query counts ---------------------------------------------------------------------------
def _many_projects(org, people, n):
    for i in range(n):
        ProjectFactory(
            organisation=org,
            name=f"Project {i:03}",
            pm=people[0],
            decision_maker=people[1],
            business_owner=people[1],
            production_owner=people[2],
            decision_date=date(2030, 1, 1),
        )


@pytest.mark.parametrize("rows", [5, 500])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_project_list_query_count_does_not_grow(
    client, org, pm, executive, viewer, django_assert_num_queries, rows, htmx
):
    from tests.charters.helpers import quick_version

    _many_projects(org, [pm, executive, viewer], rows)
    for project in Project.objects.filter(organisation=org):  # every row carries charter badges
        quick_version(project)
    client.force_login(pm)
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(LIST, headers=headers)  # warm the session
    # session, user, their roles (the scope's literal organisation ids and the "may create"
    # check), switcher organisations, heartbeat, count, the page's ids, the page of projects,
    # the people they name (one query), then the row badges: goalposts, latest charter versions
    # with their data sources and integrations; the partial adds the owner choices (swapped in
    # out of band), the full page the two filter choice lists.
    with django_assert_num_queries(14 if htmx else 15):
        response = client.get(LIST, {"stage": "proposed"}, headers=headers)
    assert response.status_code == 200
    assert len(response.context["projects"]) == min(rows, 25)


# --- Create and edit ------------------------------------------------------------------------
CREATE = "/projects/new/"


def _form(org, pm, **overrides):
    data = {
        "organisation": org.pk,
        "name": "Invoice triage",
        "summary": "Route supplier invoices to the right team.",
        "pm": pm.pk,
        "timebox_start": "2030-01-06",
        "timebox_end": "2030-02-17",
        "decision_date": "2030-02-20",
    }
    data.update(overrides)
    return data


def test_pm_registers_a_project_and_lands_on_its_page(client, org, pm, executive):
    client.force_login(pm)
    response = client.post(CREATE, _form(org, pm, decision_maker=executive.pk), follow=True)
    project = Project.objects.get(name="Invoice triage")
    assert response.redirect_chain[-1][0] == project.get_absolute_url()
    assert project.decision_maker == executive and project.stage == Stage.PROPOSED
    html = response.content.decode()
    assert "is registered" in html
    assert "no production owner" in html


def test_create_form_preselects_the_switched_organisation(client, org, other_org, pm):
    from tests.factories import MembershipFactory

    MembershipFactory(user=pm, organisation=other_org, role="pm")
    client.force_login(pm)
    client.post(reverse("portfolio:switch-organisation"), {"organisation": other_org.pk})
    form = client.get(CREATE).context["form"]
    assert form["organisation"].value() == other_org.pk
    assert set(form.fields["organisation"].queryset) == {org, other_org}


def test_owner_from_another_organisation_is_refused_next_to_its_field(client, org, pm, outsider):
    client.force_login(pm)
    response = client.post(CREATE, _form(org, pm, production_owner=outsider.pk))
    assert response.status_code == 422
    assert not Project.objects.exists()
    html = response.content.decode()
    block = field_block(html, "id_production_owner")
    assert "not a member of the project&#x27;s organisation" in block
    assert "field-invalid" in block
    # what the person typed is still there
    assert 'value="Invoice triage"' in html
    assert "Route supplier invoices to the right team." in html
    assert 'value="2030-02-17"' in html


def test_service_rule_errors_appear_next_to_their_field(client, org, pm):
    client.force_login(pm)
    response = client.post(CREATE, _form(org, pm, timebox_end="2029-12-01"))
    assert response.status_code == 422
    assert not Project.objects.exists()
    html = response.content.decode()
    assert "cannot end before it starts" in field_block(html, "id_timebox_end")
    assert "cannot end before it starts" not in field_block(html, "id_timebox_start")
    assert "Constraint" not in html
    assert 'value="Invoice triage"' in html


def test_posting_a_foreign_organisation_is_a_field_error(client, org, outsider, pm):
    client.force_login(outsider)
    response = client.post(CREATE, _form(org, pm))
    assert response.status_code == 422
    assert not Project.objects.exists()
    assert "You are not a PM in that organisation" in field_block(
        response.content.decode(), "id_organisation"
    )


def test_only_pms_may_open_the_create_form(client, executive, partner):
    for person in (executive, partner):
        client.force_login(person)
        assert client.get(CREATE).status_code == 403


def test_owner_options_lists_members_of_the_chosen_organisation(client, org, pm, executive):
    client.force_login(pm)
    response = client.get(
        reverse("portfolio:owner-options"), {"organisation": org.pk, "decision_maker": executive.pk}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="id_decision_maker"' in html
    assert f'<option value="{executive.pk}" selected>' in html
    assert "Erin Executive" in html and "Pat Manager" in html


def test_only_executives_are_offered_as_decision_maker(client, org, pm, executive, viewer):
    client.force_login(pm)
    form = client.get(CREATE).context["form"]  # the PM's only organisation is chosen already
    assert list(form.fields["decision_maker"].queryset) == [executive]
    assert set(form.fields["business_owner"].queryset) == {pm, executive, viewer}
    html = client.get(reverse("portfolio:owner-options"), {"organisation": org.pk}).content.decode()
    decision_maker = field_block(html, "id_decision_maker")
    assert "Erin Executive" in decision_maker
    assert "Vic Viewer" not in decision_maker and "Pat Manager" not in decision_maker
    assert "Vic Viewer" in field_block(html, "id_production_owner")


def test_a_viewer_as_decision_maker_is_refused_next_to_the_field(client, org, pm, viewer):
    client.force_login(pm)
    response = client.post(CREATE, _form(org, pm, decision_maker=viewer.pk))
    assert response.status_code == 422
    assert not Project.objects.exists()
    html = response.content.decode()
    block = field_block(html, "id_decision_maker")
    assert "The decision-maker must be an executive of the organisation." in block
    assert 'value="Invoice triage"' in html


def test_edit_form_keeps_showing_a_decision_maker_who_left_the_role(
    client, org, pm, executive, project
):
    from portfolio.services import membership_set, project_change_stage

    project_change_stage(project=project, to_stage=Stage.KILLED, by=executive)
    membership_set(user=executive, organisation=org, role="viewer")
    client.force_login(pm)
    url = reverse("portfolio:project-edit", args=[project.pk])
    form = client.get(url).context["form"]
    assert executive in form.fields["decision_maker"].queryset
    data = _form(org, pm, name="Invoice triage", decision_maker=executive.pk)
    data["summary"] = "Killed: the data never arrived."
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.summary == "Killed: the data never arrived."
    assert project.decision_maker == executive


def test_owner_options_for_an_unknown_organisation_is_404(client, pm):
    client.force_login(pm)
    assert client.get(reverse("portfolio:owner-options"), {"organisation": "x"}).status_code == 404
    assert client.get(reverse("portfolio:owner-options")).status_code == 404


def test_edit_keeps_the_organisation_and_saves_changes(client, org, pm, executive, project):
    client.force_login(pm)
    url = reverse("portfolio:project-edit", args=[project.pk])
    form = client.get(url).context["form"]
    assert "organisation" not in form.fields
    assert form["name"].value() == "Invoice triage"
    data = _form(org, pm, name="Invoice triage v2", production_owner=executive.pk)
    response = client.post(url, data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Invoice triage v2" and project.production_owner == executive
    assert project.organisation == org


def test_executive_may_not_edit(client, executive, project):
    client.force_login(executive)
    url = reverse("portfolio:project-edit", args=[project.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Hijacked"}).status_code == 403
    project.refresh_from_db()
    assert project.name == "Invoice triage"


# --- Detail and home ------------------------------------------------------------------------
@pytest.fixture
def test_panel():
    project_panels.register(
        "test-panel",
        order=1,
        template="components/stage_badge.html",
        context=lambda request, project: {"stage": "pilot", "label": f"Panel for {project.name}"},
    )
    home_panels.register(
        "test-home",
        order=1,
        template="components/stage_badge.html",
        context=lambda request: {"stage": "poc", "label": f"Home panel for {request.user}"},
    )
    yield
    project_panels._panels.pop("test-panel")
    home_panels._panels.pop("test-home")


def test_project_page_shows_owners_dates_history_and_panels(
    client, pm, viewer, project, test_panel
):
    from portfolio.services import project_change_stage

    project_change_stage(project=project, to_stage=Stage.POC, by=pm, reason="Charter signed")
    client.force_login(viewer)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Invoice triage" in html and "Acme Logistics" in html
    assert "no production owner" in html and "Erin Executive" in html
    assert "Charter signed" in html
    assert "Panel for Invoice triage" in html
    assert "Edit project" not in html
    client.force_login(pm)
    assert "Edit project" in client.get(project.get_absolute_url()).content.decode()


def test_home_shows_my_projects_stage_counts_and_panels(
    client, pm, executive, project, listed, test_panel
):
    client.force_login(executive)
    response = client.get("/")
    html = response.content.decode()
    assert sorted(p.name for p in response.context["my_projects"]) == [
        "Churn radar",
        "Invoice triage",
    ]
    counts = {stage: n for stage, _label, n in response.context["stage_counts"]}
    assert counts == {"proposed": 2, "poc": 1, "pilot": 1, "production": 0, "killed": 0}
    assert "Home panel for Erin Executive" in html
    assert "Register a PoC" not in html


def test_home_empty_states_differ_for_pm_and_viewer(client, pm, viewer):
    client.force_login(pm)
    assert "Register your first PoC" in client.get("/").content.decode()
    client.force_login(viewer)
    html = client.get("/").content.decode()
    assert "Register your first PoC" not in html and "Browse projects" in html


def test_decisions_due_is_in_the_navigation_of_those_who_decide(client, pm, org):
    due = reverse("decisions:due")
    client.force_login(pm)
    assert f'href="{due}"' not in client.get("/").content.decode()
    client.force_login(member(org, "executive", email="boss@acme.test"))
    assert f'href="{due}"' in client.get("/").content.decode()


# --- Profile and tokens ---------------------------------------------------------------------
def test_token_secret_is_shown_once_and_stored_only_as_a_hash(client, pm):
    client.force_login(pm)
    response = client.post(
        reverse("token-create"), {"name": "CI harness", "scope": "write", "expiry": "90"}
    )
    # Post/redirect/get: refreshing the page that shows the secret cannot create a second token.
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    response = client.get(reverse("profile"))
    html = response.content.decode()
    secret = re.search(r'id="new-token-secret">([^<]+)<', html).group(1)
    assert "will not be shown again" in html
    assert response["Cache-Control"] == "no-store"
    token = PersonalAccessToken.objects.get(user=pm)
    assert token.key_hash == PersonalAccessToken.hash_secret(secret)
    assert secret not in str(
        PersonalAccessToken.objects.values_list("name", "key_prefix", "key_hash")
    )
    assert token.scope == "write" and token.expires_at is not None
    again = client.get(reverse("profile")).content.decode()
    assert secret not in again and "CI harness" in again
    assert PersonalAccessToken.objects.filter(user=pm).count() == 1


def test_token_without_a_name_is_refused_next_to_the_field(client, pm):
    client.force_login(pm)
    response = client.post(
        reverse("token-create"), {"name": "", "scope": "read", "expiry": "never"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required" in field_block(html, "id_name")
    assert not PersonalAccessToken.objects.exists()


def test_revoke_own_token_but_never_someone_elses(client, pm, executive):
    mine, _ = token_create(user=pm, name="Mine")
    theirs, _ = token_create(user=executive, name="Theirs")
    client.force_login(pm)
    response = client.post(reverse("token-revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(reverse("token-revoke", args=[mine.pk]), follow=True)
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert "is revoked" in response.content.decode()
    assert ">revoked</span>" in response.content.decode()


def test_profile_lists_memberships_and_partner_flag(client, partner, pm):
    client.force_login(pm)
    html = client.get(reverse("profile")).content.decode()
    assert "Acme Logistics" in html and "PM" in html
    client.force_login(partner)
    assert "Partner — reads every organisation" in client.get(reverse("profile")).content.decode()


# --- Auth and health ------------------------------------------------------------------------
def test_login_by_email_lands_on_home(client, pm):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">Email' in page and "Log in</button>" in page
    response = client.post(
        reverse("login"), {"username": "pm@acme.test", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portfolio:home")


def test_logout_is_a_post(client, pm):
    client.force_login(pm)
    assert 'action="/accounts/logout/"' in client.get("/").content.decode()
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_link(client, pm):
    response = client.post(reverse("password_reset"), {"email": "pm@acme.test"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_healthz_reports_database_and_worker(client, db):
    from portfolio.services import heartbeat_record

    assert client.get("/healthz").json() == {"database": "ok", "worker_last_seen": None}
    beat = heartbeat_record()
    assert client.get("/healthz").json()["worker_last_seen"] == beat.beat_at.isoformat()


def test_the_project_list_marks_overdue_decisions_of_projects_still_in_flight(client, org, pm):
    ProjectFactory(
        organisation=org, name="Late PoC", stage=Stage.POC, decision_date=date(2020, 1, 1)
    )
    ProjectFactory(
        organisation=org, name="Future PoC", stage=Stage.POC, decision_date=date(2099, 1, 1)
    )
    ProjectFactory(
        organisation=org, name="Old kill", stage=Stage.KILLED, decision_date=date(2020, 1, 1)
    )
    client.force_login(pm)
    page = client.get(LIST).content.decode()

    def row(name):
        start = page.index(f">{name}</a>")
        return page[start : page.index("</tr>", start)]

    assert 'data-testid="overdue"' in row("Late PoC")
    assert 'data-testid="overdue"' not in row("Future PoC")
    assert 'data-testid="overdue"' not in row("Old kill")


def test_a_killed_project_says_when_why_and_by_whom_before_anything_else(
    client, org, pm, executive
):
    from portfolio.services import project_change_stage

    project = ProjectFactory(organisation=org, pm=pm, decision_maker=executive)
    project_change_stage(project=project, to_stage="poc", by=executive)
    alive = client
    alive.force_login(pm)
    assert (
        'data-testid="killed-banner"' not in alive.get(project.get_absolute_url()).content.decode()
    )
    project_change_stage(
        project=project, to_stage="killed", by=executive, reason="Labels never arrived."
    )
    page = client.get(project.get_absolute_url()).content.decode()
    banner = page[
        page.index('data-testid="killed-banner"') : page.index(
            "</div>", page.index("killed-banner")
        )
    ]
    assert f"by {executive}" in banner and "Labels never arrived." in banner


def test_home_lists_my_projects_in_flight_first_with_overdue_on_top(client, org, pm, executive):
    today = date.today()
    make = lambda name, stage, days, **extra: ProjectFactory(  # noqa: E731
        organisation=org,
        name=name,
        pm=pm,
        decision_maker=executive,
        stage=stage,
        decision_date=today + timedelta(days=days) if days is not None else None,
        **extra,
    )
    make("Dead one", Stage.KILLED, -40)
    make("Live one", Stage.PRODUCTION, -100)
    make("Later PoC", Stage.POC, 30)
    make("Late PoC", Stage.POC, -3)
    # A proposal is due when its PoC is to start: this one has no timebox yet.
    make("Undated idea", Stage.PROPOSED, None, timebox_start=None, timebox_end=None)
    client.force_login(pm)
    response = client.get("/")
    names = [p.name for p in response.context["my_projects"]]
    assert names == ["Late PoC", "Later PoC", "Undated idea", "Live one", "Dead one"]
    html = response.content.decode()
    late_row = html[html.index(">Late PoC</a>") : html.index("</tr>", html.index(">Late PoC</a>"))]
    assert 'data-testid="overdue"' in late_row


@pytest.mark.parametrize("rows", [3, 30])
def test_home_query_count_does_not_grow(
    client, org, pm, executive, rows, django_assert_num_queries
):
    from tests.charters.helpers import quick_version

    for i in range(rows):
        quick_version(
            ProjectFactory(organisation=org, name=f"P{i}", pm=pm, decision_maker=executive)
        )
    client.force_login(pm)
    client.get("/")  # warm the session
    # session, user, their roles (the scope and "may create"), switcher, heartbeat, my projects
    # and the people they name, stage counts, the row badges (goalposts, latest versions with
    # sources and integrations), the apps' home panels.
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert len(response.context["my_projects"]) == min(rows, 20)


# 13, and the PM's "Your charters in progress" panel: the versions with their sources,
# integrations and signatures (4), how many there are (1), who may be named (1).
HOME_QUERIES = 13 + 6
