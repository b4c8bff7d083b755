# The knowledge feedback is on for new studies (existing studies keep their setting), and a
# study has a nation, which picks the feedback's answers, sources and helplines.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_paper_forms_and_imports"),
    ]

    operations = [
        migrations.AlterField(
            model_name="study",
            name="show_feedback",
            field=models.BooleanField(
                default=True,
                help_text="Show respondents, after they submit, the right answer to each knowledge statement, why, and its sources, with their nation's 'what to do' card.",
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="nation",
            field=models.CharField(
                choices=[
                    ("england", "England"),
                    ("wales", "Wales"),
                    ("scotland", "Scotland"),
                    ("northern_ireland", "Northern Ireland"),
                ],
                default="england",
                help_text="Where the study's staff work: it picks the answers, sources and helplines the knowledge feedback gives (Northern Ireland has its own version of the survey).",
                max_length=20,
            ),
        ),
    ]
