"""Data classification becomes a choice on the data-source sensitivity scale (public, internal,
confidential, restricted) so that "Confidential" counts as sensitive data.

Free text written before is mapped by the words it contains, most sensitive first; anything
else is left blank, so the charter shows it as still to be filled rather than guessing a level.
Approved and superseded versions are frozen by a trigger (0002); this is the same statement in
another form, not an edit, so the trigger is suspended for this one update.
"""

from django.db import migrations

WORDS = (
    ("restricted", ("restricted", "secret", "strictly", "highly confidential", "special category")),
    ("confidential", ("confidential", "sensitive", "personal", "pii", "gdpr", "private")),
    ("internal", ("internal", "company", "staff")),
    ("public", ("public", "open")),
)
CHOICES = {level for level, _ in WORDS}


def level_of(text: str) -> str:
    text = (text or "").strip().lower()
    if text in CHOICES:
        return text
    for level, words in WORDS:
        if any(word in text for word in words):
            return level
    return ""


def _triggers(schema_editor, action: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE charters_charterversion {action} TRIGGER charters_frozen_version"
            )


def forward(apps, schema_editor):
    CharterVersion = apps.get_model("charters", "CharterVersion")
    rows = CharterVersion.objects.exclude(data_classification="").values_list(
        "pk", "data_classification"
    )
    changes = [(pk, level_of(text)) for pk, text in rows if level_of(text) != text]
    if not changes:
        return
    _triggers(schema_editor, "DISABLE")
    for pk, level in changes:
        CharterVersion.objects.filter(pk=pk).update(data_classification=level)
    _triggers(schema_editor, "ENABLE")


class Migration(migrations.Migration):
    dependencies = [("charters", "0002_frozen_versions_guard")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
