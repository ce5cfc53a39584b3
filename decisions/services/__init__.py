"""Every write about gates, evidence, measurements and decisions.

Views, forms, serializers, the admin and the demo only parse input and call these:

- ``gates``: opening a project's gate, moving its due date with the project's schedule, marking a
  manual criterion;
- ``evidence``: measurements and the production owner's acceptance of the handoff;
- ``decide``: go / kill / extend and superseding decisions, and what they do to the schedule;
  the automatic kill of a lapse policy;
- ``reminders``: the sweep that claims every reminder that is due, once;
- ``delivery``: sending one claimed reminder by email.
"""

from .decide import decision_record, decision_record_lapsed
from .evidence import measurement_record, ownership_accept
from .gates import criterion_mark, gate_due_follow, gate_open
from .reminders import reminders_sweep

__all__ = [
    "criterion_mark",
    "decision_record",
    "decision_record_lapsed",
    "gate_due_follow",
    "gate_open",
    "measurement_record",
    "ownership_accept",
    "reminders_sweep",
]
