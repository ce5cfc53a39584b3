"""The one way a page finds the project it is about. Fails closed: a foreign project is a 404."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from portfolio.models import Project
from portfolio.scoping import role_in


class ProjectScopedMixin(LoginRequiredMixin):
    """Resolves ``self.project`` from the URL through ``Project.objects.visible_to``.

    ``allowed_roles``: None means anyone who may see the project (members and partners);
    otherwise the membership roles that may use this page — others get 403.
    """

    project_url_kwarg = "project_pk"
    allowed_roles: frozenset[str] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.project = get_object_or_404(
            Project.objects.visible_to(request.user).with_people(),
            pk=kwargs[self.project_url_kwarg],
        )
        if self.allowed_roles is not None and (
            role_in(request.user, self.project.organisation_id) not in self.allowed_roles
        ):
            raise PermissionDenied("Your role in this organisation does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, **kwargs)
