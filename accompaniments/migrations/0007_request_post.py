import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Requests carry their sheet's post (filled by the next migration, then required)."""

    dependencies = [
        ("accompaniments", "0006_duplicate_keys_and_distinct_pairs"),
        ("mediation", "0004_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="sheetrequest",
            name="post",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="mediation.post",
                verbose_name="poste",
            ),
        ),
    ]
