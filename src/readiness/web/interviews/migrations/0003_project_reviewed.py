"""What the last pseudonymisation review saw of each participant, memo, code, theme and of the
project (digests, never the text): see :func:`readiness.interviews.pseudonymise.unreviewed`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("interviews", "0002_append_only_audit")]

    operations = [
        migrations.AddField(
            model_name="interviewproject",
            name="reviewed",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
