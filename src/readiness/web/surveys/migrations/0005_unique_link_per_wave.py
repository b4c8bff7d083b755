# A training evaluation's link id joins the before and after answers of one device; used twice
# in one wave it would stop the pairing of the whole study.  Each session now holds a link id at
# most once per wave, in its responses and in its drafts (an empty link id is never refused).
# A database that already holds such a repeat keeps the first (by id) as it is; the later ones
# keep their answers but lose the link id, so that they join nothing (as the analysis treated
# them: it keeps the first of a repeated link id).

from django.db import migrations, models
from django.db.models import Count, Min


def unlink_repeats(apps, schema_editor):
    for name in ("Response", "Draft"):
        model = apps.get_model("surveys", name)
        repeated = (
            model.objects.exclude(link="")
            .values("session_id", "link", "wave")
            .annotate(n=Count("id"), first=Min("id"))
            .filter(n__gt=1)
        )
        for row in list(repeated):
            model.objects.filter(
                session_id=row["session_id"], link=row["link"], wave=row["wave"]
            ).exclude(id=row["first"]).update(link="")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0004_evaluation_waves"),
    ]

    operations = [
        migrations.RunPython(unlink_repeats, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="draft",
            constraint=models.UniqueConstraint(
                condition=models.Q(("link", ""), _negated=True),
                fields=("session", "link", "wave"),
                name="unique_draft_link_wave",
            ),
        ),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(
                condition=models.Q(("link", ""), _negated=True),
                fields=("session", "link", "wave"),
                name="unique_response_link_wave",
            ),
        ),
    ]
