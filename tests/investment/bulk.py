"""Many projects fast (COPY), for size tests and the import benchmark."""

import datetime

from django.db import connection
from django.utils import timezone

from projects.models import Category, Project, Region


def bulk_projects(n, region_key="tiedong", prefix="T"):
    region = Region.objects.get(key=region_key)
    category = Category.objects.get(key="industrial")
    now = timezone.now()
    with connection.cursor() as cursor:
        # Seeded rows are not user edits: keep the project audit triggers quiet (as demo/builders.py does).
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'projects_project'::regclass AND NOT tgisinternal"
        )
        names = ",".join(name for (name,) in cursor.fetchall())
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + names + "}"])
        sql = (
            "COPY projects_project (code, name, investor, description, region_id, category_id, total_investment,"
            " annual_plan, stage, start_type, address, created_at, updated_at, actual_start) FROM STDIN"
        )
        with cursor.cursor.copy(sql) as copy:
            for i in range(n):
                copy.write_row(
                    (
                        f"2026-210302-04-01-{prefix}{i:05d}",
                        f"批量项目{i}",
                        "",
                        "",
                        region.pk,
                        category.pk,
                        1000000,
                        0,
                        "construction",
                        "new",
                        "",
                        now,
                        now,
                        datetime.date(2025, 1, 1),
                    )
                )
    return Project.objects.filter(code__startswith=f"2026-210302-04-01-{prefix}")
