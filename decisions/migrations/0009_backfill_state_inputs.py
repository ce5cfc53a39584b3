"""Existing projects get the inputs of their derived states stored on the row (portfolio 0009),
read from their sources as ``decisions.states.inputs`` reads them: the open gate's due date, the
approved charter's threshold and direction, the newest metric reading. One UPDATE."""

from django.db import migrations
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def forward(apps, schema_editor):
    Project = apps.get_model("portfolio", "Project")
    Gate = apps.get_model("decisions", "Gate")
    Measurement = apps.get_model("decisions", "Measurement")
    CharterVersion = apps.get_model("charters", "CharterVersion")
    approved = CharterVersion.objects.filter(
        charter__project_id=OuterRef("pk"), status="approved"
    ).order_by()
    Project.objects.update(
        gate_due=Subquery(
            Gate.objects.filter(project_id=OuterRef("pk"), from_stage=OuterRef("stage"))
            .order_by()
            .values("due_date")[:1]
        ),
        kill_threshold=Subquery(approved.values("threshold")[:1]),
        kill_direction=Coalesce(
            Subquery(approved.values("metric_direction")[:1]), Value(""), output_field=CharField()
        ),
        latest_metric=Subquery(
            Measurement.objects.filter(project_id=OuterRef("pk"), kind="metric")
            .order_by("-measured_at", "-id")
            .values("value")[:1]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0008_backfill_milestones"),
        ("charters", "0006_signed_charters_append_only"),
        ("portfolio", "0009_state_inputs"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
