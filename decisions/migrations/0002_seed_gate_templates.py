"""Seed the three default gates of DOMAIN.md "The lifecycle" (decisions/defaults.py)."""

from django.db import migrations

from decisions.defaults import GATES, seed


def forward(apps, schema_editor):
    seed(apps.get_model("decisions", "GateTemplate"), apps.get_model("decisions", "CriterionTemplate"))


def unseed(apps, schema_editor):
    GateTemplate = apps.get_model("decisions", "GateTemplate")
    GateTemplate.objects.filter(key__in=[g["key"] for g in GATES], gates__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [migrations.RunPython(forward, unseed)]
