"""Forms of the portfolio pages. They parse input; every rule and write lives in services."""

from __future__ import annotations

from datetime import UTC, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import rules
from .models import OWNER_FIELDS, Organisation, Project, Role, TokenScope, User
from .rules import DECISION_MAKER_NOT_EXECUTIVE, NOT_A_MEMBER


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError back on the form that sent the input, every app's.

    A message about a field of the form shows next to that field; one about anything else (a
    field this form does not have, ``__all__``, or an error that names no field) shows above
    the form. The service's words are kept as they are.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


OWNER_HELP = {
    "business_owner": "Accountable for the business value.",
    "production_owner": "Will run the system in production: its cost, on-call and budget line.",
    "engineering_owner": "Leads the build.",
    "decision_maker": "The executive who makes the go / kill call at each gate.",
    "pm": "Runs the project day to day.",
}


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, labelled for an email address."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})
        self.fields["password"].label = "Password"


NUMBER_SEPARATORS = (
    "Write the number without thousands separators, with a point or a comma before the "
    "decimals: 1234.5 or 1234,5."
)
WHOLE_NUMBER_SEPARATORS = "Write a whole number without separators: 1000, not 1,000 or 1.000."


def _ambiguous_comma(typed: str, whole: str, decimals: str) -> str:
    return (
        f"“{typed}” could be {whole}{decimals} or {whole}.{decimals}: write it without the "
        f"comma ({whole}{decimals}) or with a decimal point ({whole}.{decimals})."
    )


class NumberField(forms.DecimalField):
    """A decimal as people type it, a decimal comma included: "85,5" is 85.5.

    A text box with a decimal keypad, not ``<input type="number">``: Chromium's number input
    drops a comma it reads as a thousands separator, so "85,5" reached the server as 855 and
    was saved without a word. Here the server sees what was typed. One comma is a decimal comma
    unless it could as well group thousands ("1,000": one or a thousand?); that, a comma and a
    point together, or several commas, are refused with a message next to the field, never
    guessed."""

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if "," in value:
                whole, _, decimals = value.partition(",")
                if "." in value or "," in decimals:
                    raise ValidationError(NUMBER_SEPARATORS, code="invalid")
                digits = whole.lstrip("+-")
                if len(decimals) == 3 and decimals.isdigit() and digits.strip("0"):
                    raise ValidationError(_ambiguous_comma(value, whole, decimals), code="invalid")
                value = f"{whole}.{decimals}"
        return super().to_python(value)


class WholeNumberField(forms.IntegerField):
    """A whole number in a text box with a number keypad (see ``NumberField`` for why not
    ``type="number"``). A separator is refused, not read: Django would take "1.000" for 1 and
    Chromium "1,5" for 15."""

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "numeric", "autocomplete": "off"}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if "," in value or "." in value:
                raise ValidationError(WHOLE_NUMBER_SEPARATORS, code="invalid")
        return super().to_python(value)


