"""Numbers as people type them. Chromium's <input type="number"> dropped a comma it read as a
thousands separator, so "85,5" was saved as 855 without a word. Number fields are text boxes
now; a decimal comma is read when it can only be one, refused with a message otherwise, and a
percentage outside 0–100 is refused next to its field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from charters.forms import row_form, section_form
from charters.models import CharterVersion
from decisions.forms import MeasurementForm
from decisions.models import Measurement
from portfolio.forms import NUMBER_SEPARATORS, WHOLE_NUMBER_SEPARATORS, NumberField
from tests.charters import helpers
from tests.decisions.helpers import in_poc

AMBIGUOUS_1000 = (
    "“1,000” could be 1000 or 1.000: write it without the comma (1000) or with a decimal point "
    "(1.000)."
)
PERCENT_ABOVE = "The unit is %, and a percentage runs from 0 to 100: {} is above 100."


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("85,5", Decimal("85.5")),
        ("85.5", Decimal("85.5")),
        (" 85,5 ", Decimal("85.5")),
        ("-0,25", Decimal("-0.25")),
        ("0,125", Decimal("0.125")),  # "0,125" groups no thousands: a decimal comma
        (",5", Decimal("0.5")),
        ("1234,56", Decimal("1234.56")),
        ("855", Decimal("855")),
    ],
)
def test_a_decimal_comma_is_read_as_the_decimal_point(typed, read):
    assert NumberField(required=False).clean(typed) == read


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,000", AMBIGUOUS_1000),
        ("1.234,5", NUMBER_SEPARATORS),
        ("1,234.5", NUMBER_SEPARATORS),
        ("1,234,567", NUMBER_SEPARATORS),
    ],
)
def test_a_comma_that_could_group_thousands_is_refused_not_guessed(typed, message):
    form = MeasurementForm(data={"m-kind": "metric", "m-value": typed}, prefix="m")
    assert not form.is_valid()
    assert form.errors["value"] == [message]


def test_number_fields_are_text_boxes_with_a_number_keypad():
    html = str(MeasurementForm(prefix="m")["value"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert 'type="number"' not in html


def test_charter_sections_read_a_decimal_comma_and_refuse_separators_in_whole_numbers(db):
    version = CharterVersion()
    metric = section_form(
        "metric",
        version=version,
        data={"metric-metric_baseline": "61,5", "metric-metric_target": "85,25"},
    )
    assert metric.is_valid(), metric.errors
    assert (metric.cleaned_data["metric_baseline"], metric.cleaned_data["metric_target"]) == (
        Decimal("61.5"),
        Decimal("85.25"),
    )
    assert 'inputmode="decimal"' in str(metric["metric_baseline"])
    latency = section_form("targets", version=version, data={"targets-latency_p95_ms": "1,5"})
    assert not latency.is_valid()
    assert latency.errors["latency_p95_ms"] == [WHOLE_NUMBER_SEPARATORS]
    integration = row_form(
        "integrations", data={"integrations-system": "ERP", "integrations-estimate_weeks": "2,5"}
    )
    assert integration.is_valid(), integration.errors
    assert integration.cleaned_data["estimate_weeks"] == Decimal("2.5")


@pytest.mark.django_db
def test_a_measurement_typed_with_a_comma_is_recorded_as_typed_through_the_page(
    client, org, pm, executive
):
    project, _, _ = in_poc(org, pm, executive)  # the charter's metric is in %
    client.force_login(pm)
    create = reverse("decisions:measurement-create", args=[project.pk])
    assert client.post(create, {"m-kind": "metric", "m-value": "85,5"}).status_code == 302
    assert Measurement.objects.filter(project=project).latest("pk").value == Decimal("85.5")

    refused = client.post(create, {"m-kind": "metric", "m-value": "855", "m-note": "March"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert PERCENT_ABOVE.format("855") in html and 'value="March"' in html
    assert not Measurement.objects.filter(project=project, value=855).exists()


@pytest.mark.django_db
def test_a_percentage_above_100_in_the_charter_is_refused_next_to_its_field(client, project, pm):
    helpers.draft(project)
    client.force_login(pm)
    response = client.post(
        reverse("charters:section", kwargs={"project_pk": project.pk, "section": "metric"}),
        {
            "metric-metric_name": "Routing accuracy",
            "metric-metric_unit": "%",
            "metric-metric_direction": "higher",
            "metric-metric_baseline": "61,5",
            "metric-metric_target": "855",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_metric_target_error"' in html and PERCENT_ABOVE.format("855") in html
    assert 'value="61,5"' in html  # what was typed is kept
