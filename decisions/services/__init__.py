"""Every write about gates, evidence, measurements and decisions.

Views, forms, serializers, the admin and the demo only parse input and call these:

- ``gates``: opening a project's gate, moving its due date with the project's schedule, marking a
  manual criterion;
- ``evidence``: measurements and the production owner's acceptance of the handoff;
- ``decide``: go / kill / extend and superseding decisions, and what they do to the schedule.
"""

from .decide import decision_record
from .evidence import measurement_record, ownership_accept
from .gates import criterion_mark, gate_due_follow, gate_open

__all__ = [
    "criterion_mark",
    "decision_record",
    "gate_due_follow",
    "gate_open",
    "measurement_record",
    "ownership_accept",
]
