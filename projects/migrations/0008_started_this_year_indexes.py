# 开复工 this year (insights.definitions.started_or_resumed_q) read from two indexes: the key projects of
# the building stages with their start date and id (an index-only scan, where the old (stage,
# total_investment) index visited every such row), and the stage changes into a stage by date.
# Built concurrently: writes to the projects go on while a large table is indexed.
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("projects", "0007_merge_branches_dec"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="project",
            index=models.Index(
                fields=["stage", "total_investment"], include=("actual_start", "id", "region"), name="project_stage_invest"
            ),
        ),
        RemoveIndexConcurrently(model_name="project", name="projects_pr_stage_726c76_idx"),
        AddIndexConcurrently(
            model_name="stagechange",
            index=models.Index(fields=["to_stage", "changed_on", "project"], name="stage_change_entered"),
        ),
    ]
