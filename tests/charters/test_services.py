"""Charter services: validation rules, workflow, permissions, goalposts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from charters import selectors, services
from charters.models import CharterVersion, Signature, Status
from portfolio.models import AuditEvent
from tests.charters import helpers
from tests.factories import member

pytestmark = pytest.mark.django_db


def save(version, section, by, **data):
    return services.charter_save_section(version=version, section=section, data=data, by=by)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- drafting ---------------------------------------------------------------------------


def test_start_prefills_owners_and_timebox_from_the_project(project, pm):
    version = helpers.draft(project)
    assert version.number == 1 and version.status == Status.DRAFT
    assert version.pm == pm and version.decision_maker == project.decision_maker
    assert version.timebox_start == project.timebox_start
    assert AuditEvent.objects.filter(action="charter.started", project=project).exists()


def test_a_section_saves_while_others_are_empty(project, pm):
    version = save(helpers.draft(project), "problem", pm, problem="Slow triage", hypothesis="")
    version.refresh_from_db()
    assert version.problem == "Slow triage"
    assert "Problem and hypothesis: hypothesis" in selectors.missing_items(version)
    assert "Success metric: metric name" in selectors.missing_items(version)


def test_invalid_values_are_refused_and_nothing_is_stored(project, pm):
    version = helpers.draft(project)
    with pytest.raises(ValidationError) as exc:
        save(
            version,
            "metric",
            pm,
            metric_name="Accuracy",
            metric_direction="higher",
            metric_baseline=Decimal("60"),
            metric_target=Decimal("50"),
        )
    assert "above the baseline (60)" in errors_of(exc)["metric_target"][0]
    version.refresh_from_db()
    assert version.metric_name == ""


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "ok"),
    [
        ("higher", "60", "80", True),
        ("higher", "60", "60", False),
        ("lower", "900", "400", True),
        ("lower", "400", "900", False),
    ],
)
def test_target_beats_baseline_in_the_metrics_direction(
    project, pm, direction, baseline, target, ok
):
    version = helpers.draft(project)
    data = {
        "metric_direction": direction,
        "metric_baseline": Decimal(baseline),
        "metric_target": Decimal(target),
    }
    if ok:
        save(version, "metric", pm, **data)
    else:
        with pytest.raises(ValidationError) as exc:
            save(version, "metric", pm, **data)
        assert list(errors_of(exc)) == ["metric_target"]


def _metric(version, pm, direction="higher", baseline="60", target="80"):
    return save(
        version,
        "metric",
        pm,
        metric_direction=direction,
        metric_baseline=Decimal(baseline),
        metric_target=Decimal(target),
    )


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "threshold", "ok"),
    [
        ("higher", "60", "80", "70", True),
        ("higher", "60", "80", "80", True),
        ("higher", "60", "80", "60", False),
        ("higher", "60", "80", "81", False),
        ("lower", "900", "400", "600", True),
        ("lower", "900", "400", "350", False),
    ],
)
def test_threshold_lies_between_baseline_and_target(
    project, pm, direction, baseline, target, threshold, ok
):
    version = _metric(helpers.draft(project), pm, direction, baseline, target)
    if ok:
        save(version, "threshold", pm, threshold=Decimal(threshold))
    else:
        with pytest.raises(ValidationError) as exc:
            save(version, "threshold", pm, threshold=Decimal(threshold))
        assert "between the baseline" in errors_of(exc)["threshold"][0]


def test_threshold_alone_is_accepted_until_the_metric_is_filled(project, pm):
    """A rule spanning two sections waits until both are filled, then reports on the field
    of the section being saved."""
    version = save(helpers.draft(project), "threshold", pm, threshold=Decimal("99"))
    with pytest.raises(ValidationError) as exc:
        _metric(version, pm, baseline="60", target="80")
    assert "threshold (99, section 3)" in errors_of(exc)["metric_target"][0]


def test_kill_deadline_inside_the_timebox(project, pm):
    version = helpers.draft(project)  # timebox: today .. today + 6 weeks
    end = project.timebox_end
    with pytest.raises(ValidationError) as exc:
        save(version, "kill", pm, kill_deadline=end + timedelta(days=1))
    assert "inside the timebox" in errors_of(exc)["kill_deadline"][0]
    save(version, "kill", pm, kill_deadline=end)


def test_shrinking_the_timebox_past_the_kill_deadline_is_reported_on_the_timebox(project, pm):
    version = save(helpers.draft(project), "kill", pm, kill_deadline=project.timebox_end)
    with pytest.raises(ValidationError) as exc:
        save(
            version,
            "timebox",
            pm,
            timebox_start=project.timebox_start,
            timebox_end=project.timebox_end - timedelta(days=7),
            decision_date=project.timebox_end,
        )
    assert "must contain the kill deadline" in errors_of(exc)["timebox_end"][0]


def test_decision_date_on_or_after_the_kill_deadline(project, pm):
    version = save(helpers.draft(project), "kill", pm, kill_deadline=project.timebox_end)
    with pytest.raises(ValidationError) as exc:
        save(
            version,
            "timebox",
            pm,
            timebox_start=project.timebox_start,
            timebox_end=project.timebox_end,
            decision_date=project.timebox_end - timedelta(days=1),
        )
    assert list(errors_of(exc)) == ["decision_date"]
    save(
        version,
        "timebox",
        pm,
        timebox_start=project.timebox_start,
        timebox_end=project.timebox_end,
        decision_date=project.timebox_end,
    )


def test_kill_deadline_after_decision_date_is_reported_on_the_kill_deadline(project, pm):
    version = save(
        helpers.draft(project),
        "timebox",
        pm,
        timebox_start=project.timebox_start,
        timebox_end=project.timebox_end,
        decision_date=project.timebox_start + timedelta(days=10),
    )
    with pytest.raises(ValidationError) as exc:
        save(version, "kill", pm, kill_deadline=project.timebox_start + timedelta(days=20))
    assert "on or before the decision date" in errors_of(exc)["kill_deadline"][0]


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("owners", "production_owner"),
        ("owners", "business_owner"),
        ("compliance", "compliance_reviewer"),
        ("production", "executive_sponsor"),
    ],
)
def test_named_people_are_members_of_the_organisation(project, pm, outsider, section, field):
    with pytest.raises(ValidationError) as exc:
        save(helpers.draft(project), section, pm, **{field: outsider})
    assert errors_of(exc)[field] == ["This person is not a member of the project's organisation."]


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("targets", "cost_per_call", Decimal("-0.01")),
        ("production", "ops_budget", Decimal("-1")),
        ("cost", "cost_monthly_1x", Decimal("-5")),
        ("cost", "cost_monthly_20x", Decimal("-5")),
        ("evaluation", "eval_set_size", -3),
    ],
)
def test_amounts_and_sizes_are_non_negative(project, pm, section, field, value):
    with pytest.raises(ValidationError) as exc:
        save(helpers.draft(project), section, pm, **{field: value})
    assert errors_of(exc)[field] == ["Must be zero or more."]


def test_negative_amounts_are_refused_by_the_database_too(project):
    version = helpers.draft(project)
    version.ops_budget = Decimal("-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()


def test_long_timebox_is_allowed_but_flagged(project, pm):
    start = project.timebox_start
    version = save(
        helpers.draft(project),
        "timebox",
        pm,
        timebox_start=start,
        timebox_end=start + timedelta(weeks=12),
        decision_date=start + timedelta(weeks=12),
    )
    from charters import rules

    assert "12 weeks" in rules.warnings(version)["timebox_end"][0]
    assert "long_timebox" in {f.key for f in selectors.risk_flags(project)}


def test_only_the_pm_edits_a_draft(project, executive, viewer, outsider, org):
    version = helpers.draft(project)
    for person in (executive, viewer, outsider):
        with pytest.raises(PermissionDenied):
            save(version, "problem", person, problem="Mine now")
    other_pm = member(org, "pm")  # any PM of the organisation may edit
    save(version, "problem", other_pm, problem="Helped out")


def test_the_projects_named_pm_edits_even_without_the_pm_role(project, org):
    named = member(org, "viewer")
    project.pm = named
    project.save()
    save(helpers.draft(project, by=project.pm), "problem", named, problem="Named PM")


def test_rows_are_added_and_removed(project, pm):
    version = helpers.draft(project)
    row = services.charter_add_row(
        version=version, kind="data_sources", data=helpers.DATA_SOURCE, by=pm
    )
    assert [s.name for s in version.data_sources.all()] == ["SAP invoices"]
    with pytest.raises(ValidationError):
        services.charter_add_row(version=version, kind="integrations", data={"system": ""}, by=pm)
    services.charter_remove_row(row=row, by=pm)
    assert not version.data_sources.exists()


# --- workflow ---------------------------------------------------------------------------


def test_submit_is_refused_with_the_missing_list(project, pm):
    version = helpers.draft(project)
    with pytest.raises(ValidationError) as exc:
        services.charter_submit(version=version, by=pm)
    missing = errors_of(exc)["missing"]
    assert "Success metric: metric name" in missing
    assert "Data: at least one data source" in missing
    version.refresh_from_db()
    assert version.status == Status.DRAFT


def test_complete_charter_is_submitted_signed_and_approved(project, pm, executive):
    version, who = helpers.in_review(project)
    assert version.status == Status.IN_REVIEW
    assert set(selectors.required_signers(version)) == {
        "business_owner",
        "production_owner",
        "decision_maker",
    }
    # The executive is business owner AND decision-maker: one signature covers both roles.
    services.charter_sign(version=version, by=executive)
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW
    assert Signature.objects.filter(version=version, signer=executive).count() == 2
    services.charter_sign(version=version, by=who["production_owner"])
    version.refresh_from_db()
    assert version.status == Status.APPROVED and version.approved_at
    project.refresh_from_db()
    assert project.production_owner == who["production_owner"]
    assert project.engineering_owner == who["engineering_owner"]
    assert selectors.approved_version(project) == version


def test_sensitive_data_needs_the_compliance_reviewer(project, executive):
    version, who = helpers.in_review(project, sensitive=True)
    assert "compliance_reviewer" in selectors.required_signers(version)
    services.charter_sign(version=version, by=executive)
    services.charter_sign(version=version, by=who["production_owner"])
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW
    services.charter_sign(version=version, by=who["compliance_reviewer"])
    version.refresh_from_db()
    assert version.status == Status.APPROVED


def test_only_named_signers_sign(project, pm, viewer, outsider):
    version, _ = helpers.in_review(project)
    for person in (pm, viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.charter_sign(version=version, by=person)


def test_a_draft_cannot_be_signed(project, executive):
    version, _ = helpers.complete_draft(project)
    with pytest.raises(ValidationError):
        services.charter_sign(version=version, by=executive)


def test_signing_twice_is_refused_and_withdrawing_is_kept(project, executive):
    version, _ = helpers.in_review(project)
    services.charter_sign(version=version, by=executive)
    with pytest.raises(ValidationError):
        services.charter_sign(version=version, by=executive)
    services.charter_withdraw_signature(version=version, by=executive)
    assert Signature.objects.filter(version=version, withdrawn_at__isnull=False).count() == 2
    assert not selectors.active_signatures(selectors.versions_full().get(pk=version.pk))
    services.charter_sign(version=version, by=executive)


def test_request_changes_needs_a_comment_and_returns_to_draft(project, pm, executive, viewer):
    version, _ = helpers.in_review(project)
    services.charter_sign(version=version, by=executive)
    with pytest.raises(ValidationError) as exc:
        services.charter_request_changes(version=version, by=executive, comment="  ")
    assert "comment" in errors_of(exc)
    with pytest.raises(PermissionDenied):
        services.charter_request_changes(version=version, by=viewer, comment="No")
    services.charter_request_changes(version=version, by=executive, comment="Threshold too low")
    version.refresh_from_db()
    assert version.status == Status.DRAFT
    assert version.change_requests.get().comment == "Threshold too low"
    # The signature given before the change no longer counts.
    assert not Signature.objects.filter(version=version, withdrawn_at__isnull=True).exists()
    save(version, "threshold", pm, threshold=Decimal("80"))


def test_an_in_review_version_cannot_be_edited(project, pm):
    version, _ = helpers.in_review(project)
    with pytest.raises(ValidationError) as exc:
        save(version, "problem", pm, problem="Sneaky edit")
    assert "waiting for signatures" in errors_of(exc)["status"][0]


def test_an_approved_version_cannot_be_edited_only_amended(project, pm):
    version, _ = helpers.approved(project)
    with pytest.raises(ValidationError) as exc:
        save(version, "threshold", pm, threshold=Decimal("60"))
    assert "amend" in errors_of(exc)["status"][0]
    with pytest.raises(ValidationError):
        services.charter_add_row(
            version=version, kind="integrations", data=helpers.INTEGRATION, by=pm
        )


def test_the_database_refuses_edits_to_an_approved_version(project):
    version, _ = helpers.approved(project)
    version.threshold = Decimal("1")
    with pytest.raises(Exception, match="cannot be edited"), transaction.atomic():
        version.save()


def _amend_and_approve(project, who, **changes):
    charter = project.charter
    version = services.charter_amend(charter=charter, by=project.pm)
    for section, data in changes.items():
        version = save(version, section, project.pm, **data)
    version = services.charter_submit(version=version, by=project.pm)
    for role in ("business_owner", "production_owner", "decision_maker"):
        version.refresh_from_db()
        if version.status == Status.IN_REVIEW:
            services.charter_sign(version=version, by=who[role])
    version.refresh_from_db()
    return version


def test_an_amendment_that_lowers_the_threshold_moves_the_goalposts(project):
    first, who = helpers.approved(project)
    second = _amend_and_approve(project, who, threshold={"threshold": Decimal("65")})
    assert second.number == 2 and second.status == Status.APPROVED
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    project.charter.refresh_from_db()
    assert project.charter.goalposts_moved == 1
    assert AuditEvent.objects.filter(action="charter.goalposts_moved").get().changes == {
        "threshold": ["75.0000", "65.0000"]
    }


def test_an_amendment_of_the_kill_deadline_moves_the_goalposts(project):
    first, who = helpers.approved(project)
    _amend_and_approve(
        project, who, kill={"kill_deadline": first.kill_deadline + timedelta(days=3)}
    )
    project.charter.refresh_from_db()
    assert project.charter.goalposts_moved == 1


def test_an_amendment_that_keeps_the_locked_criteria_does_not_count(project):
    _, who = helpers.approved(project)
    _amend_and_approve(
        project,
        who,
        cost={
            "cost_monthly_1x": Decimal("900"),
            "cost_monthly_5x": Decimal("4000"),
            "cost_monthly_20x": Decimal("15000"),
            "cost_driver": "GPU hours",
        },
    )
    project.charter.refresh_from_db()
    assert project.charter.goalposts_moved == 0


def test_an_amendment_needs_new_signatures(project, executive):
    _, who = helpers.approved(project)
    version = services.charter_amend(charter=project.charter, by=project.pm)
    assert not version.signatures.exists()
    version = services.charter_submit(version=version, by=project.pm)
    assert not selectors.all_signed(selectors.versions_full().get(pk=version.pk))


def test_only_one_amendment_at_a_time(project, pm):
    helpers.approved(project)
    services.charter_amend(charter=project.charter, by=pm)
    with pytest.raises(ValidationError):
        services.charter_amend(charter=project.charter, by=pm)


def test_a_draft_cannot_be_amended(project, pm, executive):
    helpers.draft(project)
    with pytest.raises(ValidationError):
        services.charter_amend(charter=project.charter, by=pm)
    with pytest.raises(PermissionDenied):
        services.charter_amend(charter=project.charter, by=executive)


def test_copy_from_prefills_a_pivot(project, org, pm):
    version, _ = helpers.complete_draft(project)
    from tests.factories import ProjectFactory

    pivot = ProjectFactory(organisation=org, pm=pm)
    charter = services.charter_start(project=pivot, by=pm, copy_from=version)
    copy = charter.versions.get()
    assert copy.metric_name == version.metric_name
    assert copy.data_sources.count() == 1 and copy.integrations.count() == 1


def test_risk_flags_for_many_projects_in_constant_queries(org, pm, django_assert_num_queries):
    from tests.factories import ProjectFactory

    projects = [ProjectFactory(organisation=org, pm=pm) for _ in range(6)]
    for p in projects[:4]:
        helpers.quick_version(p, harness_location="", business_value="")
    with django_assert_num_queries(3):
        flags = selectors.risk_flags_for_projects(projects)
    assert "no_evaluation" in {f.key for f in flags[projects[0].pk]}
    assert "no_charter" in {f.key for f in flags[projects[5].pk]}
    assert CharterVersion.objects.count() == 4
