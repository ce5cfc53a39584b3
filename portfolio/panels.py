"""Sections other apps add to the project page and the home page, and badges on list rows.

An app registers a panel in its ``AppConfig.ready()``::

    from portfolio.panels import project_panels
    project_panels.register("charter", order=10, template="charters/partials/project_panel.html",
                            context=lambda request, project: {...})

The project page renders each registered panel with its template and the dict its ``context``
function returns (plus ``project`` and ``request``). Home panels receive ``(request)`` only.
Context functions must run a fixed number of queries, whatever the number of rows.

Badges are the short flags a project row carries in lists (risk flags, goalposts moved)::

    from portfolio.panels import project_badges
    project_badges.register("goalposts", order=10, badges=lambda projects: {pk: [Badge(...)]})

``badges`` receives the projects of one page and must answer in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    template: str
    context: Callable[..., dict[str, Any] | None]


class PanelRegistry:
    def __init__(self) -> None:
        self._panels: dict[str, Panel] = {}

    def register(self, key: str, *, template: str, context: Callable, order: int = 50) -> None:
        self._panels[key] = Panel(key=key, order=order, template=template, context=context)

    def render(self, request, *args) -> list[tuple[str, str]]:
        """[(key, html)] in order. A panel whose context function returns None is left out."""
        out: list[tuple[str, str]] = []
        for panel in sorted(self._panels.values(), key=lambda p: (p.order, p.key)):
            ctx = panel.context(request, *args)
            if ctx is None:
                continue
            base = {"request": request}
            if args:
                base["project"] = args[0]
            out.append((panel.key, render_to_string(panel.template, {**base, **ctx}, request)))
        return out


project_panels = PanelRegistry()
home_panels = PanelRegistry()


@dataclass(frozen=True)
class Badge:
    label: str
    tone: str = "warning"  # warning | danger | info | muted | success
    title: str = ""  # the longer explanation, shown on hover and read by screen readers
    testid: str = ""


class BadgeRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, tuple[int, Callable]] = {}

    def register(self, key: str, *, badges: Callable, order: int = 50) -> None:
        self._sources[key] = (order, badges)

    def attach(self, projects) -> list:
        """Set ``project.badges`` on each project of ``projects`` (a page) and return them."""
        projects = list(projects)
        for project in projects:
            project.badges = []
        if not projects:
            return projects
        for _key, (_order, source) in sorted(self._sources.items(), key=lambda kv: kv[1][0]):
            found = source(projects)
            for project in projects:
                project.badges.extend(found.get(project.pk, ()))
        return projects


project_badges = BadgeRegistry()
