"""Who may do what at a gate: one predicate per act, used by the view that answers the request,
the panel that shows the button, the service that does it and the API alike.

Each predicate answers for a person and a project; the services raise ``PermissionDenied`` with
the matching sentence below when it says no.
"""

from __future__ import annotations

from portfolio.models import Project, Role
from portfolio.scoping import role_in

# Who gathers evidence at a gate: the PMs and executives of the organisation.
EVIDENCE_ROLES = frozenset({Role.PM, Role.EXECUTIVE})

CANNOT_MARK = "Only a PM or an executive of this organisation can mark criteria."
CANNOT_MEASURE = "Only a PM or an executive of this organisation can record measurements."
CANNOT_DECIDE = "Only the project's named decision-maker can record a decision."
CANNOT_ACCEPT = "Only the project's named production owner can accept ownership."
OWNER_NOT_MEMBER = "The production owner must be a member of the organisation."


def can_mark_criterion(user, project: Project) -> bool:
    return role_in(user, project.organisation_id) in EVIDENCE_ROLES


def can_record_measurement(user, project: Project) -> bool:
    return role_in(user, project.organisation_id) in EVIDENCE_ROLES


def is_decision_maker(user, project: Project) -> bool:
    return bool(
        project.decision_maker_id and project.decision_maker_id == getattr(user, "pk", None)
    )


def can_decide(user, project: Project) -> bool:
    """The project's named decision-maker, who must be an executive of its organisation."""
    return is_decision_maker(user, project) and (
        role_in(user, project.organisation_id) == Role.EXECUTIVE
    )


def can_accept_ownership(user, project: Project) -> bool:
    """The project's named production owner, still a member of its organisation."""
    return bool(
        project.production_owner_id
        and project.production_owner_id == getattr(user, "pk", None)
        and role_in(user, project.organisation_id) is not None
    )
