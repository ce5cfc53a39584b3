"""The portfolio dashboard (DOMAIN.md "The portfolio dashboard"): the page, its panels for an
htmx filter change, and the CSV export of each panel.

Every number comes from ``decisions.dashboard`` (``summary`` for the page, the same panel
functions for an export), over a ``Scope`` built by ``read_filters`` — the one reading of the
filters that the page, the exports and the API (``decisions.api.dashboard``) share. A filter
value the visitor may not use (an organisation they do not see, an unknown stage…) is ignored
and the filter reset: the page says so, the API answers 400.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from charters.selectors import FLAGS
from portfolio import periods
from portfolio.context_processors import current_organisation
from portfolio.filters import id_in
from portfolio.hooks import project_filters
from portfolio.htmx import render_page
from portfolio.models import Membership, Organisation, ProjectQuerySet, Role, Stage, User

from . import dashboard
from .dashboard import Figure, Scope
from .dashboard_charts import funnel_chart, trend_chart

PAGE_TEMPLATE = "decisions/dashboard.html"
GRID_TEMPLATE = "decisions/partials/dashboard_grid.html"
PANELS_TEMPLATE = "decisions/partials/dashboard_panels.html"

FILTER_NAMES = ("organisation", "period", "stage", "decision_maker", "risk_flag")


# --- the filters ------------------------------------------------------------------------------


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, each a closed list of what the visitor may choose."""

    organisation = forms.TypedChoiceField(
        label="Organisation",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Not the id of an organisation you may see."},
    )
    period = forms.ChoiceField(
        label="Cohort period",
        required=False,
        error_messages={
            "invalid_choice": "Not a period: all, 12m, a year (2026) or a quarter (2026-Q3)."
        },
    )
    stage = forms.ChoiceField(
        label="Stage now",
        required=False,
        choices=[("", "Any stage"), *Stage.choices],
        error_messages={"invalid_choice": f"Not a stage: {', '.join(Stage.values)}."},
    )
    decision_maker = forms.TypedChoiceField(
        label="Decision-maker",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": "Not the id of an executive of an organisation you may see."
        },
    )
    risk_flag = forms.ChoiceField(
        label="Risk flag",
        required=False,
        choices=[("", "Any"), *((key, label) for key, (label, _) in FLAGS.items())],
        error_messages={"invalid_choice": f"Not a risk flag: {', '.join(FLAGS)}."},
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        organisations: Iterable[Organisation],
        executives: Iterable[User],
        today: date,
    ) -> None:
        super().__init__(data)
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            ("", "All organisations"),
            *((o.pk, o.name) for o in organisations),
        ]
        self.fields["decision_maker"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            *((u.pk, u.get_full_name()) for u in executives),
        ]
        # Any period the URL can name is accepted (an older quarter, a year), not only the
        # ones offered: it joins the list so that the select shows it.
        choices = periods.choices(today)
        asked = periods.parse((data or {}).get("period"), today=today)
        if asked is not None and asked.key not in dict(choices):
            choices.append((asked.key, asked.label))
        self.fields["period"].choices = choices  # type: ignore[attr-defined]

    def clean_period(self) -> str:
        return self.cleaned_data.get("period") or periods.ALL.key


@dataclass
class Filters:
    """The filters in force: the form showing them, the scope they select, and the values
    that were ignored (parameter → why)."""

    form: DashboardFilterForm
    scope: Scope
    organisations: list[Organisation]
    ignored: dict[str, list[str]] = field(default_factory=dict)

    @property
    def several_organisations(self) -> bool:
        """Whoever sees more than one organisation gets the organisation × stage table."""
        return len(self.organisations) > 1

    @property
    def organisation(self) -> Organisation | None:
        chosen = self.scope.organisation_id
        return next((o for o in self.organisations if o.pk == chosen), None)

    def params(self) -> dict[str, str]:
        """The query string of the filters in force (defaults left out)."""
        scope = self.scope
        out = {
            "organisation": str(scope.organisation_id or ""),
            "period": "" if scope.period.key == periods.ALL.key else scope.period.key,
            "stage": scope.stage,
            "decision_maker": str(scope.decision_maker_id or ""),
            "risk_flag": scope.risk_flag,
        }
        return {k: v for k, v in out.items() if v}

    def query(self) -> str:
        return urlencode(self.params())


