"""Organisation policies: the gate and reminder rules an admin sets per organisation (the
extension limit, the stalled threshold, the lapse policy and its grace period, how often lapses
are repeated and signatures chased). Edited in the admin, through here, so every change is on
the record."""

from __future__ import annotations

from django.db import transaction

from portfolio import audit
from portfolio.models import User

from ..models import OrganisationPolicy

POLICY_FIELDS = (
    "max_extensions_per_gate",
    "stalled_after_days",
    "lapse_policy",
    "lapse_grace_days",
    "remind_every_days",
    "signatures_wait_days",
)


@transaction.atomic
def organisation_policy_save(*, policy: OrganisationPolicy, by: User | None) -> OrganisationPolicy:
    """Validate and save ``policy`` (new or changed), audited with what changed."""
    stored = (
        OrganisationPolicy.objects.select_for_update().filter(pk=policy.pk).first()
        if policy.pk
        else None
    )
    before = audit.snapshot(stored, POLICY_FIELDS) if stored else {}
    policy.full_clean()
    policy.save()
    changes = audit.diff(before, audit.snapshot(policy, POLICY_FIELDS))
    if changes or stored is None:
        audit.record(
            actor=by,
            action=audit.Action.POLICY_UPDATED if stored else audit.Action.POLICY_CREATED,
            instance=policy,
            changes=changes,
        )
    return policy
