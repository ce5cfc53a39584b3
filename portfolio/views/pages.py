"""The home page, the organisation switcher and the health probe."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import DatabaseError, connection
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from portfolio.context_processors import SESSION_ORG_KEY, current_organisation
from portfolio.filters import several_organisations
from portfolio.htmx import redirect_after_post
from portfolio.models import (
    Organisation,
    Project,
    Stage,
    WorkerHeartbeat,
    people_attach,
)
from portfolio.panels import home_panels, project_badges
from portfolio.scoping import may_register_projects, member_roles

MY_PROJECTS_SHOWN = 20


class HomeView(LoginRequiredMixin, TemplateView):
    """What matters to the signed-in person: their projects, the stage counts, app panels."""

    template_name = "portfolio/home.html"

    def get(self, request, *args, **kwargs):
        # A partner who belongs to no organisation comes for the firm-wide view: the portfolio
        # dashboard is their landing page (after login too: LOGIN_REDIRECT_URL is this page).
        user = request.user
        if user.is_partner and not member_roles(user):
            return redirect(reverse("decisions:dashboard"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        organisation = current_organisation(self.request)
        visible = Project.objects.visible_to(user)
        if organisation is not None:
            visible = visible.filter(organisation=organisation)
        # What needs attention first: projects in flight by their next deadline (overdue ones
        # on top, undated ones after), then those in production, then the graveyard.
        mine = list(
            visible.named(user)
            .select_related("organisation")
            .with_states()
            .annotate(
                in_flight=Case(
                    When(stage__in=[Stage.PROPOSED, Stage.POC, Stage.PILOT], then=Value(0)),
                    When(stage=Stage.PRODUCTION, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("in_flight", F("next_due").asc(nulls_last=True), "-updated_at", "-id")[
                : MY_PROJECTS_SHOWN + 1
            ]
        )
        project_badges.attach(people_attach(mine[:MY_PROJECTS_SHOWN]))
        counts = dict(visible.values_list("stage").annotate(n=Count("id")).order_by())
        stage_counts = [(value, label, counts.get(value, 0)) for value, label in Stage.choices]
        return super().get_context_data(
            organisation=organisation,
            my_projects=mine[:MY_PROJECTS_SHOWN],
            more_projects=len(mine) > MY_PROJECTS_SHOWN,
            stage_counts=stage_counts,
            total_projects=sum(counts.values()),
            can_create=may_register_projects(user),
            one_organisation=not several_organisations(self.request),
            panels=home_panels.render(self.request),
            **kwargs,
        )


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Remember which organisation the person works in; empty means all they can see."""
    raw = request.POST.get("organisation", "")
    if raw == "":
        request.session.pop(SESSION_ORG_KEY, None)
    else:
        try:
            pk = int(raw)
        except ValueError:
            raise Http404("No such organisation.") from None
        organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
        request.session[SESSION_ORG_KEY] = organisation.pk
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "portfolio:home"
    return redirect_after_post(request, target)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the database answers; when the background worker last checked in."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = WorkerHeartbeat.objects.filter(name="worker").first()
    except DatabaseError:
        return JsonResponse({"database": "error", "worker_last_seen": None}, status=503)
    return JsonResponse(
        {"database": "ok", "worker_last_seen": beat.beat_at.isoformat() if beat else None}
    )
