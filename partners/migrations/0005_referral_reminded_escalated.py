from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_mediatorpartner_submission_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="reminded_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="relance envoyée le"),
        ),
        migrations.AddField(
            model_name="referral",
            name="escalated_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="signalée à la coordination le"
            ),
        ),
    ]
