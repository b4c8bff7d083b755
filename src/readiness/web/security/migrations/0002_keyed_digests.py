"""The throttle and the rate counters are keyed on HMACs now, not plain SHA-256 digests: the
rows keyed the old way are deleted (they are counts that last minutes, and the plain digests of
usernames and resume codes are what should not be kept)."""

from django.db import migrations, models


def forget_plain_digests(apps, schema_editor):
    apps.get_model("security", "LoginThrottle").objects.all().delete()
    apps.get_model("security", "RateCounter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="loginthrottle",
            name="key",
            field=models.CharField(
                help_text="Keyed digest (HMAC-SHA256) of the username.", max_length=64, unique=True
            ),
        ),
        migrations.RunPython(forget_plain_digests, migrations.RunPython.noop),
    ]
