from django.db import migrations

DEFAULTS = [("main_leader", 30), ("leader_in_charge", 15), ("department", 7), ("county", 1)]


def create(apps, schema_editor):
    CadenceRule = apps.get_model("attraction", "CadenceRule")
    for level, days in DEFAULTS:
        CadenceRule.objects.get_or_create(level=level, defaults={"interval_days": days})


class Migration(migrations.Migration):
    dependencies = [("attraction", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