ANYONE_ACROSS = "Anyone (pick an organisation first)"


def executives_of(organisations, *, only: int | None = None) -> list[User]:
    """The executives of the organisations (a queryset of them): the decision-makers the filter
    offers — executives only, so that the list stays short; with ``only``, that one person if
    they are one of them. One query."""
    ids = Membership.objects.filter(organisation__in=organisations, role=Role.EXECUTIVE).values(
        "user_id"
    )
    people = User.objects.filter(pk__in=ids)
    if only is not None:
        people = people.filter(pk=only)
    return list(people.only("id", "full_name", "email"))


def offered_executives(organisations: list[Organisation], visible, data) -> list[User]:
    """The decision-makers the filter offers: the chosen organisation's executives, or everyone's
    when there is one organisation to see. Across several organisations with none chosen the
    list would grow with the firm (a partner's: every executive), so then only the one already
    in force is offered, and the field says to choose an organisation first."""
    chosen = id_in(data, "organisation")
    if chosen is not None and any(o.pk == chosen for o in organisations):
        return executives_of(visible.filter(pk=chosen))
    if len(organisations) <= 1:
        return executives_of(visible)
    wanted = id_in(data, "decision_maker")
    return executives_of(visible, only=wanted) if wanted is not None else []


def read_filters(user: Any, data: Mapping[str, Any], *, today: date) -> Filters:
    """The filters ``data`` (a query string) asks for, each checked against what ``user`` may
    choose; an invalid one is reset to its default and named in ``ignored``. Two queries."""
    visible = Organisation.objects.visible_to(user).order_by("name")
    organisations = list(visible.only("id", "name", "slug"))
    executives = offered_executives(organisations, visible, data)
    asked = DashboardFilterForm(
        {k: data.get(k, "") for k in FILTER_NAMES},
        organisations=organisations,
        executives=executives,
        today=today,
    )
    asked.is_valid()
    ignored = {name: [str(e) for e in errors] for name, errors in asked.errors.items()}
    values = {k: v for k, v in asked.cleaned_data.items() if k not in ignored}
    period = periods.parse(values.get("period"), today=today) or periods.ALL
    scope = Scope(
        user=user,
        period=period,
        today=today,
        organisation_id=values.get("organisation"),
        stage=values.get("stage") or "",
        decision_maker_id=values.get("decision_maker"),
        risk_flag=values.get("risk_flag") or "",
    )
    in_force = {
        "organisation": scope.organisation_id or "",
        "period": period.key,
        "stage": scope.stage,
        "decision_maker": scope.decision_maker_id or "",
        "risk_flag": scope.risk_flag,
    }
    shown = DashboardFilterForm(
        in_force, organisations=organisations, executives=executives, today=today
    )
    if len(organisations) > 1 and scope.organisation_id is None:
        # Said in the select itself: a help line under one field would unalign the filter row.
        field = shown.fields["decision_maker"]
        field.choices = [("", ANYONE_ACROSS), *list(field.choices)[1:]]  # type: ignore[attr-defined]
    shown.is_valid()
    return Filters(form=shown, scope=scope, organisations=organisations, ignored=ignored)


def _filters_of(request: HttpRequest) -> Filters:
    """The page's filters: the query string; without an organisation in it, the one the person
    switched to in the header (as the project list does)."""
    data: QueryDict = request.GET.copy()
    if "organisation" not in data:
        switched = current_organisation(request)
        if switched is not None:
            data["organisation"] = str(switched.pk)
    return read_filters(request.user, data, today=timezone.localdate())


# --- the page ---------------------------------------------------------------------------------

EXPORT_TABLES = (
    "funnel",
    "trend",
    "flow",
    "attention",
    "graveyard",
    "goalposts",
    "accountability",
    "organisations",
)


ATTENTION_LISTS = ("overdue", "kill_soon", "kill_pending", "stalled")

ATTENTION_EMPTY = {
    "overdue": "Nothing overdue. A project appears here when its decision date or kill "
    "deadline passes with no decision.",
    "kill_soon": f"No kill deadline in the next {dashboard.KILL_SOON_DAYS} days. Projects whose "
    "kill deadline is near appear here, soonest first.",
    "kill_pending": "No kill pending. A project appears here when its kill deadline passes "
    "without the metric reaching the threshold: kill it, or extend it with a reason.",
    "stalled": "Nothing stalled. A project appears here after weeks without activity, or when "
    "it has been overdue for more than a week.",
}


