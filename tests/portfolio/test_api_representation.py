"""A project in the API, written out directly (``ProjectSerializer.to_representation``), is
exactly what DRF's field-by-field path gives: the same keys, values and formats, for projects
with and without people, dates, readings and states."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from portfolio.api.serializers import ProjectSerializer
from portfolio.models import Project, people_attach
from tests.decisions.helpers import days, in_poc, proposed_project
from tests.factories import OrganisationFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db


def generic(serializer: ProjectSerializer, project) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, project)


def test_the_direct_representation_is_drfs(settings):
    org = OrganisationFactory()
    pm, executive = member(org, "pm"), member(org, "executive")
    in_poc(org, pm, executive, name="Invoice triage")
    proposed_project(org, pm, executive, name="Bare", timebox_start=days(-3))
    ProjectFactory(organisation=org, name="Nobody named", pm=None, summary="")
    request = APIRequestFactory().get("/api/v1/projects/", secure=True)
    request.user = pm
    projects = people_attach(list(Project.objects.filter(organisation=org).with_states()))
    assert len(projects) == 3
    for project in projects:
        serializer = ProjectSerializer(context={"request": request})
        ours = serializer.to_representation(project)
        assert ours == generic(serializer, project)
        assert list(ours) == list(generic(serializer, project))  # and in the same order
    poc = next(p for p in projects if p.name == "Invoice triage")
    row = ProjectSerializer(poc, context={"request": request}).data
    assert row["kill_deadline"] == poc.kill_deadline.isoformat()
    assert row["pm_detail"] == {"id": pm.pk, "full_name": pm.full_name, "email": pm.email}
    assert row["url"].endswith(f"/api/v1/projects/{poc.pk}/")
