"""Pages about gates and decisions. They parse input and call ``decisions.services``.

Every project is found through ``ProjectScopedMixin`` (a foreign project is a 404). Marking a
criterion or recording a measurement answers an HTMX request with the refreshed gate panel,
anything else with a redirect; a decision navigates (``redirect_after_post``). A failed form comes
back (422) with what was typed and the error next to the field.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from portfolio.forms import add_service_errors
from portfolio.htmx import FORM_INVALID, htmx_partial, redirect_after_post, render_page
from portfolio.views.mixins import ProjectScopedMixin

from . import permissions, rules, selectors, services
from .forms import DecisionForm, MarkForm, MeasurementForm, OwnershipForm
from .models import PERSON_KILL_REASONS, Decision, Gate, GateCriterion, MeasurementSource
from .panels import gate_context
from .timeline import hydrate, timeline_page

GATE_PARTIAL = "decisions/partials/gate.html"


def _project_url(project) -> str:
    return reverse("portfolio:project-detail", args=[project.pk]) + "#gate"


def _gate_response(request, project, *, forms=None, status=200, extra=None):
    """The refreshed panel for HTMX; the standalone gate page otherwise. A failed form is a 422
    either way (htmx is configured to swap it)."""
    context = {**gate_context(request, project, forms=forms), **(extra or {})}
    return render_page(
        request, "decisions/gate_page.html", context, partial=GATE_PARTIAL, status=status
    )


class GatePageView(ProjectScopedMixin, View):
    """The gate panel on its own page (also where a failed form without HTMX lands)."""

    def get(self, request, project_pk):
        return _gate_response(request, self.project)


class CriterionMarkView(ProjectScopedMixin, View):
    permission = permissions.can_mark_criterion

    def post(self, request, project_pk, criterion_pk):
        criterion = get_object_or_404(
            GateCriterion.objects.select_related("gate"),
            pk=criterion_pk,
            gate__project=self.project,
        )
        # The readings the panel offered: the form validates the choice against the same list.
        measurements = selectors.evidence_measurements(self.project)
        form = MarkForm(request.POST, prefix=f"c{criterion.pk}", measurements=measurements)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.criterion_mark(
                    criterion=criterion,
                    state=data["state"],
                    by=request.user,
                    evidence_text=data["evidence_text"],
                    evidence_url=data["evidence_url"],
                    evidence_measurement={m.pk: m for m in measurements}.get(
                        data["evidence_measurement"]
                    ),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
        if form.errors:
            return _gate_response(
                request, self.project, forms={"mark": (criterion.pk, form)}, status=FORM_INVALID
            )
        if htmx_partial(request):  # marked in place: the panel swaps itself
            return _gate_response(request, self.project)
        messages.success(request, f"“{criterion.title}” marked.")
        return redirect_after_post(request, _project_url(self.project))


class MeasurementCreateView(ProjectScopedMixin, View):
    permission = permissions.can_record_measurement

    def post(self, request, project_pk):
        form = MeasurementForm(request.POST, prefix="m")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.measurement_record(
                    project=self.project,
                    kind=data["kind"],
                    value=data["value"],
                    measured_at=data["measured_at"],
                    note=data["note"],
                    by=request.user,
                    source=MeasurementSource.MANUAL,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
        if form.errors:
            return _gate_response(
                request, self.project, forms={"measurement": form}, status=FORM_INVALID
            )
        if htmx_partial(request):  # recorded in place: the panel swaps itself
            return _gate_response(request, self.project)
        messages.success(request, "Measurement recorded.")
        return redirect_after_post(request, _project_url(self.project))


class DecideView(ProjectScopedMixin, View):
    """Go / kill / extend, or a superseding decision. The service decides who may.

    A failed decision goes back where it was made, with the errors next to the fields: the gate
    panel of the project page, or the project's card on the decisions-due agenda (``next``)."""

    def post(self, request, project_pk):
        prefix = "s" if request.POST.get("s-outcome") else "d"
        form = DecisionForm(request.POST, prefix=prefix)
        if form.is_valid():
            data = form.cleaned_data
            supersedes = None
            if data["supersedes"]:
                supersedes = get_object_or_404(
                    Decision, pk=data["supersedes"], project=self.project
                )
            gate = None
            if data["gate"]:
                gate = Gate.objects.filter(pk=data["gate"], project=self.project).first()
                if gate is None:
                    form.add_error("gate", "That gate is not one of this project's.")
        if not form.errors:
            try:
                decision = services.decision_record(
                    project=self.project,
                    outcome=data["outcome"],
                    by=request.user,
                    gate=gate,
                    rationale=data["rationale"],
                    reason_category=data["reason_category"],
                    new_kill_deadline=data["new_kill_deadline"],
                    new_decision_date=data["new_decision_date"],
                    pivot=data["pivot"],
                    successor_name=data["successor_name"],
                    supersedes=supersedes,
                    supersede_reason=data["supersede_reason"],
                )
            except ValidationError as exc:
                stale = _decided_meanwhile(gate, exc)
                if stale is not None:
                    return _stale_response(request, self.project, stale, form=form, prefix=prefix)
                add_service_errors(form, exc)
        if form.errors:
            if prefix == "d" and form.data.get("d-next") == reverse("decisions:due"):
                return _due_response(request, failed=(self.project.pk, form), status=FORM_INVALID)
            key = "supersede" if prefix == "s" else "decision"
            return _gate_response(request, self.project, forms={key: form}, status=FORM_INVALID)
        messages.success(
            request,
            f"{decision.get_outcome_display()} recorded for {self.project.name}"
            + (
                f"; it is now {decision.get_to_stage_display()}."
                if decision.to_stage != decision.from_stage
                else "."
            ),
        )
        target = form.cleaned_data.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = ""
        # HTMX loads the page that shows the decision (and scrolls to #gate); a plain POST
        # follows the redirect.
        return redirect_after_post(request, target or _project_url(self.project))


