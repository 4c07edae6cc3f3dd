"""Hauts-de-France, its bilan territories and five departments with their QPV populations."""

from django.db import migrations

REGION = ("32", "Hauts-de-France")
TERRITORIES = [("nord", "Nord", 1), ("pas-de-calais", "Pas-de-Calais", 2), ("picardie", "Picardie", 3)]
DEPARTMENTS = [
    ("02", "Aisne", "picardie", 37067),
    ("59", "Nord", "nord", 426598),
    ("60", "Oise", "picardie", 74339),
    ("62", "Pas-de-Calais", "pas-de-calais", 173891),
    ("80", "Somme", "picardie", 34900),
]


def load(apps, schema_editor):
    Region = apps.get_model("mediation", "Region")
    Territory = apps.get_model("mediation", "Territory")
    Department = apps.get_model("mediation", "Department")
    region, _ = Region.objects.get_or_create(code=REGION[0], defaults={"name": REGION[1]})
    territories = {}
    for code, name, order in TERRITORIES:
        territories[code], _ = Territory.objects.get_or_create(
            region=region, code=code, defaults={"name": name, "order": order}
        )
    for code, name, territory, population in DEPARTMENTS:
        Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "region": region,
                "territory": territories[territory],
                "qpv_population": population,
            },
        )


def unload(apps, schema_editor):
    Region = apps.get_model("mediation", "Region")
    Territory = apps.get_model("mediation", "Territory")
    Department = apps.get_model("mediation", "Department")
    Department.objects.filter(code__in=[d[0] for d in DEPARTMENTS]).delete()
    Territory.objects.filter(region__code=REGION[0]).delete()
    Region.objects.filter(code=REGION[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_core")]
    operations = [migrations.RunPython(load, unload)]
