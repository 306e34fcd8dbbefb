# The dashboard's latest site photos (portal.selectors.recent_photos) read from an index, newest first,
# instead of sorting every photo in scope. Built concurrently.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("investment", "0012_scope_sync_without_temp_tables"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="sitephoto",
            index=models.Index(
                fields=["-taken_on", "-id"], condition=models.Q(kind="image"), name="photo_image_newest"
            ),
        ),
    ]
