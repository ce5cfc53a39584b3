"""What other apps do when the portfolio creates a project, inside the same transaction.

Not a signal: ``portfolio.services.project_create`` calls the registered functions by name, so
a reader of the service sees that something follows. An app registers in ``AppConfig.ready()``::

    from portfolio.hooks import project_created
    project_created.register("gate", lambda *, project, by: gate_open(project=project, by=by))
"""

from __future__ import annotations

from collections.abc import Callable


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
