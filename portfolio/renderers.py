"""The form renderer: Django's ``TemplatesSetting``, with the select written in Python.

A select of a few hundred people (the project list's owner filter, a charter's five owner
choices) spent most of its time in the template loop over options: about 9 ms for the list's
filters at firm scale. ``render_select`` writes the same markup as Django's
``django/forms/widgets/select.html`` and its ``attrs.html`` / ``select_option.html``
(``tests/portfolio/test_renderers.py`` compares them) from the context the widget has built.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """Django's attrs.html: ``name="value"``, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


def render_select(widget: dict[str, Any]) -> SafeString:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(
                f'<option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # noqa: S308 -- every value above is escaped


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            return render_select(context["widget"])
        return super().render(template_name, context, request=request)
