# Training evaluation (issue 13): a study may evaluate training, with a before (pre), after
# (post) and follow-up wave.  Responses and drafts carry their wave, the anonymous link id that
# joins the before and after answers of one device, and the keyed digests of the
# self-generated code (never the answers).  Each session gets a follow-up link of its own:
# added empty, filled with a new random token per session, then made unique.

from django.db import migrations, models

import readiness.web.surveys.models


def fill_follow_up_tokens(apps, schema_editor):
    Session = apps.get_model("surveys", "Session")
    taken = set(Session.objects.values_list("token", flat=True))
    for session in Session.objects.all().only("id"):
        token = readiness.web.surveys.models.new_session_token()
        while token in taken:  # pragma: no cover - a collision of 57-bit tokens
            token = readiness.web.surveys.models.new_session_token()
        taken.add(token)
        Session.objects.filter(pk=session.pk).update(follow_up_token=token)


WAVES = [
    ("", "Not an evaluation"),
    ("pre", "Before the training"),
    ("post", "After the training"),
    ("follow_up", "Follow-up"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_study_nation_feedback_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="study",
            name="evaluation",
            field=models.BooleanField(
                default=False,
                help_text="Each session link asks the questions before the training and again at its end on the same phone or computer, joined without knowing who answered; a follow-up link asks them again later.",
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="follow_up_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                help_text="How many days after the session its follow-up link opens (90 is usual). Leave empty for no follow-up.",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="follow_up_token",
            field=models.CharField(max_length=40, null=True),
        ),
        migrations.RunPython(fill_follow_up_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="session",
            name="follow_up_token",
            field=models.CharField(
                default=readiness.web.surveys.models.new_session_token,
                max_length=40,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="wave",
            field=models.CharField(blank=True, choices=WAVES, default="", max_length=10),
        ),
        migrations.AddField(
            model_name="response",
            name="link",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="response",
            name="sgic",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="draft",
            name="wave",
            field=models.CharField(blank=True, choices=WAVES, default="", max_length=10),
        ),
        migrations.AddField(
            model_name="draft",
            name="link",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="draft",
            name="sgic",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
