"""Existing projects get their milestones from their in-force decisions (as
``decisions.rules.milestones`` reads them), and charters the count of amendments that lowered or
raised the sign-off threshold (from their goalposts-moved audit events)."""

from decimal import Decimal, InvalidOperation

from django.db import migrations

REACHED = {"proposed": "poc_started_at", "poc": "pilot_reached_at", "pilot": "production_reached_at"}


def forward(apps, schema_editor):
    Project = apps.get_model("portfolio", "Project")
    Decision = apps.get_model("decisions", "Decision")
    Charter = apps.get_model("charters", "Charter")
    CharterVersion = apps.get_model("charters", "CharterVersion")
    AuditEvent = apps.get_model("portfolio", "AuditEvent")

    superseded = set(
        Decision.objects.filter(supersedes__isnull=False).values_list("supersedes_id", flat=True)
    )
    found: dict[int, dict] = {}
    for d in Decision.objects.select_related("gate").order_by("decided_at", "id"):
        if d.pk in superseded:
            continue
        m = found.setdefault(d.project_id, {})
        at = d.gate.from_stage  # where it was decided (see decisions.rules.milestones)
        if d.outcome == "go" and at in REACHED:
            m.setdefault(REACHED[at], d.decided_at)
        elif d.outcome == "kill":
            m.update(
                killed_at=d.decided_at,
                killed_from=at,
                kill_reason=d.reason_category,
                killed_by_policy=bool(d.decided_by_policy),
                pivoted=d.successor_id is not None,
            )
    for project_id, values in found.items():
        Project.objects.filter(pk=project_id).update(**values)

    direction = dict(
        CharterVersion.objects.filter(status="approved").values_list(
            "charter_id", "metric_direction"
        )
    )
    bars: dict[int, dict[str, int]] = {}
    for event in AuditEvent.objects.filter(action="charter.goalposts_moved"):
        pair = (event.changes or {}).get("threshold")
        if not pair or len(pair) != 2:
            continue
        try:
            old, new = Decimal(str(pair[0])), Decimal(str(pair[1]))
        except (InvalidOperation, TypeError):
            continue
        if old == new:
            continue
        charter_id = int(event.object_id)
        easier = new < old if direction.get(charter_id) != "lower" else new > old
        counts = bars.setdefault(charter_id, {"bar_lowered": 0, "bar_raised": 0})
        counts["bar_lowered" if easier else "bar_raised"] += 1
    for charter_id, counts in bars.items():
        Charter.objects.filter(pk=charter_id).update(**counts)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0007_gate_decided_at"),
        ("portfolio", "0006_milestones"),
        ("charters", "0005_bar_moved"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
