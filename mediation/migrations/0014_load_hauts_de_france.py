"""Hauts-de-France's 3 782 current communes (with their population and postal codes) and the
former codes of its merged communes, from the COG shipped in mediation/geography/cog.json.gz.

The region, its territories (Nord, Pas-de-Calais, Picardie) and its five departments seeded by
0002 are kept as they are: the loader only adds what is missing. Other regions are loaded with
`python manage.py load_geography --region CODE` (or `--all`). Reversing keeps the communes
(structures, posts and people may refer to them)."""

from django.db import migrations

HAUTS_DE_FRANCE = "32"


def load(apps, schema_editor):
    from mediation import geography

    geography.load([HAUTS_DE_FRANCE], apps=apps)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0013_remove_department_qpv_population")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
