"""Context for the gate panel on the project page and the "Decisions due" home panel.

Both run a fixed number of queries whatever the number of criteria, readings or decisions."""

from __future__ import annotations

from portfolio.models import Project, Stage

from . import permissions, rules, selectors
from .charts import kill_condition_chart
from .forms import DecisionForm, MarkForm, MeasurementForm
from .models import PERSON_KILL_REASONS, MeasurementKind, Outcome

HOME_PANEL_ROWS = 5


def gate_context(request, project: Project, *, forms: dict | None = None) -> dict:
    """Everything ``decisions/partials/gate.html`` renders. ``forms`` carries bound forms with
    errors back from a failed POST: {"mark": (criterion_pk, form), "measurement": form,
    "decision": form, "supersede": form}."""
    forms = forms or {}
    facts = selectors.project_facts(project)
    user = request.user
    may_mark = permissions.can_mark_criterion(user, project)
    gate = facts.gate
    open_gate = gate is not None and project.stage == gate.gate.from_stage
    # The same readings the mark view accepts: an offered choice is always a valid one.
    measurements = selectors.evidence_measurements(project)
    bound_mark = forms.get("mark")
    criteria = []
    if gate is not None:
        for c in gate.criteria:
            form = None
            if c.is_manual and open_gate and may_mark:
                if bound_mark and bound_mark[0] == c.criterion.pk:
                    form = bound_mark[1]
                else:
                    form = MarkForm(prefix=f"c{c.criterion.pk}", measurements=measurements)
            criteria.append((c, form))
    decisions = facts.decisions
    in_force = [d for d in decisions if not rules.is_superseded(d)]
    latest_in_force = in_force[0] if in_force else None
    is_decision_maker = permissions.is_decision_maker(user, project)
    can_decide = permissions.can_decide(user, project)
    k = facts.kill_condition
    successors = [d.successor for d in decisions if d.successor_id]
    return {
        "project": project,
        "facts": facts,
        "gate": gate,
        "criteria": criteria,
        "open_gate": open_gate,
        "kill": k,
        "chart": kill_condition_chart(facts.readings, k, chart_id=f"kc-{project.pk}"),
        "readings": facts.readings,
        "latest": [
            (label, facts.latest_by_kind.get(kind)) for kind, label in MeasurementKind.choices
        ],
        "can_measure": permissions.can_record_measurement(user, project)
        and project.stage != Stage.KILLED,
        "measurement_form": forms.get("measurement") or MeasurementForm(prefix="m"),
        "can_decide": can_decide and open_gate,
        "is_decision_maker": is_decision_maker,
        "dm_not_executive": bool(project.decision_maker_id)
        and not facts.decision_maker_is_executive,
        "next_decision_default": facts.next_decision_default,
        "hx_target": "#gate-panel",
        "pivot_from": selectors.pivot_sources(project),
        "successors": successors,
        "decision_form": forms.get("decision") or DecisionForm(prefix="d"),
        "supersede_form": forms.get("supersede") or DecisionForm(prefix="s"),
        "decision_error_outcome": (
            forms["decision"].data.get("d-outcome") if forms.get("decision") else None
        ),
        "kill_reasons": PERSON_KILL_REASONS,
        "outcomes": Outcome,
        "decisions": decisions,
        "latest_in_force": latest_in_force,
        "can_supersede": can_decide and latest_in_force is not None,
        "is_production_owner": permissions.can_accept_ownership(user, project),
    }


def project_panel(request, project: Project) -> dict | None:
    return gate_context(request, project)


def home_panel(request) -> dict | None:
    """A short "Decisions due" list for executives who decide anything: the five soonest, each
    with its gate, due date and states (the rows carry them), and how many there are in all.
    Each gate's criteria and the decision itself are on the decisions-due page: the home page
    does not load the facts (about 10 ms a project at firm scale)."""
    if not request.user.is_authenticated:
        return None
    projects = selectors.decisions_due_projects(request.user)
    shown = list(projects[:HOME_PANEL_ROWS])
    if not shown:
        return None
    count = len(shown) if len(shown) < HOME_PANEL_ROWS else projects.count()
    gates = selectors.current_gate_names(shown)
    for project in shown:
        project.gate_name = gates.get(project.pk, "")
    return {"due": shown, "due_count": count}
