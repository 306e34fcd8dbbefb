"""Time the xlsx progress import: validate (dry run), write, and re-import (idempotent) N rows.

Runs inside a transaction that is rolled back: the database is left as it was.
"""

import io
import time

import xlsxwriter
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from investment.excel import TEMPLATE_HEADERS, progress_import
from projects.choices import Role
from projects.models import Category, Project, Region, RoleAssignment


class Rollback(Exception):
    pass


def _sheet(projects, region_name, period, amount):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, TEMPLATE_HEADERS)
    for r, (pk, code, name) in enumerate(projects, start=1):
        sheet.write_row(r, 0, [pk, code, name, region_name, period, 1_000_000, 0, amount, "主体施工", "", "", ""])
    book.close()
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Benchmark validating and importing an xlsx progress file of N rows (default 10,000)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)

    def handle(self, *args, rows, **options):
        from django.contrib.auth import get_user_model

        try:
            with transaction.atomic():
                region = Region.objects.get(key="tiedong")
                user, _ = get_user_model().objects.get_or_create(username="bench_import_user")
                RoleAssignment.objects.get_or_create(user=user, role=Role.COUNTY_STAFF, region=region)
                category = Category.objects.first()
                now = timezone.now()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('pgtrigger.ignore', string_agg(tgname, ','), true) FROM pg_trigger "
                        "WHERE tgrelid = 'projects_project'::regclass AND NOT tgisinternal"
                    )
                    cursor.execute(
                        "SELECT set_config('pgtrigger.ignore', '{' || current_setting('pgtrigger.ignore') || '}', true)"
                    )
                    sql = (
                        "COPY projects_project (code, name, investor, description, region_id, category_id,"
                        " total_investment, annual_plan, stage, start_type, address, created_at, updated_at)"
                        " FROM STDIN"
                    )
                    with cursor.cursor.copy(sql) as copy:
                        for i in range(rows):
                            copy.write_row(
                                (f"2099-210302-04-01-B{i:05d}", f"基准项目{i}", "", "", region.pk, category.pk,
                                 1_000_000, 0, "construction", "new", "", now, now)
                            )  # fmt: skip
                projects = list(
                    Project.objects.filter(code__startswith="2099-210302").values_list("pk", "code", "name")
                )
                period = f"{timezone.localdate().replace(day=1):%Y-%m}"
                started = time.perf_counter()
                data = _sheet(projects, region.name, period, 123.45)
                build = time.perf_counter() - started
                t0 = time.perf_counter()
                preview = progress_import(user=user, data=data, dry_run=True)
                t1 = time.perf_counter()
                written = progress_import(user=user, data=data, dry_run=False)
                t2 = time.perf_counter()
                again = progress_import(user=user, data=data, dry_run=False)
                t3 = time.perf_counter()
                changed = _sheet(projects, region.name, period, 234.56)
                updated = progress_import(user=user, data=changed, dry_run=False)
                t4 = time.perf_counter()
                self.stdout.write(
                    f"rows={rows} file={len(data) / 1024:.0f} KB (built in {build:.2f} s)\n"
                    f"validate (dry run): {t1 - t0:.2f} s, valid={preview.valid}, would create {preview.created}\n"
                    f"validate + write:   {t2 - t1:.2f} s, created {written.created}\n"
                    f"re-import same file: {t3 - t2:.2f} s, unchanged {again.unchanged}, created {again.created}\n"
                    f"import with every amount changed: {t4 - t3:.2f} s, updated {updated.updated}"
                )
                raise Rollback
        except Rollback:
            pass
