"""Each department's single QPV population becomes the figure of a year.

The figures held so far (seeded by 0002 for Hauts-de-France, or typed in the admin) are INSEE's
populations of the 2015 QPV geography: they are recorded for 2015, the first year of that
geography, and the posts register of year N shows the latest figure of a year up to N (marked
with its year when it is not N's) until the figure of a later year is imported or typed.
"""

from django.db import migrations

FIGURES_YEAR = 2015  # the first year of the QPV geography these figures describe


def copy_figures(apps, schema_editor):
    Department = apps.get_model("mediation", "Department")
    QpvPopulation = apps.get_model("mediation", "QpvPopulation")
    QpvPopulation.objects.bulk_create(
        [
            QpvPopulation(department_id=pk, year=FIGURES_YEAR, population=population)
            for pk, population in Department.objects.filter(qpv_population__gt=0).values_list("pk", "qpv_population")
        ],
        ignore_conflicts=True,  # a figure already given for that year is kept
    )


def copy_back(apps, schema_editor):
    """Back to one figure per department: its latest one."""
    Department = apps.get_model("mediation", "Department")
    QpvPopulation = apps.get_model("mediation", "QpvPopulation")
    latest = {}
    for figure in QpvPopulation.objects.order_by("department_id", "-year"):
        latest.setdefault(figure.department_id, figure.population)
    for pk, population in latest.items():
        Department.objects.filter(pk=pk).update(qpv_population=population)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0011_geography_qpv_by_year")]
    operations = [migrations.RunPython(copy_figures, copy_back)]
