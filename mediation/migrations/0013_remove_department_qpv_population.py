"""The department's single QPV population goes: its figures are QpvPopulation rows (0012)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("mediation", "0012_qpv_population_figures")]
    operations = [migrations.RemoveField(model_name="department", name="qpv_population")]
