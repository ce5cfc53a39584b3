"""Existing rows get what the services now keep: every project in flight stands at an opened
gate, every gate has its due date, every project its current kill deadline.

Until now a page opened a missing gate when it was first read (a GET that wrote). From here on
gates are opened only by the services (registration, a go); this opens, once, the ones no page
had opened yet, copying the template's criteria and writing the same ``gate.opened`` audit event.

Due dates, as ``decisions.rules`` defines them:
- the charter gate: the PoC's start — the first approved charter version's timebox start, else
  the project's;
- a decided graduation or production gate: the date it was decided against (its in-force
  decision's snapshot);
- the gate a project stands at in PoC or pilot: the project's decision date.

The kill deadline: in proposal and PoC the latest in-force extension's at the current gate when
it came after the approval, else the approved charter's; in pilot the latest in-force extension's
at the production gate, else the production gate's due date; none in production or killed.
"""

from datetime import date

from django.db import migrations

ACTIVE = ("proposed", "poc", "pilot")


def _in_force(decisions):
    return [d for d in decisions if not d.is_superseded]


def forward(apps, schema_editor):
    Project = apps.get_model("portfolio", "Project")
    AuditEvent = apps.get_model("portfolio", "AuditEvent")
    Gate = apps.get_model("decisions", "Gate")
    GateTemplate = apps.get_model("decisions", "GateTemplate")
    GateCriterion = apps.get_model("decisions", "GateCriterion")
    Decision = apps.get_model("decisions", "Decision")
    CharterVersion = apps.get_model("charters", "CharterVersion")

    templates = {t.from_stage: t for t in GateTemplate.objects.all()}
    template_criteria = {
        t.pk: list(t.criteria.order_by("order", "id")) for t in templates.values()
    }

    superseded = set(
        Decision.objects.filter(supersedes__isnull=False).values_list("supersedes_id", flat=True)
    )
    decisions_by_gate: dict[int, list] = {}
    for d in Decision.objects.order_by("-decided_at", "-id"):
        d.is_superseded = d.pk in superseded
        decisions_by_gate.setdefault(d.gate_id, []).append(d)

    approved: dict[int, object] = {}
    first_start: dict[int, date] = {}
    for v in CharterVersion.objects.select_related("charter").order_by("number"):
        project_id = v.charter.project_id
        if v.status == "approved":
            approved[project_id] = v
        if v.status in ("approved", "superseded") and project_id not in first_start:
            if v.timebox_start:
                first_start[project_id] = v.timebox_start

    for project in Project.objects.order_by("pk").iterator():
        gates = {g.from_stage: g for g in Gate.objects.filter(project=project)}
        template = templates.get(project.stage)
        if project.stage in ACTIVE and project.stage not in gates and template is not None:
            gate = Gate.objects.create(
                project=project,
                template=template,
                name=template.name,
                from_stage=template.from_stage,
                to_stage=template.to_stage,
            )
            for c in template_criteria[template.pk]:
                GateCriterion.objects.create(
                    gate=gate,
                    template=c,
                    order=c.order,
                    key=c.key,
                    title=c.title,
                    description=c.description,
                    kind=c.kind,
                    check_key=c.check_key,
                )
            AuditEvent.objects.create(
                actor=None,
                action="gate.opened",
                object_type="decisions.gate",
                object_id=str(gate.pk),
                object_repr=f"{gate.name} of {project.name}"[:200],
                project=project,
                organisation_id=project.organisation_id,
                changes={"criteria": [None, [c.title for c in template_criteria[template.pk]]]},
                note="Opened when gates stopped being opened by reading a page.",
            )
            gates[project.stage] = gate

        for stage, gate in gates.items():
            if stage == "proposed":
                due = first_start.get(project.pk) or project.timebox_start
            elif stage == project.stage:
                due = project.decision_date
            else:
                due = None
                for d in _in_force(decisions_by_gate.get(gate.pk, [])):
                    value = ((d.snapshot or {}).get("gate") or {}).get("decision_date")
                    if value:
                        due = date.fromisoformat(value)
                        break
            if gate.due_date != due:
                Gate.objects.filter(pk=gate.pk).update(due_date=due)
                gate.due_date = due

        kill_deadline = None
        current = gates.get(project.stage)
        extends = [
            d
            for d in _in_force(decisions_by_gate.get(current.pk, []) if current else [])
            if d.outcome == "extend" and d.new_kill_deadline
        ]
        if project.stage in ("proposed", "poc"):
            version = approved.get(project.pk)
            if version is not None:
                kill_deadline = version.kill_deadline
                if extends and (
                    version.approved_at is None or extends[0].decided_at >= version.approved_at
                ):
                    kill_deadline = extends[0].new_kill_deadline
        elif project.stage == "pilot":
            kill_deadline = extends[0].new_kill_deadline if extends else (
                current.due_date if current else None
            )
        if project.kill_deadline != kill_deadline:
            Project.objects.filter(pk=project.pk).update(kill_deadline=kill_deadline)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0004_gate_due_date_stalled_policy"),
        ("charters", "0004_compliance_review_and_classification_choice"),
        ("portfolio", "0003_schedule_kill_deadline"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
