"""Organisation policies are edited in the admin, and every edit is on the record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions.models import LapsePolicy, OrganisationPolicy
from portfolio.models import AuditEvent

pytestmark = pytest.mark.django_db


def _form(org, **values) -> dict:
    return {
        "organisation": org.pk,
        "max_extensions_per_gate": 1,
        "stalled_after_days": "",
        "lapse_policy": LapsePolicy.REMIND,
        "lapse_grace_days": 7,
        "remind_every_days": 3,
        "signatures_wait_days": 5,
        **values,
    }


def test_an_admin_edit_of_a_policy_is_audited(admin_client, admin_user, org):
    add = admin_client.post(
        reverse("admin:decisions_organisationpolicy_add"),
        _form(org, lapse_policy=LapsePolicy.KILL, lapse_grace_days=10),
    )
    assert add.status_code == 302, add.content[:500]
    policy = OrganisationPolicy.objects.get(organisation=org)
    created = AuditEvent.objects.get(action="policy.created")
    assert created.actor == admin_user and created.organisation_id == org.pk
    assert created.changes["lapse_policy"] == [None, "kill"]
    change = admin_client.post(
        reverse("admin:decisions_organisationpolicy_change", args=[policy.pk]),
        _form(org, lapse_policy=LapsePolicy.ESCALATE, lapse_grace_days=10),
    )
    assert change.status_code == 302
    updated = AuditEvent.objects.get(action="policy.updated")
    assert updated.changes == {"lapse_policy": ["kill", "escalate"]}
    # Saving without a change writes no event; a policy is never deleted.
    admin_client.post(
        reverse("admin:decisions_organisationpolicy_change", args=[policy.pk]),
        _form(org, lapse_policy=LapsePolicy.ESCALATE, lapse_grace_days=10),
    )
    assert AuditEvent.objects.filter(action__startswith="policy.").count() == 2
    delete = admin_client.get(
        reverse("admin:decisions_organisationpolicy_delete", args=[policy.pk])
    )
    assert delete.status_code == 403


def test_a_grace_period_of_zero_days_is_refused_next_to_its_field(admin_client, org):
    response = admin_client.post(
        reverse("admin:decisions_organisationpolicy_add"), _form(org, lapse_grace_days=0)
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1" in response.content.decode()
    assert not OrganisationPolicy.objects.exists()
