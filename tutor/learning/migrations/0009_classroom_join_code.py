from django.db import migrations, models

import tutor.learning.models


def codes_fill(apps, schema_editor):
    """Each existing class gets a code of its own (a field default would give every row the same one)."""
    Classroom = apps.get_model("learning", "Classroom")
    for classroom in Classroom.objects.filter(join_code__isnull=True).only("pk"):
        classroom.join_code = tutor.learning.models.join_code_new()
        classroom.save(update_fields=["join_code"])


class Migration(migrations.Migration):
    dependencies = [("learning", "0008_attempt_request_fingerprint")]

    operations = [
        migrations.AddField("classroom", "join_code", models.CharField(max_length=8, null=True)),
        migrations.RunPython(codes_fill, migrations.RunPython.noop),
        migrations.AlterField(
            "classroom", "join_code",
            models.CharField(default=tutor.learning.models.join_code_new, max_length=8, unique=True),
        ),
    ]
