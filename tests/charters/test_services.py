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
from tests.factories import ProjectFactory, member

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


# --- Data classification counts as "data is sensitive" -------------------------------------


@pytest.mark.parametrize(
    ("classification", "needs_compliance"),
    [("public", False), ("internal", False), ("confidential", True), ("restricted", True)],
)
def test_a_sensitive_classification_needs_the_compliance_reviewer_even_with_internal_sources(
    project, pm, classification, needs_compliance
):
    version, who = helpers.complete_draft(project)  # its one data source is internal
    version = save(version, "compliance", pm, data_classification=classification)
    version = services.charter_submit(version=version, by=pm)
    version = selectors.versions_full().get(pk=version.pk)
    assert ("compliance_reviewer" in selectors.required_signers(version)) is needs_compliance
    for role in ("business_owner", "production_owner"):
        if version.status == Status.IN_REVIEW:
            services.charter_sign(version=version, by=who[role])
        version.refresh_from_db()
    assert version.status == (Status.IN_REVIEW if needs_compliance else Status.APPROVED)
    if needs_compliance:
        services.charter_sign(version=version, by=who["compliance_reviewer"])
        version.refresh_from_db()
        assert version.status == Status.APPROVED


def test_data_classification_is_a_choice_on_the_sensitivity_scale(project, pm):
    with pytest.raises(ValidationError) as exc:
        save(helpers.draft(project), "compliance", pm, data_classification="Top secret-ish")
    assert "data_classification" in errors_of(exc)


def test_free_text_classifications_are_mapped_to_the_scale_by_the_migration():
    from importlib import import_module

    level_of = import_module(
        "charters.migrations.0003_data_classification_words_to_choices"
    ).level_of
    assert level_of("Confidential") == "confidential"
    assert level_of("Internal – contains personal data (GDPR)") == "confidential"
    assert level_of("Strictly confidential") == "restricted"
    assert level_of("internal") == "internal"
    assert level_of("Public website text") == "public"
    assert level_of("tbd") == ""


# --- Absurd dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("kill", "kill_deadline"),
        ("compliance", "compliance_review_due"),
        ("timebox", "timebox_start"),
        ("timebox", "timebox_end"),
        ("timebox", "decision_date"),
    ],
)
@pytest.mark.parametrize("year", [1999, 2101, 9999])
def test_dates_outside_2000_to_2100_are_refused_next_to_their_field(
    project, pm, section, field, year
):
    from datetime import date

    with pytest.raises(ValidationError) as exc:
        save(helpers.draft(project), section, pm, **{field: date(year, 12, 28)})
    assert errors_of(exc)[field] == ["Enter a date between 2000 and 2100."]


def test_warnings_and_flags_survive_dates_at_the_end_of_the_calendar(project):
    """Stored before the rule existed: the sums of week 1 must not overflow."""
    from datetime import date

    from charters import rules

    version = helpers.draft(project)
    version.timebox_start = date(9999, 12, 28)
    version.compliance_review_due = date(9999, 12, 30)
    version.timebox_end = date(9999, 12, 31)
    rules.warnings(version)  # no OverflowError
    version.save()
    assert "compliance_late" in {f.key for f in selectors.risk_flags(project)}


# --- Rules not covered above ----------------------------------------------------------------


def test_kill_deadline_before_the_timebox_starts_is_refused(project, pm):
    version = helpers.draft(project)
    with pytest.raises(ValidationError) as exc:
        save(version, "kill", pm, kill_deadline=project.timebox_start - timedelta(days=1))
    assert errors_of(exc)["kill_deadline"] == [
        "The kill deadline must fall inside the timebox, which starts "
        f"{project.timebox_start.strftime('%-d %b %Y')}."
    ]


def test_timebox_cannot_end_before_it_starts(project, pm):
    start = project.timebox_start
    with pytest.raises(ValidationError) as exc:
        save(
            helpers.draft(project),
            "timebox",
            pm,
            timebox_start=start,
            timebox_end=start - timedelta(days=1),
            decision_date=start,
        )
    assert errors_of(exc)["timebox_end"] == ["The timebox cannot end before it starts."]


@pytest.mark.parametrize("latency", [0, -5])
def test_latency_must_be_positive(project, pm, latency):
    with pytest.raises(ValidationError) as exc:
        save(helpers.draft(project), "targets", pm, latency_p95_ms=latency)
    assert errors_of(exc)["latency_p95_ms"] == ["Must be a positive number of milliseconds."]


@pytest.mark.parametrize("currency", ["EURO", "E1R", "€"])
def test_currency_is_a_three_letter_code(project, pm, currency):
    with pytest.raises(ValidationError) as exc:
        save(helpers.draft(project), "targets", pm, currency=currency)
    assert errors_of(exc)["currency"] == ["Use a three-letter currency code such as EUR or USD."]
    save(
        helpers.draft(ProjectFactory(organisation=project.organisation, pm=pm)),
        "targets",
        pm,
        currency="usd",
    )


