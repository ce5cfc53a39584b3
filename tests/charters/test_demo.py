"""charters.demo.extend: charters consistent with each project's stage, and safe to rerun."""

import random
from types import SimpleNamespace

import pytest

from charters import demo
from charters.models import Charter, CharterVersion, Status
from portfolio.services import project_change_stage
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(org, pm, executive, viewer):
    roster = {"pm": [pm], "executive": [executive, member(org, "executive")], "viewer": [viewer]}
    projects = []
    for i, stage in enumerate(["proposed"] * 6 + ["poc"] * 6 + ["killed"] * 2):
        project = ProjectFactory(
            organisation=org, pm=pm, decision_maker=executive, name=f"Demo {i}", slug=f"demo-{i}"
        )
        if stage != "proposed":
            project_change_stage(project=project, to_stage="poc", by=executive)
        if stage == "killed":
            project_change_stage(project=project, to_stage="killed", by=executive)
        projects.append(SimpleNamespace(project=project))
    return SimpleNamespace(
        projects=projects,
        roster={org.slug: roster},
        rng=lambda name: random.Random(f"1:{name}"),
        log=lambda msg: None,
    )


def test_projects_past_proposed_have_an_approved_charter_and_rerunning_adds_nothing(result):
    demo.extend(result)
    for p in result.projects:
        p.project.refresh_from_db()
        if p.project.stage != "proposed":
            approved = CharterVersion.objects.filter(
                charter__project=p.project, status=Status.APPROVED
            )
            assert approved.exists(), p.project
    before = (Charter.objects.count(), CharterVersion.objects.count())
    assert demo.extend(result) == {}
    assert (Charter.objects.count(), CharterVersion.objects.count()) == before
