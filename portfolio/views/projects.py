"""Project pages: list with filters, detail, create, edit, and the owner choices fragment."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from portfolio import services
from portfolio.context_processors import current_organisation
from portfolio.filters import ProjectFilter, several_organisations
from portfolio.forms import ProjectForm, add_service_errors
from portfolio.hooks import project_states
from portfolio.htmx import FORM_INVALID, htmx_partial, redirect_after_post, render_page
from portfolio.models import OWNER_FIELDS, Organisation, Project, Stage, people_attach
from portfolio.pagination import IdsFirstPaginator
from portfolio.panels import project_badges, project_panels
from portfolio.scoping import is_pm, may_register_projects
from portfolio.views.mixins import ProjectScopedMixin

# Stages sort in the order a project lives them (proposed, PoC, pilot, production), the killed
# after them, not by their names ("killed" before "poc").
LIFECYCLE = Case(
    *(When(stage=s, then=Value(n)) for n, s in enumerate(Stage)),
    output_field=IntegerField(),
)

# The list's sortable columns: ?sort=<key> ascending, ?sort=-<key> descending. Ties go newest
# first, so pages never overlap. Without a sort: the latest activity first.
SORTS = {
    "name": (Lower("name"),),
    "organisation": (Lower("organisation__name"), Lower("name")),
    "stage": (LIFECYCLE,),
    "deadline": ("next_due",),
    "activity": ("updated_at",),
}


# The same sorts as a list to choose from (phones, where the column headers are not shown);
# "" is the default, the latest activity first.
SORT_CHOICES = (
    ("", "Last activity, newest first"),
    ("activity", "Last activity, oldest first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("organisation", "Organisation, A to Z"),
    ("-organisation", "Organisation, Z to A"),
    ("stage", "Stage, proposed first"),
    ("-stage", "Stage, killed first"),
    ("deadline", "Next deadline, soonest first"),
    ("-deadline", "Next deadline, latest first"),
)


def sort_order(raw: str) -> tuple[str, tuple]:
    """(the sort the page shows, the ORDER BY) for ``?sort=``; anything unknown is the default."""
    key = raw.removeprefix("-")
    if key not in SORTS:
        return "", ("-updated_at", "-id")
    descending = raw.startswith("-")
    columns = (F(f) if isinstance(f, str) else f for f in SORTS[key])
    order = tuple(
        c.desc(nulls_last=True) if descending else c.asc(nulls_last=True) for c in columns
    )
    return raw, (*order, "-id")


class ProjectListView(LoginRequiredMixin, View):
    """All projects the visitor may see, filtered and sorted; an htmx request gets only the
    results. The URL holds the whole view: the organisation switched to in the header is put
    into it (a redirect), so a shared link shows the same list to everyone who may see it."""

    template_name = "portfolio/project_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        data = request.GET.copy()
        switched = current_organisation(request)
        if "organisation" not in data and switched is not None and not htmx_partial(request):
            data["organisation"] = str(switched.pk)
            return redirect(f"{request.path}?{data.urlencode()}")
        sort, order = sort_order(data.get("sort", ""))
        # The page's people come in one query (people_attach), not five joins per row.
        projects = Project.objects.visible_to(request.user).select_related("organisation")
        projects = projects.with_states()
        project_filter = ProjectFilter(data, queryset=projects, request=request)
        paginator = IdsFirstPaginator(
            project_filter.qs.order_by(*order), settings.GATEHOUSE_PAGE_SIZE
        )
        page = paginator.get_page(request.GET.get("page"))
        rows = project_badges.attach(people_attach(page.object_list))
        # Someone who sees one organisation needs no column repeating its name.
        one_organisation = not several_organisations(request)
        context = {
            "filter": project_filter,
            "page_obj": page,
            "sort": sort,
            "sort_choices": [c for c in SORT_CHOICES if "organisation" not in c[0]]
            if one_organisation
            else SORT_CHOICES,
            "show_kill_reason": any(p.kill_reason for p in rows),
            "one_organisation": one_organisation,
            "projects": rows,
            "today": timezone.localdate(),
            "narrowed": project_filter.narrowing(),
            "drilldown": project_filter.drilldown_chips(),
            "can_create": may_register_projects(request.user),
        }
        if htmx_partial(request):
            # The owner choices follow the organisation filter: swap them in out of band.
            project_filter.form.fields["owner"].widget.attrs["hx-swap-oob"] = "true"
            context["owner_choices_oob"] = True
        return render_page(request, self.template_name, context, partial="results")


class ProjectDetailView(ProjectScopedMixin, TemplateView):
    template_name = "portfolio/project_detail.html"
    project_with_states = True

    def get_context_data(self, **kwargs):
        project = self.project
        states = {f: getattr(project, f) for f in project_states.FIELDS}
        return super().get_context_data(
            states=states,
            stage_changes=list(project.stage_changes.select_related("changed_by")),
            can_edit=services.can_edit_project(self.request.user, project),
            panels=project_panels.render(self.request, project),
            **kwargs,
        )


class ProjectCreateView(LoginRequiredMixin, View):
    """Register a project. Only PMs; the organisation list holds only their PM organisations."""

    template_name = "portfolio/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not may_register_projects(request.user):
            raise PermissionDenied("Only a PM can register a project.")
        return super().dispatch(request, *args, **kwargs)

    def _default_organisation_id(self) -> int | None:
        editable = list(
            Organisation.objects.editable_by(self.request.user)
            .taking_projects()
            .values_list("pk", flat=True)
        )
        switched = current_organisation(self.request)
        if switched is not None and switched.pk in editable:
            return switched.pk
        return editable[0] if len(editable) == 1 else None

    def get(self, request: HttpRequest) -> HttpResponse:
        organisation_id = self._default_organisation_id()
        initial = {"organisation": organisation_id}
        if organisation_id:
            initial["pm"] = request.user.pk
        form = ProjectForm(user=request.user, initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProjectForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                project = services.project_create(
                    organisation=form.cleaned_data["organisation"],
                    by=request.user,
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"“{project.name}” is registered. Next: its charter.")
                return redirect_after_post(request, project)
        return render(request, self.template_name, {"form": form}, status=FORM_INVALID)


class ProjectEditView(ProjectScopedMixin, View):
    permission = services.can_edit_project
    template_name = "portfolio/project_form.html"

    def get(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        form = ProjectForm(
            user=request.user, project=self.project, initial=ProjectForm.initial_for(self.project)
        )
        return render(request, self.template_name, {"form": form, "project": self.project})

    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        form = ProjectForm(request.POST, user=request.user, project=self.project)
        if form.is_valid():
            try:
                project = services.project_update(
                    project=self.project, by=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Project saved.")
                return redirect_after_post(request, project)
        return render(
            request,
            self.template_name,
            {"form": form, "project": self.project},
            status=FORM_INVALID,
        )


class OwnerOptionsView(LoginRequiredMixin, View):
    """The owner selects for one organisation: the create form swaps them in when it changes."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            organisation_pk = int(request.GET.get("organisation", ""))
        except ValueError:
            raise Http404("No such organisation.") from None
        organisation = get_object_or_404(
            Organisation.objects.visible_to(request.user), pk=organisation_pk
        )
        if not is_pm(request.user, organisation.pk):
            raise PermissionDenied("Only a PM of this organisation can register projects in it.")
        initial = {"organisation": organisation.pk}
        for field in OWNER_FIELDS:
            value = request.GET.get(field)
            if value and value.isdigit():
                initial[field] = int(value)
        form = ProjectForm(user=request.user, initial=initial)
        return render(request, "portfolio/project_form.html#owner-fields", {"form": form})