def period_words(period: periods.Period) -> str:
    """The period in a sentence ("No PoC started in Q3 2026"); "" for all time."""
    if period.key == periods.ALL.key:
        return ""
    if period.key == "12m":
        return "in the last 12 months"
    return f"in {period.label}"


def _choice_label(form: forms.Form, name: str) -> str:
    value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
    if value in (None, ""):
        return ""
    choices = dict(form.fields[name].choices)  # type: ignore[attr-defined]
    return str(choices.get(value, ""))


ACCOUNTABILITY_ROWS = 12


def worst_first(rows: list[dashboard.Accountable]) -> list[dashboard.Accountable]:
    """The decision-makers the page shows: everyone when they fit, or else the
    ``ACCOUNTABILITY_ROWS`` with the most lapsed, then late, gates (in name order), so that the
    page does not grow with the firm; the CSV and the API list everyone."""
    if len(rows) <= ACCOUNTABILITY_ROWS:
        return rows
    worst = sorted(rows, key=lambda r: (-(r.lapsed.value or 0), -(r.late.value or 0)))
    kept = {id(r) for r in worst[:ACCOUNTABILITY_ROWS]}
    return [r for r in rows if id(r) in kept]


def export_url(table: str, filters: Filters) -> str:
    url = reverse("decisions:dashboard-export", kwargs={"table": table})
    query = filters.query()
    return f"{url}?{query}" if query else url


class DashboardView(LoginRequiredMixin, View):
    """The dashboard: the whole page, or for an htmx filter change the panels alone."""

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = _filters_of(request)
        scope = filters.scope
        ignored = [
            str(filters.form.fields[name].label or name)
            for name in FILTER_NAMES
            if name in filters.ignored
        ]
        context = {
            "filters": filters,
            "form": filters.form,
            "scope": scope,
            "organisation": filters.organisation,
            "ignored": ignored,
            "stage_label": Stage(scope.stage).label if scope.stage else "",
            "decision_maker": _choice_label(filters.form, "decision_maker"),
            "risk_flag_label": FLAGS[scope.risk_flag][0] if scope.risk_flag else "",
            "grid": self.grid(filters),
        }
        return render_page(request, PAGE_TEMPLATE, context, partial=PANELS_TEMPLATE)

    @staticmethod
    def grid(filters: Filters) -> str:
        """The panels' HTML: rendered from the figures, and kept in the cache next to them (it
        depends on nothing else), so that a repeated view renders none of its ~700 figures."""
        scope, several = filters.scope, filters.several_organisations
        key = dashboard.cache_key(scope, several)
        kept = cache.get(f"{key}:grid") if key else None
        if isinstance(kept, str):
            return mark_safe(kept)  # noqa: S308 — our own template's output, kept as rendered
        summary = dashboard.summary_cached(scope, with_organisations=several, key=key)
        attention = summary.attention
        context = {
            "filters": filters,
            "scope": scope,
            "summary": summary,
            "period_words": period_words(scope.period),
            "stages": Stage.choices,
            "trend_started": any(row.started.value for row in summary.trend),
            "flow_in_progress": any(f.value for f in summary.flow.in_progress),
            "flow_stages": list(
                zip(summary.flow.in_progress, summary.flow.days_in_stage, strict=True)
            ),
            "accountability": worst_first(summary.accountability),
            "attention_lists": [
                (key, getattr(attention, key), ATTENTION_EMPTY[key]) for key in ATTENTION_LISTS
            ],
            "exports": {table: export_url(table, filters) for table in EXPORT_TABLES},
            "charts": {
                "funnel": funnel_chart(summary.funnel, period_label=scope.period.label),
                "trend": trend_chart(summary.trend),
            },
        }
        html = render_to_string(GRID_TEMPLATE, context)
        if key:
            cache.set(f"{key}:grid", html, settings.GATEHOUSE_DASHBOARD_CACHE_SECONDS)
        return mark_safe(html)  # noqa: S308 — our own template's output


