"""The one way a service's refusal lands on a form, whichever app's form it is."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from portfolio.forms import add_service_errors


class NoteForm(forms.Form):
    title = forms.CharField(required=False)
    body = forms.CharField(required=False)


def bound(**data) -> NoteForm:
    form = NoteForm({"title": "", "body": "", **data})
    assert form.is_valid()
    return form


def test_a_message_about_a_field_of_the_form_shows_next_to_it():
    form = bound(title="Draft", body="Text")
    add_service_errors(
        form, ValidationError({"title": ["Too vague.", "Already used."], "body": "Empty."})
    )
    assert form.errors["title"] == ["Too vague.", "Already used."]
    assert form.errors["body"] == ["Empty."]
    assert NON_FIELD_ERRORS not in form.errors
    assert "title" not in form.cleaned_data  # the refused value is not taken as clean


def test_a_message_about_a_field_the_form_does_not_have_shows_above_it():
    form = bound(title="Draft")
    add_service_errors(
        form, ValidationError({"owner": "Not a member.", NON_FIELD_ERRORS: "Stale page."})
    )
    assert form.non_field_errors() == ["Not a member.", "Stale page."]
    assert set(form.errors) == {NON_FIELD_ERRORS}


def test_a_message_that_names_no_field_shows_above_the_form():
    form = bound(title="Draft")
    add_service_errors(form, ValidationError(["This gate was decided a moment ago.", "Reload."]))
    assert form.non_field_errors() == ["This gate was decided a moment ago.", "Reload."]
    assert set(form.errors) == {NON_FIELD_ERRORS}