def test_a_row_with_a_negative_estimate_is_refused_in_the_pages_words(project, pm):
    version = helpers.draft(project)
    with pytest.raises(ValidationError) as exc:
        services.charter_add_row(
            version=version,
            kind="integrations",
            data={**helpers.INTEGRATION, "estimate_weeks": Decimal("-2")},
            by=pm,
        )
    assert errors_of(exc) == {"estimate_weeks": ["Must be zero or more."]}
    with pytest.raises(ValidationError) as exc:
        services.charter_save_sections(
            version=version,
            data={"integrations": [helpers.INTEGRATION, {"system": "ERP", "estimate_weeks": -1}]},
            by=pm,
        )
    assert errors_of(exc) == {"integrations": ["Row 2 — estimate (weeks): Must be zero or more."]}
    assert not version.integrations.exists()


# --- Goalposts: every locked criterion ------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "change"),
    [
        ("metric", {"metric_name": "Routing precision"}),
        ("metric", {"metric_unit": "percentage points"}),
        (
            "metric",
            # Direction flipped with a consistent baseline/target/threshold set.
            {
                "metric_direction": "lower",
                "metric_baseline": Decimal("85"),
                "metric_target": Decimal("55"),
            },
        ),
        ("metric", {"metric_baseline": Decimal("50")}),
        ("metric", {"metric_target": Decimal("90")}),
        ("threshold", {"threshold": Decimal("70")}),
        ("kill", {"kill_deadline": "+1"}),
    ],
    ids=["name", "unit", "direction", "baseline", "target", "threshold", "kill deadline"],
)
def test_each_locked_criterion_moves_the_goalposts(project, section, change):
    first, who = helpers.approved(project)
    if change.get("kill_deadline") == "+1":
        change = {"kill_deadline": first.kill_deadline + timedelta(days=1)}
    _amend_and_approve(project, who, **{section: change})
    project.charter.refresh_from_db()
    assert project.charter.goalposts_moved == 1


def test_rewording_how_the_metric_is_measured_does_not_move_the_goalposts(project):
    _, who = helpers.approved(project)
    second = _amend_and_approve(
        project, who, metric={"metric_method": "Weekly sample of 200 invoices, double-checked."}
    )
    assert second.status == Status.APPROVED
    project.charter.refresh_from_db()
    assert project.charter.goalposts_moved == 0


# --- The decision-maker is an executive -----------------------------------------------------


def test_the_decision_maker_must_be_an_executive(project, pm, viewer, outsider):
    version = helpers.draft(project)
    with pytest.raises(ValidationError) as exc:
        save(version, "owners", pm, decision_maker=viewer)
    assert errors_of(exc)["decision_maker"] == [
        "The decision-maker must be an executive of the organisation."
    ]
    with pytest.raises(ValidationError) as exc:
        save(version, "owners", pm, decision_maker=pm)  # a PM is not an executive either
    assert errors_of(exc)["decision_maker"] == [
        "The decision-maker must be an executive of the organisation."
    ]
    with pytest.raises(ValidationError) as exc:  # not a member at all: the member rule, once
        save(version, "owners", pm, decision_maker=outsider)
    assert errors_of(exc)["decision_maker"] == [
        "This person is not a member of the project's organisation."
    ]
    save(version, "owners", pm, decision_maker=project.decision_maker)


def test_people_may_be_given_as_ids_and_unknown_ids_read_like_strangers(project, pm, outsider):
    version = helpers.draft(project)
    for pk in (outsider.pk, 987654321):
        with pytest.raises(ValidationError) as exc:
            services.charter_save_sections(version=version, data={"production_owner": pk}, by=pm)
        assert errors_of(exc) == {
            "production_owner": ["This person is not a member of the project's organisation."]
        }
    version = services.charter_save_sections(
        version=version, data={"production_owner": project.decision_maker.pk}, by=pm
    )
    assert version.production_owner == project.decision_maker


# --- Someone named leaves during the review -------------------------------------------------


def test_the_last_signature_says_who_left_and_what_to_do(project, executive, org):
    from portfolio.models import Membership

    version, who = helpers.in_review(project)
    services.charter_sign(version=version, by=executive)
    Membership.objects.filter(user=who["engineering_owner"], organisation=org).unaudited_delete()
    with pytest.raises(ValidationError) as exc:
        services.charter_sign(version=version, by=who["production_owner"])
    assert errors_of(exc) == {
        "engineering_owner": [
            "Not signed: Enya Engineer, named as engineering owner, is no longer a member of "
            "Acme Logistics, so this charter cannot be approved. Request changes so the PM can "
            "name someone else, then sign the new submission."
        ]
    }
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW
    assert not Signature.objects.filter(version=version, signer=who["production_owner"]).exists()
    project.refresh_from_db()
    assert project.engineering_owner is None  # the project did not take a non-member