# --- CSV exports --------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose ``write`` hands the line back: ``csv.writer`` over it yields
    each row as text, to stream."""

    def write(self, value: str) -> str:
        return value


def cell(value: object) -> object:
    """A value as a CSV cell: text that a spreadsheet would read as a formula (it begins with
    =, +, -, @, a tab or a carriage return) is prefixed with ' so that it stays text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


@dataclass
class Export:
    request: HttpRequest
    filters: Filters

    @property
    def scope(self) -> Scope:
        return self.filters.scope

    def link(self, figure: Figure) -> str:
        return self.request.build_absolute_uri(figure.link) if figure.link else ""


def shown(figure: Figure) -> str:
    """A figure as the page shows it; empty rather than "—" when there is none."""
    return "" if figure.value is None else figure.shown


def _figure_row(export: Export, figure: Figure, unit: str, *before: str) -> list[object]:
    return [*before, figure.label, shown(figure), unit, export.link(figure)]


def funnel_rows(export: Export) -> Iterator[list[object]]:
    funnel = dashboard.funnel(export.scope)
    yield ["Figure", "Value", "Unit", "Projects"]
    for figure in (funnel.started, funnel.reached_pilot, funnel.reached_production):
        yield _figure_row(export, figure, "projects")
    for figure in (*funnel.killed, *funnel.in_flight):
        yield _figure_row(export, figure, "projects")
    for figure in (funnel.poc_to_pilot, funnel.pilot_to_production, funnel.graduation_rate):
        yield _figure_row(export, figure, "%")


def trend_rows(export: Export) -> Iterator[list[object]]:
    trend = dashboard.trend(export.scope)
    yield [
        "Quarter",
        "Started PoC",
        "Reached production",
        "Graduation rate (%)",
        "Median days to decision",
        "Started PoC (projects)",
        "Reached production (projects)",
    ]
    for row in trend:
        yield [
            row.period.label,
            shown(row.started),
            shown(row.reached_production),
            shown(row.graduation_rate),
            shown(row.days_to_decision),
            export.link(row.started),
            export.link(row.reached_production),
        ]


def flow_rows(export: Export) -> Iterator[list[object]]:
    flow = dashboard.flow(export.scope)
    yield ["Figure", "Stage", "Value", "Unit", "Projects"]
    for figure in flow.in_progress:
        yield [
            "Work in progress",
            figure.label,
            shown(figure),
            "projects",
            export.link(figure),
        ]
    for figure in flow.days_in_stage:
        yield ["Median days in stage", figure.label, shown(figure), "days", export.link(figure)]
    for figure in (flow.days_to_production, flow.days_to_kill):
        yield [f"Median days, {figure.label}", "", shown(figure), "days", export.link(figure)]


STATES = ("overdue", "kill_pending", "stalled")  # the derived states ``attention=`` names


def attention_projects(scope: Scope, listed: dashboard.AttentionList) -> ProjectQuerySet:
    """Every project an attention list counts, not only the first rows the page shows: the
    dashboard's own base (the scope's projects in flight, with their states) narrowed by what
    the list's link adds to the scope — a derived state (``attention=``, as the project list
    reads it) or a drill-down filter (``kill_within=``, ``portfolio.hooks.project_filters``)."""
    projects = scope.projects().filter(stage__in=dashboard.ACTIVE).with_states(scope.today)
    own = scope.params()
    for name, value in parse_qsl(urlsplit(listed.figure.link or "").query):
        if own.get(name) == value:
            continue
        if name == "attention" and value in STATES:
            projects = projects.filter(**{value: True})
            continue
        spec = project_filters.get(name)
        if spec is None:
            raise ValueError(f"An attention list's link names an unknown filter: {name!r}.")
        projects = cast(ProjectQuerySet, spec.apply(projects, value, scope.today))
    return projects


