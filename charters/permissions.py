"""Who may do what with a charter: one predicate per act, used by the views, the panels that
show the buttons, the services and the API alike."""

from __future__ import annotations

from portfolio.models import Project
from portfolio.scoping import is_pm, role_in

from . import selectors
from .models import CharterVersion, Status

CANNOT_EDIT = "Only a PM of this organisation or the project's PM can do this."
CANNOT_SIGN = "Only the people named as signers of this version can sign it."
SIGNER_NOT_MEMBER = "Signers must be members of the project's organisation."


def can_edit_charter(user, project: Project) -> bool:
    """Edit a draft, submit, amend, add or remove rows: a PM of the organisation, or the
    project's named PM while a member of it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_pm(user, project.organisation_id):
        return True
    return project.pm_id == user.pk and role_in(user, project.organisation_id) is not None


def can_sign(user, version: CharterVersion) -> bool:
    """Sign a version in review: a person it names as a required signer who has not signed yet
    and is a member of the organisation."""
    return (
        version.status == Status.IN_REVIEW
        and bool(selectors.roles_to_sign(version, user))
        and role_in(user, version.charter.project.organisation_id) is not None
    )
