"""The demo portfolio: a firm of a dozen organisations with a believable spread of AI PoCs.

- ``portfolio.demo.data``: the story as data — organisations, featured logins, names, project
  ideas, kill reasons, the seed and the published password. Pure Python, no Django.
- ``portfolio.demo.build``: the builder — ``plan()`` (the seeded plan), ``build()`` (writes it
  through the services and the named hatches of ``portfolio.querysets``), ``DemoResult`` (what
  ``manage.py load_demo`` hands to every app's ``demo.extend(result)``) and ``extenders()``.

The names other modules use are re-exported here. Importing this package imports nothing from
Django (neither submodule does at module level), so ``scripts/run_demo.py`` can read
``DEMO_LOGINS`` and ``DEMO_PASSWORD`` without setting Django up; a test keeps it so.

``portfolio.demo.build`` is the function ``build()``, not the submodule of that name: the import
below rebinds it. ``from portfolio.demo.build import plan`` still reaches the submodule.
"""

from __future__ import annotations

from .build import DemoPlan, DemoProject, DemoResult, ProjectPlan, build, extenders, plan
from .data import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    DEMO_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    FEATURED_PEOPLE,
    ORGANISATIONS,
    SEED,
    OrgSpec,
    PersonSpec,
    format_logins,
)

__all__ = [
    "ADMIN_EMAIL",
    "ADMIN_NAME",
    "DEMO_DOMAIN",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "FEATURED_PEOPLE",
    "ORGANISATIONS",
    "SEED",
    "DemoPlan",
    "DemoProject",
    "DemoResult",
    "OrgSpec",
    "PersonSpec",
    "ProjectPlan",
    "build",
    "extenders",
    "format_logins",
    "plan",
]
