"""Audit actions are one typed enum: a misspelt action fails at once instead of silently
dropping a line from a project's timeline."""

from __future__ import annotations

import pytest

from decisions.timeline import audit_phrase
from portfolio import audit
from portfolio.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_action_that_is_not_a_member_of_the_enum_is_refused(project, pm):
    with pytest.raises(TypeError, match="Action members"):
        audit.record(actor=pm, action="project.udpated", instance=project)
    assert not AuditEvent.objects.filter(action="project.udpated").exists()
    event = audit.record(actor=pm, action=audit.Action.PROJECT_UPDATED, instance=project)
    assert event.action == "project.updated"


def test_every_action_reads_as_a_sentence_on_the_timeline():
    for action in audit.Action:
        badge, phrase = audit_phrase(action.value)
        assert badge != "Change" and phrase == action.label and phrase[0].islower()
    # An action code from before a rename still reads, as itself.
    assert audit_phrase("project.renamed_long_ago") == ("Change", "project renamed long ago")
