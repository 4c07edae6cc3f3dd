import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_referral_reminded_escalated"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferralEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="le")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("assigned", "Attribuée à un poste"),
                            ("handed_over", "Confiée à un autre poste"),
                            ("handed_back", "Rendue à la coordination"),
                        ],
                        max_length=20,
                        verbose_name="étape",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="motif")),
                (
                    "by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="par",
                    ),
                ),
                (
                    "from_post",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="mediation.post",
                        verbose_name="du poste",
                    ),
                ),
                (
                    "referral",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="partners.referral",
                        verbose_name="orientation",
                    ),
                ),
                (
                    "to_post",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="mediation.post",
                        verbose_name="vers le poste",
                    ),
                ),
            ],
            options={
                "verbose_name": "étape d'une orientation",
                "verbose_name_plural": "étapes des orientations",
                "ordering": ["at", "pk"],
            },
        ),
    ]
