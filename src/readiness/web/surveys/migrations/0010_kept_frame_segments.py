"""A kept response frame is stored in segments (issue 18): the first holds the frame as it
was read in full, each later one the responses appended since, in the compact form of
:mod:`readiness.web.surveys.framecodec`.  ``segments`` lists each one's parts and bytes.
Frames kept before are in the older form, and are removed: they are read again when next
needed."""

from django.db import migrations, models


def forget_kept_frames(apps, schema_editor):
    apps.get_model("surveys", "KeptFrame").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_response_session_id_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="keptframe",
            name="segments",
            field=models.JSONField(default=list),
        ),
        # After the change of table: rows deleted before it leave PostgreSQL checks pending.
        migrations.RunPython(forget_kept_frames, migrations.RunPython.noop),
    ]
