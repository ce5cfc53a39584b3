"""charters.demo.extend: charters consistent with each project's stage, and safe to rerun."""

import random
from datetime import date, timedelta
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
        started = date.today() - timedelta(days=30)  # PoCs began a month ago
        project = ProjectFactory(
            organisation=org,
            pm=pm,
            decision_maker=executive,
            name=f"Demo {i}",
            slug=f"demo-{i}",
            **(
                {"timebox_start": started, "timebox_end": started + timedelta(weeks=8)}
                if stage != "proposed"
                else {}
            ),
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


def test_the_demo_shows_a_charter_in_every_state(result):
    from charters.models import ChangeRequest, ComplianceReview, Signature

    counts = demo.extend(result)
    assert {"draft", "review", "changes", "withdrawn", "approved", "amended"} <= set(counts)
    versions = CharterVersion.objects.all()
    assert versions.filter(status=Status.DRAFT, number=1).exists()
    # In review with some signatures given and some still missing.
    partial = [
        v
        for v in versions.filter(status=Status.IN_REVIEW)
        if v.signatures.filter(withdrawn_at__isnull=True).exists()
    ]
    assert partial
    # Sent back with a comment; the signature given before it was withdrawn.
    sent_back = ChangeRequest.objects.select_related("version").get()
    assert sent_back.comment and sent_back.version.status == Status.DRAFT
    assert sent_back.version.signatures.filter(withdrawn_at__isnull=False).exists()
    # A signer withdrew while the version is still in review.
    assert Signature.objects.filter(
        withdrawn_at__isnull=False, version__status=Status.IN_REVIEW
    ).exists()
    # Approved, and amended with the goalposts moved (the old version superseded).
    assert versions.filter(status=Status.APPROVED).exists()
    assert versions.filter(status=Status.SUPERSEDED).exists()
    assert Charter.objects.filter(goalposts_moved__gte=1).exists()
    # Compliance reviews recorded for PoCs, and the data classification is a level.
    assert ComplianceReview.objects.exists()
    assert set(
        versions.exclude(data_classification="").values_list("data_classification", flat=True)
    ) <= {"internal", "confidential"}
