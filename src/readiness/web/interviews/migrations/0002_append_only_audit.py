"""A project's audit log becomes append-only, as the application's is.

The project is referred to without a database constraint (deleting a project must not delete
its log), and then triggers refuse ``UPDATE`` and ``DELETE`` of entries (and ``TRUNCATE`` on
PostgreSQL): :mod:`readiness.web.audit.guard`.  The triggers come last because SQLite alters a
table by copying it, which drops its triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

from readiness.web.audit import guard


def install_guard(apps, schema_editor):
    guard.install(schema_editor.connection, guard.INTERVIEWS_TABLE)


def remove_guard(apps, schema_editor):
    guard.remove(schema_editor.connection, guard.INTERVIEWS_TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="project",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit",
                to="interviews.interviewproject",
            ),
        ),
        migrations.RunPython(install_guard, remove_guard),
    ]
