"""The single scoping rule of Gatehouse, and the guard that keeps views on it.

Every queryset is narrowed with ``scope(queryset, user, path)`` where ``path`` leads from the
model to its organisation ("pk" for an organisation, "organisation" for a project,
"project__organisation" for a gate…); ``scope_editable`` narrows to the organisations where
the user holds an editing role. Each model's ``visible_to`` / ``editable_by`` is one call to
these, and pages (``portfolio.views.mixins``) and the API (``portfolio.api.base``) read
through them.

This module imports no model at module level: ``portfolio.models`` builds its ``visible_to``
methods on it, so the membership subquery is looked up through the app registry when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import QuerySet

_QS = TypeVar("_QS", bound=QuerySet)


def _portfolio_models():
    """``portfolio.models``, once the app registry has loaded it (it imports this module)."""
    return apps.get_app_config("portfolio").models_module


def _may_read(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def _organisations_of(user, roles: Iterable[str] | None = None) -> list[int]:
    """The ids of the organisations ``user`` is a member of (with one of ``roles``): a literal
    list, read once per request with the user's roles (``member_roles``). A literal ``IN`` lets
    PostgreSQL plan with the organisation index instead of joining memberships on every list."""
    wanted = None if roles is None else set(roles)
    return sorted(
        org for org, role in member_roles(user).items() if wanted is None or role in wanted
    )


def scope(queryset: _QS, user, path: str) -> _QS:
    """Narrow ``queryset`` to rows whose organisation (reached through ``path``) the user may
    see: a member's organisations, every organisation for a partner, nothing for anyone else."""
    if not _may_read(user):
        return queryset.none()
    if user.is_partner:
        return queryset.all()
    return _in(queryset, path, _organisations_of(user))


def _in(queryset: _QS, path: str, organisation_ids: list[int]) -> _QS:
    if not organisation_ids:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": organisation_ids})


def scope_editable(queryset: _QS, user, path: str, *, roles: Iterable[str]) -> _QS:
    """Narrow ``queryset`` to rows in organisations where the user holds one of ``roles``
    (being a partner gives no editing role)."""
    if not _may_read(user):
        return queryset.none()
    return _in(queryset, path, _organisations_of(user, roles))


def member_roles(user) -> dict[int, str]:
    """{organisation id: role} of the user's memberships, read once per request (cached on the
    user object)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cache = getattr(user, "_gatehouse_roles", None)
    if cache is None:
        memberships = _portfolio_models().Membership._default_manager.filter(user=user)
        cache = dict(memberships.values_list("organisation_id", "role"))
        user._gatehouse_roles = cache
    return cache


def role_in(user, organisation_id: int) -> str | None:
    """The user's role in an organisation, or None (partners without membership have none)."""
    return member_roles(user).get(organisation_id)


def may_register_projects(user) -> bool:
    """True when the user may register a project somewhere: a PM of some organisation (read from
    the roles already loaded for the request, no query)."""
    return bool(_organisations_of(user, _portfolio_models().EDITING_ROLES))


def is_pm(user, organisation_id: int) -> bool:
    return role_in(user, organisation_id) == _portfolio_models().Role.PM


# --- The guard: a view base that scopes refuses subclasses that would read around it ----------


def unscoped_queryset(*, reason: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The one escape hatch from the scoping guard, for a method the guard protects
    (``get_queryset``…) that must not be narrowed by organisation. ``reason`` says why; it is
    read in review and kept on the method as ``unscoped_reason``::

        @unscoped_queryset(reason="only the caller's own user row: no organisation to scope by")
        def get_queryset(self): ...
    """
    if not isinstance(reason, str) or not reason.strip():
        raise TypeError("unscoped_queryset needs a reason: say why this read is not scoped.")

    def mark(method: Callable[..., Any]) -> Callable[..., Any]:
        setattr(method, "unscoped_reason", reason.strip())  # noqa: B010 - a function's attribute
        return method

    return mark


def refuse_overrides(cls: type, protected: dict[str, str]) -> None:
    """Called from ``__init_subclass__``: a TypeError at import when ``cls`` itself defines a
    ``protected`` method (name → what to do instead) without ``@unscoped_queryset``."""
    for name, instead in protected.items():
        method = cls.__dict__.get(name)
        if method is None or getattr(method, "unscoped_reason", None):
            continue
        raise TypeError(
            f"{cls.__module__}.{cls.__qualname__} overrides {name}(), which would read around "
            f"the organisation scope. {instead} If this read really must not be scoped, mark "
            f'it @unscoped_queryset(reason="…").'
        )
