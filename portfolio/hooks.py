"""What other apps do when the portfolio creates a project or moves its dates, inside the same
transaction; and the derived states other apps define for projects.

Not signals: ``portfolio.services`` calls the registered functions by name, so a reader of the
service sees that something follows. An app registers in ``AppConfig.ready()``::

    from portfolio.hooks import project_created
    project_created.register("gate", lambda *, project, by: gate_open(project=project, by=by))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class HookRegistry:
    def __init__(self) -> None:
        self._hooks: dict[str, Callable[..., object]] = {}

    def register(self, key: str, fn: Callable[..., object]) -> None:
        self._hooks[key] = fn

    def run(self, **kwargs) -> None:
        for fn in self._hooks.values():  # in the order the apps registered them
            fn(**kwargs)


# Called with project=<the new project>, by=<who registered it>.
project_created = HookRegistry()


# Called with project=<the project whose dates moved>, by=<who moved them>, changed=<the date
# fields that changed>. The decisions app moves the open gate's due date with them.
project_schedule_changed = HookRegistry()


class StatesRegistry:
    """The derived states of projects (DOMAIN.md "Derived states": overdue, stalled, kill
    condition status, kill pending) as annotations of a project queryset.

    They are computed from gates, the approved charter and measurements, which the portfolio
    does not know; the decisions app defines them once (``decisions.states``) and registers the
    function here, so portfolio pages and the API annotate through
    ``Project.objects.with_states()`` without importing a higher app."""

    FIELDS = (
        "gate_due",
        "next_due",
        "kill_status",
        "kill_pending",
        "overdue",
        "stalled",
    )

    def __init__(self) -> None:
        self._annotate: Callable[..., object] | None = None
        self._refresh: Callable[..., object] | None = None

    def register(self, fn: Callable[..., object], *, refresh: Callable[..., object]) -> None:
        self._annotate = fn
        self._refresh = refresh

    def annotate(self, queryset, *, today=None):
        if self._annotate is None:  # pragma: no cover - the decisions app registers it
            raise RuntimeError("No app registered the derived states of projects.")
        return self._annotate(queryset, today=today)

    def refresh(self, *, project_ids=None) -> None:
        """Store the states' inputs again on these projects (all without ``project_ids``): for a
        service of a lower app that changed one — a stage, an approved charter."""
        if self._refresh is None:  # pragma: no cover - the decisions app registers it
            raise RuntimeError("No app registered the derived states of projects.")
        self._refresh(project_ids=project_ids)


project_states = StatesRegistry()


@dataclass(frozen=True)
class ProjectFilterSpec:
    """A filter of the project list that the dashboard's numbers drill into (``?started=…``).

    ``apply(queryset, value, today)`` narrows a project queryset to what ``value`` names and
    raises ``ValueError`` for a value it does not understand; ``describe(value)`` says it in
    words for the chip that shows it on the list."""

    name: str
    apply: Callable[..., object]
    describe: Callable[[str], str]


class ProjectFilterRegistry:
    """Drill-down filters of the project list, registered by the app that knows their rows
    (portfolio: the milestones; decisions: gates and extensions; charters: goalposts and risk
    flags), so ``/projects/?…`` reproduces any number of the dashboard."""

    def __init__(self) -> None:
        self._specs: dict[str, ProjectFilterSpec] = {}

    def register(self, spec: ProjectFilterSpec) -> None:
        self._specs[spec.name] = spec

    def __iter__(self):
        return iter(self._specs.values())

    def get(self, name: str) -> ProjectFilterSpec | None:
        return self._specs.get(name)


project_filters = ProjectFilterRegistry()