def _decided_meanwhile(gate: Gate | None, exc: ValidationError) -> Decision | None:
    """The decision that closed ``gate`` when the service refused one from a stale page (another
    tab, a second click, a colleague's decision); None for any other refusal."""
    if gate is None or rules.GATE_DECIDED not in getattr(exc, "message_dict", {}).get("gate", []):
        return None
    return (
        Decision.objects.filter(gate=gate)
        .select_related("decided_by", "gate")
        .order_by("-decided_at", "-pk")
        .first()
    )


def stale_sentence(decision: Decision) -> str:
    """What a stale page is told, in the words of the gate panel (decisions/partials/gate.html)."""
    at = date_format(timezone.localtime(decision.decided_at), "j M Y H:i")
    return (
        f"This gate was decided by {decision.maker} at {at}; your decision was not recorded. "
        f"It was decided: {decision.get_outcome_display()} at the {decision.gate.name.lower()} "
        f"({decision.get_from_stage_display()} → {decision.get_to_stage_display()})."
    )


def _stale_response(request, project, decided: Decision, *, form: DecisionForm, prefix: str):
    """A decision sent from a stale page: nothing was recorded. Say so, who decided and when,
    and what; show the panel as it is now, with the rationale that was typed (so it is not
    lost). From the decisions-due agenda, the agenda says it at the top."""
    if prefix == "d" and form.data.get("d-next") == reverse("decisions:due"):
        messages.warning(request, stale_sentence(decided))
        return redirect_after_post(request, reverse("decisions:due"))
    extra = {
        "stale_decision": decided,
        "stale_rationale": form.cleaned_data.get("rationale", ""),
    }
    response = _gate_response(request, project, status=FORM_INVALID, extra=extra)
    if htmx_partial(request):
        # The button was far down the panel: bring its top, where the message is, into view.
        response["HX-Reswap"] = "outerHTML show:top"
    return response


class OwnershipView(ProjectScopedMixin, TemplateView):
    """The production owner's side of the handoff: run cost, on-call and budget line."""

    template_name = "decisions/ownership.html"

    def get_context_data(self, **kwargs):
        facts = selectors.project_facts(self.project, with_readings=False)
        return super().get_context_data(
            facts=facts,
            acceptance=facts.acceptance,
            is_owner=permissions.can_accept_ownership(self.request.user, self.project),
            **kwargs,
        )

    def get(self, request, project_pk):
        return self.render_to_response(self.get_context_data(form=OwnershipForm()))

    def post(self, request, project_pk):
        form = OwnershipForm(request.POST)
        if form.is_valid():
            try:
                services.ownership_accept(
                    project=self.project, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
        if form.errors:
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = FORM_INVALID
            return response
        messages.success(request, f"You accepted ownership of {self.project.name}. Thank you.")
        return redirect_after_post(request, _project_url(self.project))


DUE_PAGE_SIZE = 10


def _due_response(request, *, failed: tuple[int, DecisionForm] | None = None, status=200):
    """The decisions-due agenda, a page at a time (facts and a decision form for the gates shown
    only). ``failed`` is (project id, bound form) of a decision refused from it: its card shows
    the errors and what was typed, on the page it stands on. An HTMX request gets that card."""
    projects = selectors.decisions_due_projects(request.user)
    number = request.GET.get("page")
    if failed:
        ids = list(projects.values_list("pk", flat=True))
        if failed[0] in ids:
            number = ids.index(failed[0]) // DUE_PAGE_SIZE + 1
    page = Paginator(projects, DUE_PAGE_SIZE).get_page(number)
    due = selectors.decisions_due(page.object_list)
    for f in due:
        form = failed[1] if failed and failed[0] == f.project.pk else None
        f.decision_form = form
        f.decision_error_outcome = form.data.get("d-outcome") if form else None
    context = {"due": due, "page_obj": page, "kill_reasons": PERSON_KILL_REASONS}
    card = next((f for f in due if f.project.pk == failed[0]), None) if failed else None
    if card is None:
        return render_page(request, "decisions/due.html", context, status=status)
    return render_page(
        request,
        "decisions/due.html",
        {**context, "f": card},
        partial="decisions/partials/due_card.html",
        status=status,
    )


class DecisionsDueView(LoginRequiredMixin, View):
    """The agenda of a decision meeting: every gate the person must decide, soonest first."""

    def get(self, request):
        return _due_response(request)


class TimelineView(ProjectScopedMixin, TemplateView):
    template_name = "decisions/timeline.html"

    def get_context_data(self, **kwargs):
        paginator = Paginator(timeline_page(self.project), settings.GATEHOUSE_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, events=hydrate(page.object_list), **kwargs)
