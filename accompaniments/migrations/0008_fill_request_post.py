from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill_post(apps, schema_editor):
    """Each existing request takes its sheet's post, in one statement."""
    Sheet = apps.get_model("accompaniments", "Sheet")
    SheetRequest = apps.get_model("accompaniments", "SheetRequest")
    post = Sheet.objects.filter(pk=OuterRef("sheet_id")).values("post_id")[:1]
    SheetRequest.objects.filter(post__isnull=True).update(post_id=Subquery(post))


class Migration(migrations.Migration):
    dependencies = [("accompaniments", "0007_request_post")]

    operations = [migrations.RunPython(fill_post, migrations.RunPython.noop)]
