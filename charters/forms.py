"""Forms only parse what the user typed; every rule is in ``charters.services``."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models

from portfolio.forms import NumberField, WholeNumberField
from portfolio.models import User

from .models import CharterVersion, DataSource, Integration
from .rules import NON_NEGATIVE, plain_number
from .sections import BY_KEY, PEOPLE_FIELDS, Section

RULE_CHECKED = (*NON_NEGATIVE, "latency_p95_ms")

TEXTAREA_ROWS = 3


def _widgets(fields) -> dict:
    widgets = {}
    for name in fields:
        field = CharterVersion._meta.get_field(name)
        if field.get_internal_type() == "DateField":
            widgets[name] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        elif field.get_internal_type() == "TextField":
            widgets[name] = forms.Textarea(attrs={"rows": TEXTAREA_ROWS})
    return widgets


class SectionForm(forms.Form):
    """One charter section. Built per section by ``section_form``."""

    section: Section

    def __init__(self, *args, members=None, executives=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PEOPLE_FIELDS:
            if name in self.fields:
                self.fields[name].queryset = members if members is not None else User.objects.none()
                self.fields[name].empty_label = "— choose a person —"
        if "decision_maker" in self.fields and executives is not None:
            # DOMAIN.md: the decision-maker is an executive.
            self.fields["decision_maker"].queryset = executives
            self.fields["decision_maker"].help_text = "An executive of the organisation."
        for name, field in self.fields.items():
            field.required = False
            if name in RULE_CHECKED:
                # The service's rule says it in the same words as the API.
                field.validators = [
                    v for v in field.validators if not isinstance(v, MinValueValidator)
                ]
                field.widget.attrs.pop("min", None)
            if name == "currency":
                # Same words as the API: the rule's message, not a length limit.
                field.validators = [
                    v for v in field.validators if not isinstance(v, MaxLengthValidator)
                ]
            field.widget.attrs.setdefault("id", f"id_{name}")


def _number_formfield(model_field: models.Field, **kwargs) -> forms.Field | None:
    """Numbers are typed in text boxes that keep what was typed (portfolio.forms.NumberField):
    a number input in Chromium turned "85,5" into 855."""
    if isinstance(model_field, models.DecimalField):
        return model_field.formfield(form_class=NumberField, **kwargs)
    if isinstance(model_field, models.IntegerField) and not model_field.choices:
        return model_field.formfield(form_class=WholeNumberField, **kwargs)
    return model_field.formfield(**kwargs)


def _initial(value):
    """Stored decimals read as typed: 61, not 61.0000."""
    return plain_number(value) if isinstance(value, Decimal) else value


def section_form(
    section_key: str, *, version: CharterVersion, data=None, members=None, executives=None
):
    section = BY_KEY[section_key]
    fields = forms.fields_for_model(
        CharterVersion,
        fields=list(section.fields),
        widgets=_widgets(section.fields),
        formfield_callback=_number_formfield,
    )
    form_class = type(
        f"{section_key.title()}SectionForm", (SectionForm,), {**fields, "section": section}
    )
    initial = {
        f: _initial(getattr(version, f"{f}_id" if f in PEOPLE_FIELDS else f))
        for f in section.fields
    }
    return form_class(
        data=data, initial=initial, members=members, executives=executives, prefix=section_key
    )


class DataSourceForm(forms.ModelForm):
    class Meta:
        model = DataSource
        fields = ["name", "owner_name", "from_production", "sensitivity", "residency"]

    def _post_clean(self):
        """Model validation happens in the service."""


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ["system", "direction", "owning_team", "estimate_weeks"]
        field_classes = {"estimate_weeks": NumberField}

    def _post_clean(self):
        """Model validation happens in the service."""


ROW_FORMS = {"data_sources": DataSourceForm, "integrations": IntegrationForm}


def row_form(kind: str, data=None):
    form = ROW_FORMS[kind](data=data, prefix=kind)
    for name, field in form.fields.items():
        field.required = False
        if name in ("name", "system"):
            field.required = True
    return form


class ChangeRequestForm(forms.Form):
    comment = forms.CharField(
        label="What needs to change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class CompareForm(forms.Form):
    a = forms.TypedChoiceField(label="Compare version", coerce=int)
    b = forms.TypedChoiceField(label="with version", coerce=int)

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, f"v{n}") for n in numbers]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices


class ComplianceReviewForm(forms.Form):
    note = forms.CharField(
        label="Review note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What you checked, or conditions you set.",
    )
