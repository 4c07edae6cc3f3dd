import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every request has its sheet's post; the bilan reads a year's requests from one index."""

    dependencies = [("accompaniments", "0008_fill_request_post")]

    operations = [
        migrations.AlterField(
            model_name="sheetrequest",
            name="post",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="mediation.post",
                verbose_name="poste",
            ),
        ),
        migrations.AddIndex(
            model_name="sheetrequest",
            index=models.Index(
                fields=["post", "opened_on"], include=("kind", "status", "closed_on"), name="request_post_opened_on"
            ),
        ),
    ]