def test_the_last_signature_says_when_the_decision_maker_is_no_longer_an_executive(
    project, executive, org
):
    from portfolio.models import Membership

    version, who = helpers.in_review(project)
    services.charter_sign(version=version, by=executive)
    membership = Membership.objects.get(user=executive, organisation=org)
    Membership.objects.filter(pk=membership.pk).unaudited_update(role="viewer")
    with pytest.raises(ValidationError) as exc:
        services.charter_sign(version=version, by=who["production_owner"])
    assert "is no longer an executive of Acme Logistics" in errors_of(exc)["decision_maker"][0]


# --- Compliance reviewed in week 1: an act, not a plan --------------------------------------


def _approved_from(project, start):
    """An approved charter whose timebox started on ``start``."""
    project.timebox_start = start
    project.timebox_end = start + timedelta(weeks=6)
    project.decision_date = start + timedelta(weeks=6, days=3)
    project.save()
    version, who = helpers.in_review(project, start=start)
    for role in ("business_owner", "production_owner"):
        services.charter_sign(version=version, by=who[role])
    version.refresh_from_db()
    assert version.status == Status.APPROVED
    return version, who


def _flag_keys(project):
    # As a new request would: the charter versions are read once per project object.
    fresh = type(project).objects.get(pk=project.pk)
    return {f.key for f in selectors.risk_flags(fresh)}


def test_compliance_is_late_once_week_one_passed_without_a_review(project):
    from django.utils import timezone

    _approved_from(project, timezone.localdate() - timedelta(days=20))
    # The plan said "day 5" — but nobody reviewed anything.
    assert "compliance_late" in _flag_keys(project)


def test_a_review_recorded_in_week_one_clears_the_flag_and_a_late_one_does_not(project, org):
    from django.utils import timezone

    from charters.models import ComplianceReview

    start = timezone.localdate() - timedelta(days=20)
    version, who = _approved_from(project, start)
    review = services.charter_record_compliance_review(
        version=version, by=who["compliance_reviewer"], note="Residency checked."
    )
    assert "compliance_late" in _flag_keys(project)  # recorded today: day 20 is not week 1
    ComplianceReview.objects.filter(pk=review.pk).update(
        reviewed_at=timezone.now() - timedelta(days=16)
    )
    assert "compliance_late" not in _flag_keys(project)
    assert AuditEvent.objects.filter(action="charter.compliance_reviewed").exists()


def test_before_week_one_ends_only_a_plan_after_week_one_is_flagged(project, pm):
    version, who = helpers.approved(project)  # starts today, review planned on day 5
    assert "compliance_late" not in _flag_keys(project)


def test_the_compliance_reviewers_signature_is_a_review(project, executive):
    from django.utils import timezone

    start = timezone.localdate() - timedelta(days=20)
    project.timebox_start = start
    project.timebox_end = start + timedelta(weeks=6)
    project.save()
    version, who = helpers.in_review(project, sensitive=True, start=start)
    for person in (executive, who["production_owner"], who["compliance_reviewer"]):
        services.charter_sign(version=version, by=person, at=timezone.now() - timedelta(days=18))
    assert "compliance_late" not in _flag_keys(project)


def test_only_the_named_compliance_reviewer_records_a_review_once(project, pm, executive):
    version, who = helpers.complete_draft(project)
    with pytest.raises(ValidationError) as exc:  # a draft is not reviewed yet
        services.charter_record_compliance_review(version=version, by=who["compliance_reviewer"])
    assert "status" in errors_of(exc)
    version = services.charter_submit(version=version, by=pm)
    for person in (pm, executive):
        with pytest.raises(PermissionDenied):
            services.charter_record_compliance_review(version=version, by=person)
    services.charter_record_compliance_review(version=version, by=who["compliance_reviewer"])
    with pytest.raises(ValidationError) as exc:
        services.charter_record_compliance_review(version=version, by=who["compliance_reviewer"])
    assert errors_of(exc) == {"review": ["You already recorded your review of this version."]}


# --- Flags come from the approved version, not a half-written amendment ---------------------


def test_risk_flags_come_from_the_approved_version_while_an_amendment_is_drafted(project, pm):
    helpers.approved(project)
    assert _flag_keys(project) == set()
    amendment = services.charter_amend(charter=project.charter, by=pm)
    services.charter_save_sections(
        version=amendment,
        data={"harness_location": "", "business_value": "", "integrations": []},
        by=pm,
    )
    assert _flag_keys(project) == set()
    # The amendment's own flags are what it would raise.
    amendment = selectors.versions_full().get(pk=amendment.pk)
    assert {f.key for f in selectors.version_flags(amendment)} == {
        "no_evaluation",
        "no_business_value",
        "no_integration",
    }
