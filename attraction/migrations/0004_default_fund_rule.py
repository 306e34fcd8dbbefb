from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    FundRule = apps.get_model("attraction", "FundRule")
    if not FundRule.objects.exists():
        # The article: 市县两级招商经费保底1亿元 (10000 万元); an administrator may change it.
        FundRule.objects.create(name="市县两级招商经费保底", min_total_budget=Decimal("10000.00"),
                                basis="《鞍山市招商引资专项资金使用管理办法》")  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("attraction", "0003_organisation")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
