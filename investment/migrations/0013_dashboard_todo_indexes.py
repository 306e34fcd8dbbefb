# The dashboard's latest site photos (portal.selectors.recent_photos) read from an index, newest first,
# instead of sorting every photo in scope; a month's entries with their status from the index alone
# (investment.selectors.month_status_counts, the county to-do's cards). Built concurrently.
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("investment", "0012_scope_sync_without_temp_tables"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="progressentry",
            index=models.Index(fields=["period", "project"], include=("status",), name="progress_period_project"),
        ),
        RemoveIndexConcurrently(model_name="progressentry", name="investment__period_74cd0f_idx"),
        AddIndexConcurrently(
            model_name="sitephoto",
            index=models.Index(
                fields=["-taken_on", "-id"], condition=models.Q(kind="image"), name="photo_image_newest"
            ),
        ),
    ]
