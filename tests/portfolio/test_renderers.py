"""The select written in Python (``portfolio.renderers``) gives Django's own markup: the same
elements, attributes, selection and escaping as its templates, for the selects the pages use."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from portfolio.renderers import FormRenderer


def same(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Anyone"), ("1", "Ada <Lovelace>"), ("2", 'Bo "B"')])
    grouped = forms.ChoiceField(
        choices=[("Live", [("poc", "PoC"), ("pilot", "Pilot")]), ("Ended", [("killed", "Killed")])]
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B & C")])
    attributed = forms.ChoiceField(
        choices=[("x", "X")],
        widget=forms.Select(attrs={"hx-get": "/projects/?a=1&b=2", "disabled": True, "data-n": 0}),
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "1", "grouped": "pilot", "many": ["a", "b"], "attributed": "x"},
        {"plain": "<script>", "grouped": "nope", "many": ["b"]},
    ],
)
@pytest.mark.parametrize("name", ["plain", "grouped", "many", "attributed"])
def test_the_python_select_writes_djangos_markup(data, name):
    ours = Sample(data or None, renderer=FormRenderer())[name]
    django = Sample(data or None, renderer=DjangoTemplates())[name]
    assert same(str(ours)) == same(str(django))


def test_labels_and_values_are_escaped():
    html = str(Sample({"plain": "1"}, renderer=FormRenderer())["plain"])
    assert "Ada &lt;Lovelace&gt;" in html and "Bo &quot;B&quot;" in html
    assert '<option value="1" selected>' in html
