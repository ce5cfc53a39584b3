"""Every write about gates, evidence, measurements and decisions.

Views, forms, serializers, the admin and the demo only parse input and call these:

- ``gates``: opening a project's gate, moving its due date with the project's schedule, marking a
  manual criterion;
- ``evidence``: measurements and the production owner's acceptance of the handoff;
- ``decide``: go / kill / extend and superseding decisions, and what they do to the schedule;
  the automatic kill of a lapse policy;
- ``reminders``: the sweep that claims every reminder that is due, once;
- ``delivery``: sending one claimed reminder by email;
- ``notifications``: a person marking their notifications read, and their email preferences;
- ``calendar``: a person's private calendar feed: a new secret URL, or none.
"""

from .calendar import calendar_feed_revoke, calendar_feed_rotate
from .decide import decision_record, decision_record_lapsed, milestones_refresh
from .evidence import measurement_record, ownership_accept
from .gates import criterion_mark, gate_due_follow, gate_open
from .notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preferences,
    notification_preferences_set,
)
from .reminders import reminders_sweep

__all__ = [
    "calendar_feed_revoke",
    "calendar_feed_rotate",
    "criterion_mark",
    "decision_record",
    "decision_record_lapsed",
    "gate_due_follow",
    "gate_open",
    "measurement_record",
    "milestones_refresh",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_preferences",
    "notification_preferences_set",
    "ownership_accept",
    "reminders_sweep",
]
