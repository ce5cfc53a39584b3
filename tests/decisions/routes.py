"""Contract cases for every page and endpoint of the decisions app (tests/contract.py)."""

from decisions.services import gate_open, measurement_record
from tests.contract import ROLES, Route
from tests.factories import ProjectFactory

EDITORS = ("pm", "executive")
READERS_ONLY = ("viewer", "partner")


def _poc_criterion(w) -> int:
    """A manual criterion: the graduation gate of a PoC in the world's organisation."""
    if "criterion" not in w.extra:
        project = ProjectFactory(
            organisation=w.org, pm=w.pm, decision_maker=w.executive, stage="poc"
        )
        gate = gate_open(project=project)
        w.extra["poc"] = project
        w.extra["criterion"] = gate.criteria.get(key="production-quality")
    return w.extra["criterion"]


def _project(w):
    return {"project_pk": w.project.pk}


def _mark(w):
    c = _poc_criterion(w)
    return {"project_pk": c.gate.project_id, "criterion_pk": c.pk}


def _gate(w):
    return {"pk": gate_open(project=w.project).pk}


def _criterion(w):
    return {"pk": _poc_criterion(w).pk}


def _measurement(w):
    m = measurement_record(project=w.project, kind="metric", value="0.5", by=w.pm)
    return {"pk": m.pk}


def _decision(w):
    from decisions.services import decision_record

    d = decision_record(
        project=w.project,
        outcome="kill",
        by=w.executive,
        reason_category="other",
        rationale="Contract probe",
    )
    return {"pk": d.pk}


KILL = {
    "d-outcome": "kill",
    "d-reason_category": "business_case_not_made",
    "d-rationale": "The business case did not hold.",
}

ROUTES = [
    # Pages
    Route("decisions:due", scoped=False, lists=("gates", "decisions", "projects")),
    Route(
        "decisions:gate",
        kwargs=_project,
        lists=("gates", "criteria", "measurements", "decisions"),
    ),
    Route("decisions:timeline", kwargs=_project, lists="events"),
    Route("decisions:ownership", kwargs=_project),
    # Only the named production owner may accept (world.project names none): everyone is refused.
    Route(
        "decisions:ownership",
        kwargs=_project,
        method="post",
        data=lambda w: {
            "accepts_run_cost": "on",
            "accepts_on_call": "on",
            "accepts_budget_line": "on",
            "budget_line": "OPS-1",
        },
        allowed=(),
        forbidden=ROLES,
    ),
    Route(
        "decisions:criterion-mark",
        kwargs=_mark,
        method="post",
        data=lambda w: {
            f"c{_poc_criterion(w).pk}-state": "met",
            f"c{_poc_criterion(w).pk}-evidence_text": "Measured on production data.",
        },
        allowed=EDITORS,
        forbidden=READERS_ONLY,
    ),
    Route(
        "decisions:measurement-create",
        kwargs=_project,
        method="post",
        data=lambda w: {"m-kind": "metric", "m-value": "0.71"},
        allowed=EDITORS,
        forbidden=READERS_ONLY,
    ),
    # world.project's decision-maker is world.executive.
    Route(
        "decisions:decide",
        kwargs=_project,
        method="post",
        data=lambda w: {**KILL, "d-gate": gate_open(project=w.project).pk},
        allowed=("executive",),
        forbidden=("pm", "viewer", "partner"),
    ),
    # API
    Route("api:gate-list", api=True, scoped=False, lists="gates"),
    Route("api:gate-detail", kwargs=_gate, api=True),
    Route("api:criterion-list", api=True, scoped=False, lists="criteria"),
    Route("api:criterion-detail", kwargs=_criterion, api=True),
    Route(
        "api:criterion-mark",
        kwargs=_criterion,
        method="post",
        data=lambda w: {"state": "met", "evidence_text": "Measured on production data."},
        api=True,
        allowed=EDITORS,
        forbidden=READERS_ONLY,
    ),
    Route("api:measurement-list", api=True, scoped=False, lists="measurements"),
    Route("api:measurement-detail", kwargs=_measurement, api=True),
    Route(
        "api:measurement-list",
        method="post",
        data=lambda w: {"project": w.project.pk, "kind": "metric", "value": "0.8"},
        api=True,
        allowed=EDITORS,
        forbidden=READERS_ONLY,
        label="POST api:measurement-list (create)",
    ),
    Route("api:decision-list", api=True, scoped=False, lists="decisions"),
    Route("api:decision-detail", kwargs=_decision, api=True),
    Route(
        "api:decision-list",
        method="post",
        data=lambda w: {
            "project": w.project.pk,
            "gate": gate_open(project=w.project).pk,
            "outcome": "kill",
            "reason_category": "other",
            "rationale": "Stopped through the API.",
        },
        api=True,
        allowed=("executive",),
        forbidden=("pm", "viewer", "partner"),
        label="POST api:decision-list (create)",
    ),
    Route("api:project-timeline-list", kwargs=_project, api=True, lists="events"),
]


