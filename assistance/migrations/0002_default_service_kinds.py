from django.db import migrations

# The kinds the article names (帮办代办: 企业注册、施工图审图、规划用地两证) and the usual others; an
# administrator edits, adds or retires them in the admin.
KINDS = [
    ("registration", "企业注册", False),
    ("drawing_review", "施工图审图", False),
    ("planning_permits", "规划用地两证", False),
    ("utilities", "水电气暖接入", False),
    ("recruiting", "招工", False),
    ("financing", "融资对接", False),
    ("other", "其他", True),
]


def load(apps, schema_editor):
    ServiceKind = apps.get_model("assistance", "ServiceKind")
    for order, (key, name, needs_text) in enumerate(KINDS, 1):
        ServiceKind.objects.get_or_create(
            key=key, defaults={"name": name, "needs_text": needs_text, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
