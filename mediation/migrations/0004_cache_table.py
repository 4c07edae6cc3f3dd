"""The database cache (login rate limits shared by every worker) lives in a table that
Django creates with a command; creating it here means every database that is migrated has it."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0003_vocabularies")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
