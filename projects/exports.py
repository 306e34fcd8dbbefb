"""The one project export: every surface that exports a list of projects (the project list page, the
API's /projects/export/, the progress export's kind=projects) writes these columns in this order."""

import tempfile

from common.spreadsheets import StreamingWorkbook

from .choices import KeyLevel
from .selectors import annotate_year_progress

KEY_LEVELS = dict(KeyLevel.choices)
COLUMNS = [
    # header, value of the row, kind
    ("项目代码", lambda p: p.code, None),
    ("项目名称", lambda p: p.name, None),
    ("投资主体/企业", lambda p: p.investor, None),
    ("县区", lambda p: p.region.name, None),
    ("产业", lambda p: p.sector.name if p.sector_id else "", None),
    ("项目类别", lambda p: p.category.name, None),
    ("牵头市直部门", lambda p: p.department.name if p.department_id else "", None),
    ("阶段", lambda p: p.get_stage_display(), None),
    ("开工类型", lambda p: p.get_start_type_display() if p.start_type else "", None),
    ("重点项目级别", lambda p: KEY_LEVELS.get(p.key_level, ""), None),
    ("计划总投资(万元)", lambda p: p.total_investment, "money"),
    ("本年计划投资(万元)", lambda p: p.annual_plan, "money"),
    ("计划开工日期", lambda p: p.planned_start, None),
    ("实际开工日期", lambda p: p.actual_start, None),
    ("计划竣工日期", lambda p: p.planned_completion, None),
    ("实际竣工日期", lambda p: p.actual_completion, None),
    ("建设地点", lambda p: p.address, None),
    # this year's completion, rate and gap as of the reporting month (insights.definitions)
    ("本年完成(已审核,万元)", lambda p: p.completed_ytd, "money"),
    ("完成率", lambda p: p.completion_rate, "percent"),
    ("差额(应完成−已完成,万元)", lambda p: p.gap, "money"),
]
HEADERS = [header for header, _, _ in COLUMNS]
WIDTHS = {1: 40, 2: 28, 16: 30}


def write_projects(target, queryset, *, today=None):
    """Write the (already scoped, filtered and ordered) projects to ``target`` (a path or a binary
    file). Rows come in chunks from a server-side cursor, written in constant memory. Returns the count."""
    queryset = annotate_year_progress(queryset.select_related("region", "sector", "category", "department"),
                                      today=today)  # fmt: skip
    money = {i for i, (_, _, kind) in enumerate(COLUMNS) if kind == "money"}
    percent = {i for i, (_, _, kind) in enumerate(COLUMNS) if kind == "percent"}
    count = 0
    with StreamingWorkbook(target) as book:
        sheet = book.sheet("项目", HEADERS, money_columns=money, percent_columns=percent, widths=WIDTHS)
        for project in queryset.iterator(chunk_size=2000):
            sheet.write([value(project) for _, value, _ in COLUMNS])
            count += 1
    return count


def projects_xlsx_file(queryset):
    """The export in a temporary file positioned at 0 (the caller's response closes it)."""
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, closed there
    write_projects(target, queryset)
    target.seek(0)
    return target
