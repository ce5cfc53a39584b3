"""Organisation policies: the gate and reminder rules an admin sets per organisation (the
extension limit, the stalled threshold, the lapse policy and its grace period, how often lapses
are repeated and signatures chased); and the gate templates with their criteria, which every
organisation's gates are opened from. Edited in the admin, through here, so every change is on
the record."""

from __future__ import annotations

from django.db import transaction

from portfolio import audit
from portfolio.models import User

from ..models import GateTemplate, OrganisationPolicy

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


TEMPLATE_FIELDS = ("key", "name", "from_stage", "to_stage", "description")


def gate_template_state(template: GateTemplate | None) -> dict:
    """A template and its criteria as stored, to compare before and after an admin edit."""
    if template is None or template.pk is None:
        return {}
    stored = GateTemplate.objects.filter(pk=template.pk).first()
    if stored is None:
        return {}
    criteria = [
        f"{c.order}. {c.key}: {c.title} ({c.kind}{', ' + c.check_key if c.check_key else ''})"
        + (f" — {c.description}" if c.description else "")
        for c in stored.criteria.order_by("order", "id")
    ]
    return {**audit.snapshot(stored, TEMPLATE_FIELDS), "criteria": criteria}


def gate_template_record_change(
    *, template: GateTemplate, before: dict, by: User | None
) -> dict[str, list]:
    """Audit an admin's edit of a gate template or its criteria (saved by the admin's form and
    inline): ``before`` is ``gate_template_state`` read before the save. Returns what changed."""
    changes = audit.diff(before, gate_template_state(template))
    if changes or not before:
        audit.record(
            actor=by,
            action=(
                audit.Action.GATE_TEMPLATE_UPDATED if before else audit.Action.GATE_TEMPLATE_CREATED
            ),
            instance=template,
            changes=changes,
            note="In the admin.",
        )
    return changes
