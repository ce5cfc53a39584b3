"""The cross-organisation contract (STYLE.md): every route, four kinds of visitor.

Each app lists its routes in ``tests/<app>/routes.py`` as ``ROUTES = [Route(...), ...]``.
``tests/test_contract.py`` runs, for every route:

- anonymous            → a login redirect (pages) or 401 (API);
- a PM of another org  → 404, and no row anywhere changed;
- each ``allowed`` role → below 400 — and a GET changes no row (a read never writes; the one
  exemption is Django's session table, outside these counts: a signed-in session's last-seen
  time is rewritten at most every SESSION_ACTIVITY_RESOLUTION, portfolio/sessions.py);
- each ``forbidden`` role → 403, and no row changed;

and, for every route that ``lists`` rows, in a world where the other organisation has rows of
every kind: each allowed role of ``org`` (partners see everything, so not them) never sees one
of the other organisation's rows in the body — by id in the API's ``results``, by a name or
text only that row carries elsewhere.

It fails when a URL (or a method a class-based view of it answers) has no route case and no
``EXEMPT`` entry, and when a list — a GET of an ``*-list`` endpoint or of a URL without an
object in it — does not say what it ``lists``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

ROLES = ("pm", "executive", "viewer", "partner")

# What a route can list. tests/test_contract.py gives the other organisation rows of each kind.
LIST_KINDS = (
    "organisations",
    "memberships",
    "projects",
    "gates",
    "criteria",
    "measurements",
    "decisions",
    "charters",
    "charter versions",
    "signatures",
    "events",  # a project's timeline
    "reminders",  # notifications: a person's own, and a project's reminder history
)


@dataclass
class World:
    """The people and objects every route case can use. ``project`` belongs to ``org``."""

    org: Any
    other_org: Any
    pm: Any
    executive: Any
    viewer: Any
    partner: Any
    outsider: Any
    project: Any
    extra: dict = field(default_factory=dict)

    def person(self, role: str):
        return getattr(self, role)


@dataclass
class Route:
    name: str
    kwargs: Callable[[World], dict] = lambda w: {}
    method: str = "get"
    data: Callable[[World], dict] | None = None
    allowed: tuple[str, ...] = ROLES
    forbidden: tuple[str, ...] = ()
    api: bool = False
    # False for routes about the visitor themself (profile, home): there is no foreign object.
    scoped: bool = True
    # Routes whose "allowed" answer depends on state the generic world cannot give (e.g. a POST
    # that only the named decision-maker may make) can say so; they are still checked for
    # anonymous and foreign visitors.
    label: str = ""
    # The kinds of rows the answer lists (``LIST_KINDS``): "projects", "gates"… For an API list
    # the first kind is the kind of its ``results``.
    lists: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.lists, str):
            self.lists = (self.lists,)
        unknown = set(self.lists) - set(LIST_KINDS)
        assert not unknown, f"{self}: unknown kinds {unknown}; add them to LIST_KINDS"

    def __str__(self) -> str:
        return self.label or f"{self.method.upper()} {self.name}"


# URL names deliberately outside the contract, with the reason.
EXEMPT = {
    "login": "public: the login page",
    "logout": "ends the visitor's own session",
    "password_reset": "public: asks for a reset email",
    "password_reset_done": "public confirmation page",
    "password_reset_confirm": "public: guarded by the one-time token in the URL",
    "password_reset_complete": "public confirmation page",
    # No organisation's data, so no "other organisation" case; outside the demo anonymous
    # callers get a 401 / the login page: tests/test_api_docs_access.py.
    "api-schema": "description of the API, no data; login or token outside the demo",
    "api-docs": "Swagger UI, no data; login outside the demo",
    "api:api-root": "DRF's index of endpoint addresses, no data",
    "portfolio:healthz": "liveness probe, no data",
    # No login — the secret in its URL is the credential, as with a password reset link — so
    # it cannot answer anonymous visitors with a login redirect. tests/decisions/test_calendar.py
    # shows an unknown, revoked or replaced secret is a 404 and the feed never names a project
    # its owner may not see.
    "decisions:calendar-feed": "public: guarded by the secret in the URL",
}


def row_counts() -> dict[str, int]:
    """Rows in every Gatehouse table, plus each project's last update: 'nothing changed'."""
    counts: dict[str, Any] = {}
    for app_label in ("portfolio", "charters", "decisions"):
        for model in apps.get_app_config(app_label).get_models():
            counts[model._meta.label] = model._default_manager.count()
    project_model = apps.get_model("portfolio", "Project")
    counts["project-updates"] = sorted(
        project_model.objects.values_list("id", "updated_at", "name")
    )
    return counts