class AwareDateTimeField(forms.DateTimeField):
    """A date and time that must exist in UTC as well: ``0001-01-01T00:00:00+14:00`` parses,
    but is before year 1 once converted, and every comparison with it overflows."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None:
            try:
                result.astimezone(UTC)
            except OverflowError:
                raise ValidationError(
                    "Out of range: enter a date and time between the years 1 and 9999.",
                    code="invalid",
                ) from None
        return result


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def members_of(organisation_id: int | None):
    """People who may be named owners of a project in this organisation."""
    if not organisation_id:
        return User.objects.none()
    return User.objects.filter(
        memberships__organisation_id=organisation_id, is_active=True
    ).order_by("full_name", "email")


def executives_of(organisation_id: int | None, *, keep: int | None = None):
    """People who may be the decision-maker: the organisation's executives. ``keep`` (a current
    decision-maker) stays offered so an edit form shows who is named; the service decides."""
    if not organisation_id:
        return User.objects.none()
    executives = Q(memberships__organisation_id=organisation_id, memberships__role=Role.EXECUTIVE)
    if keep:
        executives |= Q(pk=keep, memberships__organisation_id=organisation_id)
    return User.objects.filter(executives, is_active=True).distinct().order_by("full_name", "email")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class ProjectForm(forms.Form):
    """Create (with ``organisation``) or edit (``project`` given: organisation fixed) a project.

    Owner choices are the members of the chosen organisation; stage is never an input.
    """

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation…",
        help_text="Where you are a PM. The owners are chosen from its members.",
        error_messages={"invalid_choice": "You are not a PM in that organisation."},
    )
    name = forms.CharField(
        max_length=160,
        help_text="A short name people will recognise.",
        validators=[rules.validate_name],
    )
    summary = forms.CharField(
        required=False,
        validators=[rules.validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The problem and what the PoC will show, in a sentence or two.",
    )
    business_owner = OwnerChoiceField(queryset=User.objects.none(), required=False)
    production_owner = OwnerChoiceField(queryset=User.objects.none(), required=False)
    engineering_owner = OwnerChoiceField(queryset=User.objects.none(), required=False)
    decision_maker = OwnerChoiceField(
        queryset=User.objects.none(), required=False, label="Decision-maker"
    )
    pm = OwnerChoiceField(queryset=User.objects.none(), required=False, label="PM")
    timebox_start = forms.DateField(required=False, widget=DateInput())
    timebox_end = forms.DateField(
        required=False, widget=DateInput(), help_text="Six to eight weeks is recommended."
    )
    decision_date = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="When the decision-maker will make the go / kill call.",
    )

    def __init__(self, *args, user: User, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.project = project
        if project is not None:
            # Fields shown but not editable keep the project's values, on a POST as well.
            self.initial = {**self.initial_for(project), **self.initial}
        if project is not None:
            del self.fields["organisation"]
            organisation_id = project.organisation_id
        else:
            editable = Organisation.objects.editable_by(user).taking_projects().order_by("name")
            self.fields["organisation"].queryset = editable
            # Changing the organisation swaps in the owner selects of its members (htmx).
            self.fields["organisation"].widget.attrs.update(
                {
                    "hx-get": reverse("portfolio:owner-options"),
                    "hx-target": "#owner-fields",
                    "hx-trigger": "change",
                    "hx-include": "#owner-fields",
                }
            )
            organisation_id = self._chosen_organisation_id()
        for field in OWNER_FIELDS:
            self.fields[field].queryset = members_of(organisation_id)
            self.fields[field].help_text = OWNER_HELP[field]
            self.fields[field].empty_label = "— nobody yet —"
            self.fields[field].error_messages["invalid_choice"] = NOT_A_MEMBER
        # DOMAIN.md: the decision-maker is an executive; only executives are offered.
        self.fields["decision_maker"].queryset = executives_of(
            organisation_id, keep=project.decision_maker_id if project is not None else None
        )
        self.fields["decision_maker"].error_messages["invalid_choice"] = (
            DECISION_MAKER_NOT_EXECUTIVE
        )
        self.organisation_id = organisation_id
        if project is not None and project.schedule_locked:
            self._lock_charter_fields()

    def _lock_charter_fields(self) -> None:
        """The approved charter governs the dates and its signers. The dates stay in the form,
        read-only, so a changed value sent anyway reaches the service and is refused with its
        reason next to the field; the signers cannot be chosen here at all."""
        for field in rules.SCHEDULE_FIELDS:
            self.fields[field].widget.attrs["readonly"] = True
            self.fields[field].help_text = (
                "Set by the approved charter: it moves only by a decision (an extension, or the "
                "go that sets the next gate's date) or an amendment."
            )
        for field in rules.SIGNER_FIELDS:
            self.fields[field].disabled = True
            self.fields[field].help_text = (
                "Named in the approved charter, which they signed: amend the charter to name "
                "someone else."
            )

    def _chosen_organisation_id(self) -> int | None:
        raw = self.data.get(self.add_prefix("organisation")) if self.is_bound else None
        if raw in (None, ""):
            raw = self.initial.get("organisation")
            raw = getattr(raw, "pk", raw)
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    @classmethod
    def initial_for(cls, project: Project) -> dict:
        return {
            "name": project.name,
            "summary": project.summary,
            "timebox_start": project.timebox_start,
            "timebox_end": project.timebox_end,
            "decision_date": project.decision_date,
            **{f: getattr(project, f"{f}_id") for f in OWNER_FIELDS},
        }

    def service_kwargs(self) -> dict:
        """Cleaned data as keyword arguments for project_create / project_update."""
        keys = ["name", "summary", *OWNER_FIELDS, "timebox_start", "timebox_end", "decision_date"]
        return {k: self.cleaned_data[k] for k in keys}


EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        validators=[rules.validate_name],
        help_text="What will use it, e.g. “CI evaluation harness” or “BI export”.",
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text="Read and write lets the tool record measurements and evidence as you.",
    )
    expiry = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires after")

    def expires_at(self):
        value = self.cleaned_data["expiry"]
        if value == "never":
            return None
        return timezone.now() + timedelta(days=int(value))