# --- A person's notifications (decisions.notification_views, decisions.api.notifications) ----
# A notification is one person's: only its recipient may read or mark it; for anyone else it is
# a 404 (asserted in tests/decisions/test_notifications_views.py and _api.py), so each role gets
# a case with a notification of its own. The lists are checked for the other organisation's
# reminders ("reminders": by id and by their texts), and for its projects' names ("events").


def _notification_of(role: str):
    def kwargs(w) -> dict:
        from datetime import timedelta

        from django.utils import timezone

        from decisions.models import Reminder, ReminderKind

        reminder = Reminder.objects.create(
            recipient=w.person(role),
            project=w.project,
            kind=ReminderKind.DUE_SOON,
            due_date=timezone.localdate() + timedelta(days=7),
            subject=f"Contract probe: {w.project.name} is due within a week",
            body="A gate is due within a week.",
            url=f"/projects/{w.project.pk}/#gate",
        )
        return {"pk": reminder.pk}

    return kwargs


ROUTES += [
    Route("decisions:notifications", scoped=False, lists=("reminders", "events", "organisations")),
    Route("decisions:notification-bell", scoped=False, lists="reminders"),
    Route("decisions:notification-preferences", scoped=False, lists="organisations"),
    Route(
        "decisions:notification-preferences",
        method="post",
        data=lambda w: {"due_soon": "on", "digest": "on"},
        scoped=False,
    ),
    Route("decisions:notifications-read-all", method="post", scoped=False),
    *(
        Route(
            "decisions:notification-read",
            kwargs=_notification_of(role),
            method="post",
            allowed=(role,),
            label=f"POST decisions:notification-read (own, {role})",
        )
        for role in ROLES
    ),
    # API
    Route("api:notification-list", api=True, scoped=False, lists=("reminders", "events")),
    Route("api:notification-read-all", method="post", api=True, scoped=False),
    *(
        Route(
            "api:notification-detail",
            kwargs=_notification_of(role),
            api=True,
            allowed=(role,),
            label=f"GET api:notification-detail (own, {role})",
        )
        for role in ROLES
    ),
    *(
        Route(
            "api:notification-read",
            kwargs=_notification_of(role),
            method="post",
            api=True,
            allowed=(role,),
            label=f"POST api:notification-read (own, {role})",
        )
        for role in ROLES
    ),
    Route("api:project-reminder-list", kwargs=_project, api=True, lists=("reminders", "events")),
]


# --- A person's calendar feed (decisions.calendar_views, decisions.api.calendar) -------------
# About the visitor themself: their own feed, nothing of another organisation to find. The
# section and the API list the dates the feed holds: projects, checked for foreign ones here.
# The feed itself (decisions:calendar-feed) is exempt in tests/contract.py: the secret in its
# URL is its credential.

ROUTES += [
    Route("decisions:calendar", scoped=False, lists="projects"),
    Route("decisions:calendar-rotate", method="post", scoped=False),
    Route("decisions:calendar-revoke", method="post", scoped=False),
    Route("api:calendar-feed-list", api=True, scoped=False, lists="projects"),
    Route("api:calendar-feed-rotate", method="post", api=True, scoped=False),
    Route("api:calendar-feed-revoke", method="post", api=True, scoped=False),
]


# --- The portfolio dashboard (decisions.dashboard_views, decisions.api.dashboard) -------------
# About the visitor's own portfolio: whatever they may see, nothing of another organisation to
# find by address (scoped=False). The page and the API list projects (the attention rows), the
# organisations they count (a partner's organisation × stage table, the organisation filter) and
# people (the decision-maker filter and accountability rows): checked for the other
# organisation's, in the page, the API and every streamed CSV export.

DASHBOARD_LISTS = ("projects", "organisations", "memberships")

ROUTES += [
    Route("decisions:dashboard", scoped=False, lists=DASHBOARD_LISTS),
    *(
        Route(
            "decisions:dashboard-export",
            kwargs=lambda w, table=table: {"table": table},
            scoped=False,
            lists=DASHBOARD_LISTS,
            label=f"GET decisions:dashboard-export ({table})",
        )
        for table in (
            "funnel",
            "trend",
            "flow",
            "attention",
            "graveyard",
            "goalposts",
            "accountability",
            "organisations",
        )
    ),
    Route("api:dashboard-list", api=True, scoped=False, lists=DASHBOARD_LISTS),
]
