"""The one way a page finds the project it is about. Fails closed: a foreign project is a 404."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from portfolio.models import Project
from portfolio.scoping import refuse_overrides


class ProjectScopedMixin(LoginRequiredMixin):
    """Resolves ``self.project`` from the URL through ``Project.objects.visible_to``.

    ``permission``: None means anyone who may see the project (members and partners);
    otherwise the predicate of the act the page performs (``can_edit_project``,
    ``decisions.permissions.can_mark_criterion``…) — the same one the service and the button
    use; whoever it refuses gets 403.

    A subclass that defines ``get_project`` (how the project is looked up), ``get_queryset``
    or ``get_object`` is a TypeError at import, unless the method is marked
    ``@unscoped_queryset(reason="…")`` (``portfolio.scoping``): the one, named escape hatch.
    """

    project_url_kwarg = "project_pk"
    permission: Callable[[object, Project], bool] | None = None
    # True: the project comes with its derived states (``with_states``), read in the same query
    # for a page that shows them (its panels then read them from the row, not again).
    project_with_states = False

    PROTECTED = {
        "get_project": "Use self.project: it is already looked up through the scope.",
        "get_queryset": "Start from self.project (or a visible_to queryset) instead.",
        "get_object": "Look the object up among self.project's rows instead.",
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        refuse_overrides(cls, ProjectScopedMixin.PROTECTED)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.project = self.get_project()
        permission = type(self).permission
        if permission is not None and not permission(request.user, self.project):
            raise PermissionDenied("Your role in this organisation does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_project(self) -> Project:
        projects = Project.objects.visible_to(self.request.user).with_people()
        if self.project_with_states:
            projects = projects.with_states()
        return get_object_or_404(projects, pk=self.kwargs[self.project_url_kwarg])

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, **kwargs)
