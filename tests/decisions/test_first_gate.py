"""A project stands at its first gate from the moment it is registered, however it was
registered: another tool that creates a project through the API can decide it straight away."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from decisions.models import Gate
from portfolio.models import AuditEvent
from portfolio.services import project_create

pytestmark = pytest.mark.django_db


def test_a_project_created_through_the_api_lists_its_charter_gate(org, pm, executive):
    client = APIClient()
    client.force_login(pm)
    created = client.post(
        reverse("api:project-list"),
        {"organisation": org.pk, "name": "Contract reader", "decision_maker": executive.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    project_id = created.json()["id"]

    gates = client.get(reverse("api:gate-list"), {"project": project_id})

    assert gates.status_code == 200
    [gate] = gates.json()["results"]
    assert (gate["from_stage"], gate["to_stage"]) == ("proposed", "poc")
    assert [c["key"] for c in gate["criteria"]] == ["charter-complete", "charter-signed"]


def test_the_gate_opens_in_the_same_transaction_and_is_on_the_record(org, pm):
    project = project_create(organisation=org, by=pm, name="Invoice triage")

    gate = Gate.objects.get(project=project)
    assert gate.from_stage == "proposed"
    opened = AuditEvent.objects.get(project=project, action="gate.opened")
    assert opened.actor == pm
