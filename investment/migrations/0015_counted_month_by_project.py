# One project's counted months with their amount and validity in the index (index-only scans for the
# per-project sums of the lights and the reports: common.lateral), replacing the plain (project, period)
# index. Built concurrently.
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("investment", "0014_scope_starts"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="countedmonth",
            index=models.Index(
                fields=["project", "period"],
                include=("amount", "valid_from", "valid_to"),
                name="counted_month_by_project",
            ),
        ),
        RemoveIndexConcurrently(model_name="countedmonth", name="counted_month_project_idx"),
    ]
