"""Contract cases for every portfolio page (tests/contract.py explains the four visitors)."""

from portfolio.services import token_create
from tests.contract import Route


def _project_data(w) -> dict:
    return {
        "organisation": w.org.pk,
        "name": "Contract project",
        "summary": "Written by the contract.",
        "pm": w.pm.pk,
        "decision_maker": w.executive.pk,
        "business_owner": w.executive.pk,
        "timebox_start": "2030-01-06",
        "timebox_end": "2030-02-17",
        "decision_date": "2030-02-20",
    }


def _pm_token(w) -> dict:
    token, _ = token_create(user=w.pm, name="Contract token")
    return {"token_pk": token.pk}


ROUTES = [
    # Every page lists the visitor's organisations in its switcher.
    Route("portfolio:home", scoped=False, lists=("projects", "organisations")),
    Route("profile", scoped=False, lists=("memberships", "organisations")),
    Route("password_change", scoped=False, lists="organisations"),
    # A wrong old password: the form answers with its error and changes nothing.
    Route(
        "password_change",
        method="post",
        data=lambda w: {
            "old_password": "not-my-password",
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
        scoped=False,
    ),
    Route("password_change_done", scoped=False, lists="organisations"),
    Route(
        "token-create",
        method="post",
        data=lambda w: {"name": "CI harness", "scope": "read", "expiry": "30"},
        scoped=False,
    ),
    # The outsider's token lookup goes through request.user.tokens: someone else's token is a
    # 404 for every other visitor (asserted in test_views), so only its owner is "allowed".
    Route(
        "token-revoke",
        method="post",
        kwargs=_pm_token,
        allowed=("pm",),
        forbidden=(),
    ),
    Route(
        "portfolio:switch-organisation",
        method="post",
        data=lambda w: {"organisation": w.org.pk},
    ),
    Route(
        "portfolio:project-list",
        scoped=False,
        lists=("projects", "organisations", "memberships"),  # the owner filter offers members
    ),
    Route(
        "portfolio:project-detail",
        kwargs=lambda w: {"project_pk": w.project.pk},
        lists=("gates", "criteria", "measurements", "decisions", "charters"),
    ),
    # Creating is not about an existing object: a foreign organisation id in the POST is a
    # field error, asserted in test_views.
    Route(
        "portfolio:project-create",
        allowed=("pm",),
        forbidden=("executive", "viewer", "partner"),
        scoped=False,
        lists=("organisations", "memberships"),
    ),
    Route(
        "portfolio:project-create",
        method="post",
        data=_project_data,
        allowed=("pm",),
        forbidden=("executive", "viewer", "partner"),
        scoped=False,
    ),
    Route(
        "portfolio:owner-options",
        data=lambda w: {"organisation": w.org.pk},
        allowed=("pm",),
        forbidden=("executive", "viewer", "partner"),
        lists="memberships",
    ),
    Route(
        "portfolio:project-edit",
        kwargs=lambda w: {"project_pk": w.project.pk},
        allowed=("pm",),
        forbidden=("executive", "viewer", "partner"),
        lists="memberships",  # the owner choices
    ),
    Route(
        "portfolio:project-edit",
        method="post",
        kwargs=lambda w: {"project_pk": w.project.pk},
        data=lambda w: {k: v for k, v in _project_data(w).items() if k != "organisation"},
        allowed=("pm",),
        forbidden=("executive", "viewer", "partner"),
    ),
]
