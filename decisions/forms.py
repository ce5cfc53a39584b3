"""Forms only parse input; the rules live in ``decisions.services``. A service's ValidationError is
put back on the form (``portfolio.forms.add_service_errors``) so it shows next to the field that
caused it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from portfolio.forms import AwareDateTimeField, NumberField
from portfolio.rules import validate_name, validate_text

from .models import PERSON_KILL_REASONS, MarkState, MeasurementKind, Outcome
from .rules import validate_reading_value

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MarkForm(forms.Form):
    state = forms.ChoiceField(
        label="Mark as",
        choices=[
            (MarkState.MET, "Met"),
            (MarkState.NOT_MET, "Not met"),
            (MarkState.UNMARKED, "Take my mark back (unmarked)"),
        ],
        widget=forms.RadioSelect,
        initial=MarkState.MET,
    )
    evidence_text = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What shows it: a few words, a link, or a measurement.",
        validators=[validate_text],
    )
    evidence_url = forms.URLField(label="Evidence link", required=False, assume_scheme="https")
    evidence_measurement = forms.TypedChoiceField(
        label="Measurement", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, measurements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_measurement"].choices = [("", "— none —")] + [
            (m.pk, f"{m.get_kind_display()}: {m.value:g} ({m.measured_at:%-d %b %Y})")
            for m in measurements
        ]


class MeasurementForm(forms.Form):
    kind = forms.ChoiceField(label="What", choices=MeasurementKind.choices)
    # Precision is the service's rule: it rounds to the 4 decimal places a reading keeps.
    value = NumberField(
        label="Value",
        help_text="Rounded to 4 decimal places.",
        validators=[validate_reading_value],
    )
    measured_at = AwareDateTimeField(
        label="Measured at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
    )
    note = forms.CharField(label="Note", required=False, max_length=500, validators=[validate_text])


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.HiddenInput)
    # The gate the decision-maker looked at: a second click or a stale page is refused by the
    # service instead of being judged against the next gate.
    gate = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rationale = forms.CharField(
        label="Rationale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text],
    )
    reason_category = forms.ChoiceField(
        label="Kill reason",
        required=False,
        choices=[("", "— choose —"), *PERSON_KILL_REASONS],
    )
    new_kill_deadline = forms.DateField(label="New kill deadline", required=False, widget=DATE)
    # Extend: the gate's new decision date. Go: the decision date of the next gate.
    new_decision_date = forms.DateField(label="New decision date", required=False, widget=DATE)
    pivot = forms.BooleanField(
        label="Start a successor project (a pivot) with a copy of this charter", required=False
    )
    successor_name = forms.CharField(
        label="Successor's name", required=False, max_length=160, validators=[validate_name]
    )
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)
    supersede_reason = forms.CharField(
        label="Why the earlier decision was a mistake",
        required=False,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("supersedes") and not data.get("gate"):
            raise ValidationError(
                "The form did not say which gate it decides: reload the page and decide again."
            )
        return data


class OwnershipForm(forms.Form):
    accepts_run_cost = forms.BooleanField(label="I accept the system's run cost", required=False)
    accepts_on_call = forms.BooleanField(label="I accept on-call for the system", required=False)
    accepts_budget_line = forms.BooleanField(
        label="I will carry its operations budget line", required=False
    )
    budget_line = forms.CharField(
        label="Budget line",
        required=False,
        max_length=200,
        help_text="The cost centre or budget line that pays for operations.",
        validators=[validate_name],
    )
    # Required (DOMAIN: one person, in one team) — by the service, so that someone who is not
    # the named owner is refused (403) before being told about empty fields.
    team = forms.CharField(
        label="Your team",
        required=False,
        max_length=120,
        help_text="The one team that will run it.",
        validators=[validate_name],
    )
