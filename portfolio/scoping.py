"""The single scoping rule of Gatehouse.

``visible_organisations(user)`` says which organisations a person may read; every other
queryset is narrowed with ``scope(queryset, user, path)`` where ``path`` leads from the model
to its organisation ("organisation" for a project, "project__organisation" for a charter…).
Pages (``portfolio.views.mixins``) and the API (``portfolio.api.base``) only ever call these.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import EDITING_ROLES, Membership, Organisation, Role


def visible_organisations(user) -> QuerySet[Organisation]:
    return Organisation.objects.visible_to(user)


def scope(queryset: QuerySet, user, path: str) -> QuerySet:
    """Narrow ``queryset`` to rows whose organisation (reached through ``path``) the user may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_partner:
        return queryset
    member_of = Membership.objects.filter(user=user).values("organisation_id")
    return queryset.filter(**{f"{path}__in": member_of})


def scope_editable(queryset: QuerySet, user, path: str, roles=EDITING_ROLES) -> QuerySet:
    """Narrow ``queryset`` to rows in organisations where the user holds one of ``roles``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    member_of = Membership.objects.filter(user=user, role__in=list(roles)).values("organisation_id")
    return queryset.filter(**{f"{path}__in": member_of})


def role_in(user, organisation_id: int) -> str | None:
    """The user's role in an organisation, or None (partners without membership have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = getattr(user, "_gatehouse_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._gatehouse_roles = cache
    return cache.get(organisation_id)


def is_pm(user, organisation_id: int) -> bool:
    return role_in(user, organisation_id) == Role.PM


def is_executive(user, organisation_id: int) -> bool:
    return role_in(user, organisation_id) == Role.EXECUTIVE
