"""The cross-organisation contract cases of the portfolio API (/api/v1/)."""

from portfolio.models import Membership
from tests.contract import ROLES, Route

EDITORS = ("pm",)
NOT_EDITORS = ("executive", "viewer", "partner")


def _project(w):
    return {"pk": w.project.pk}


def _pm_membership(w):
    return {"pk": Membership.objects.get(user=w.pm, organisation=w.org).pk}


ROUTES = [
    # About the caller: nothing foreign to find.
    Route(name="api:me-list", api=True, scoped=False, lists="organisations"),
    # Lists answer 200 to everyone with what they may see; what that is is tested in test_api.
    Route(name="api:organisation-list", api=True, scoped=False, lists="organisations"),
    Route(name="api:membership-list", api=True, scoped=False, lists="memberships"),
    Route(name="api:project-list", api=True, scoped=False, lists="projects"),
    Route(name="api:organisation-detail", kwargs=lambda w: {"pk": w.org.pk}, api=True),
    Route(name="api:membership-detail", kwargs=_pm_membership, api=True),
    Route(name="api:project-detail", kwargs=_project, api=True, allowed=ROLES),
    # Creating in world.org: the outsider is answered 400 "unknown organisation" and nothing is
    # created (a dedicated test in test_api.py), so it is not a 404 case here.
    Route(
        name="api:project-list",
        method="post",
        data=lambda w: {"organisation": w.org.pk, "name": "Contract probe"},
        api=True,
        scoped=False,
        allowed=EDITORS,
        forbidden=NOT_EDITORS,
        label="POST api:project-list (create)",
    ),
    Route(
        name="api:project-detail",
        kwargs=_project,
        method="patch",
        data=lambda w: {"summary": "Changed through the contract"},
        api=True,
        allowed=EDITORS,
        forbidden=NOT_EDITORS,
    ),
    Route(
        name="api:project-detail",
        kwargs=_project,
        method="put",
        data=lambda w: {"name": "Renamed through the contract"},
        api=True,
        allowed=EDITORS,
        forbidden=NOT_EDITORS,
    ),
]