def attention_rows(export: Export) -> Iterator[list[object]]:
    attention = dashboard.attention(export.scope)
    request = export.request
    yield [
        "List",
        "Project",
        "Project ID",
        "Organisation",
        "Stage",
        "Next deadline",
        "Kill deadline",
        "Overdue",
        "Kill pending",
        "Stalled",
        "Link",
    ]
    for key in ATTENTION_LISTS:
        listed: dashboard.AttentionList = getattr(attention, key)
        order = "kill_deadline" if key == "kill_soon" else "next_due"
        rows = (
            attention_projects(export.scope, listed)
            .select_related("organisation")
            .order_by(F(order).asc(nulls_last=True), "name", "pk")
        )
        for project in rows.iterator(chunk_size=500):
            yield [
                listed.figure.label,
                project.name,
                project.pk,
                project.organisation.name,
                project.get_stage_display(),
                project.next_due,  # type: ignore[attr-defined]
                project.kill_deadline,
                project.overdue,  # type: ignore[attr-defined]
                project.kill_pending,  # type: ignore[attr-defined]
                project.stalled,  # type: ignore[attr-defined]
                request.build_absolute_uri(project.get_absolute_url()),
            ]


def graveyard_rows(export: Export) -> Iterator[list[object]]:
    graveyard = dashboard.graveyard(export.scope)
    yield ["Figure", "Value", "Unit", "Projects"]
    yield _figure_row(export, graveyard.killed, "projects")
    for figure in graveyard.by_reason:
        row = _figure_row(export, figure, "projects")
        row[0] = f"Kill reason: {figure.label}"
        yield row
    for figure in (graveyard.by_person, graveyard.by_policy, graveyard.pivots):
        yield _figure_row(export, figure, "projects")
    yield _figure_row(export, graveyard.days_to_kill, "days")


def goalposts_rows(export: Export) -> Iterator[list[object]]:
    goalposts = dashboard.goalposts(export.scope)
    yield ["Figure", "Value", "Unit", "Projects"]
    yield _figure_row(export, goalposts.projects, "projects")
    yield _figure_row(export, goalposts.amendments, "amendments")
    yield _figure_row(export, goalposts.lowered, "projects")
    yield _figure_row(export, goalposts.raised, "projects")


def accountability_rows(export: Export) -> Iterator[list[object]]:
    accountable = dashboard.accountability(export.scope)
    yield [
        "Decision-maker",
        "Gates due",
        "On time",
        "Late",
        "Lapsed",
        "Median days late",
        "Extensions granted",
        "Killed by policy",
    ]
    for row in accountable:
        yield [
            row.person.get_full_name() if row.person else "",
            *(
                shown(f)
                for f in (
                    row.due,
                    row.on_time,
                    row.late,
                    row.lapsed,
                    row.days_late,
                    row.extensions,
                    row.killed_by_policy,
                )
            ),
        ]


def organisations_rows(export: Export) -> Iterator[list[object]]:
    organisations = dashboard.organisations(export.scope)
    yield [
        "Organisation",
        *(label for _, label in Stage.choices),
        "Started PoC (cohort)",
        "Graduation rate (%)",
    ]
    for row in organisations:
        yield [
            row.organisation.name,
            *(shown(f) for f in row.by_stage),
            shown(row.started),
            shown(row.graduation_rate),
        ]


EXPORTS: dict[str, Callable[[Export], Iterator[list[object]]]] = {
    "funnel": funnel_rows,
    "trend": trend_rows,
    "flow": flow_rows,
    "attention": attention_rows,
    "graveyard": graveyard_rows,
    "goalposts": goalposts_rows,
    "accountability": accountability_rows,
    "organisations": organisations_rows,
}


def export_filename(table: str, filters: Filters) -> str:
    parts = ["gatehouse", table, filters.scope.period.key]
    if filters.organisation is not None:
        parts.append(filters.organisation.slug)
    parts.append(filters.scope.today.isoformat())
    return "-".join(parts) + ".csv"


class DashboardExportView(LoginRequiredMixin, View):
    """One panel of the dashboard as CSV, for the same filters (the same query string), streamed
    row by row."""

    def get(self, request: HttpRequest, table: str) -> StreamingHttpResponse:
        rows = EXPORTS.get(table)
        if rows is None:
            raise Http404("No such table on the dashboard.")
        filters = _filters_of(request)
        export = Export(request=request, filters=filters)
        # The panel's figures are computed here, before the first byte: a failure is an error
        # page, not a truncated file.
        produced = rows(export)
        first = next(produced)
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield "\ufeff"  # a byte-order mark: spreadsheets then read the file as UTF-8
            yield writer.writerow([cell(v) for v in first])
            for row in produced:
                yield writer.writerow([cell(v) for v in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{export_filename(table, filters)}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
