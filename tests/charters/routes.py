"""Every charter page and endpoint in the cross-organisation contract (tests/contract.py)."""

from __future__ import annotations

from charters import services
from tests.charters import helpers
from tests.contract import Route

READ = ("pm", "executive", "viewer", "partner")
EDIT = {"allowed": ("pm",), "forbidden": ("executive", "viewer", "partner")}
SIGN = {"allowed": ("executive",), "forbidden": ("pm", "viewer", "partner")}


def _project(w):
    return {"project_pk": w.project.pk}


def _draft(w):
    helpers.draft(w.project)
    return _project(w)


def _complete(w):
    helpers.complete_draft(w.project)
    return _project(w)


def _review(w):
    helpers.in_review(w.project)
    return _project(w)


def _signed(w):
    version, _ = helpers.in_review(w.project)
    services.charter_sign(version=version, by=w.executive)
    return _project(w)


def _approved(w):
    helpers.approved(w.project)
    return _project(w)


def _reviewed_by_viewer(w):
    """In review, with the organisation's viewer named as compliance reviewer."""
    version, _ = helpers.complete_draft(w.project)
    services.charter_save_section(
        version=version,
        section="compliance",
        data={"compliance_reviewer": w.viewer},
        by=w.pm,
    )
    services.charter_submit(version=version, by=w.pm)
    return _project(w)


def _row(w):
    version = helpers.draft(w.project)
    row = services.charter_add_row(
        version=version, kind="data_sources", data=helpers.DATA_SOURCE, by=w.pm
    )
    return {"project_pk": w.project.pk, "kind": "data_sources", "row_pk": row.pk}


def _version(make):
    def kwargs(w):
        make(w)
        return {"pk": w.project.charter.versions.order_by("-number").first().pk}

    return kwargs


def _charter(make):
    def kwargs(w):
        make(w)
        return {"pk": w.project.charter.pk}

    return kwargs


ROUTES = [
    # Pages
    Route("charters:signoffs", scoped=False, lists=("charter versions", "charters")),
    Route("charters:detail", kwargs=_project, label="GET charters:detail (no charter)"),
    Route(
        "charters:detail",
        kwargs=_approved,
        label="GET charters:detail (approved)",
        lists=("charter versions", "signatures"),
    ),
    Route("charters:start", kwargs=_project, method="post", **EDIT),
    Route("charters:edit", kwargs=_draft, lists="memberships", **EDIT),  # people to name
    Route(
        "charters:section",
        kwargs=lambda w: {**_draft(w), "section": "problem"},
        method="post",
        data=lambda w: {"problem-problem": "Slow triage"},
        **EDIT,
    ),
    Route(
        "charters:row-add",
        kwargs=lambda w: {**_draft(w), "kind": "integrations"},
        method="post",
        data=lambda w: {"integrations-system": "ERP", "integrations-direction": "read"},
        **EDIT,
    ),
    Route("charters:row-remove", kwargs=_row, method="post", **EDIT),
    Route("charters:submit", kwargs=_complete, method="post", **EDIT),
    Route("charters:sign", kwargs=_review, label="GET charters:sign", lists="signatures"),
    Route("charters:sign", kwargs=_review, method="post", **SIGN),
    Route(
        "charters:request-changes",
        kwargs=_review,
        method="post",
        data=lambda w: {"comment": "Name a production owner who agreed."},
        allowed=("pm", "executive"),
        forbidden=("viewer", "partner"),
    ),
    Route("charters:withdraw", kwargs=_signed, method="post", **SIGN),
    Route("charters:amend", kwargs=_approved, method="post", **EDIT),
    Route("charters:history", kwargs=_approved, lists="charter versions"),
    Route(
        "charters:compliance-review",
        kwargs=_reviewed_by_viewer,
        method="post",
        data=lambda w: {"version": "1", "note": "Residency checked."},
        allowed=("viewer",),
        forbidden=("pm", "executive", "partner"),
    ),
    # API
    Route("api:charter-list", api=True, scoped=False, lists="charters"),
    Route(
        "api:charter-list",
        method="post",
        api=True,
        data=lambda w: {"project": w.project.pk},
        label="POST api:charter-list (start)",
        **EDIT,
    ),
    Route("api:charter-detail", kwargs=_charter(_draft), api=True),
    Route("api:charter-amend", kwargs=_charter(_approved), method="post", api=True, **EDIT),
    Route("api:charter-version-list", api=True, scoped=False, lists="charter versions"),
    Route("api:charter-version-detail", kwargs=_version(_draft), api=True),
    Route(
        "api:charter-version-detail",
        kwargs=_version(_draft),
        method="patch",
        data=lambda w: {"problem": "Slow triage", "metric_unit": "%"},
        api=True,
        label="PATCH api:charter-version-detail",
        **EDIT,
    ),
    Route(
        "api:charter-version-submit", kwargs=_version(_complete), method="post", api=True, **EDIT
    ),
    Route("api:charter-version-sign", kwargs=_version(_review), method="post", api=True, **SIGN),
    Route(
        "api:charter-version-withdraw-signature",
        kwargs=_version(_signed),
        method="post",
        api=True,
        **SIGN,
    ),
    Route(
        "api:charter-version-request-changes",
        kwargs=_version(_review),
        method="post",
        api=True,
        data=lambda w: {"comment": "Name a production owner who agreed."},
        allowed=("pm", "executive"),
        forbidden=("viewer", "partner"),
    ),
    Route("api:charter-version-signatures", kwargs=_version(_signed), api=True, lists="signatures"),
    Route(
        "api:charter-version-compliance-review",
        kwargs=_version(_reviewed_by_viewer),
        method="post",
        api=True,
        data=lambda w: {"note": "Residency checked."},
        allowed=("viewer",),
        forbidden=("pm", "executive", "partner"),
    ),
]
