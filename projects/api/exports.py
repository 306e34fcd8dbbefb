"""The project list as xlsx: same rows and filters as the API list, streamed to a temporary file."""

import tempfile

from anshan_projects.spreadsheets import StreamingWorkbook

COLUMNS = [
    # header, value of the row, kind
    ("项目代码", lambda p: p.code, None),
    ("项目名称", lambda p: p.name, None),
    ("投资主体/企业", lambda p: p.investor, None),
    ("县区", lambda p: p.region.name, None),
    ("产业", lambda p: p.sector.name if p.sector_id else "", None),
    ("项目类别", lambda p: p.category.name, None),
    ("牵头市直部门", lambda p: p.department.name if p.department_id else "", None),
    ("计划总投资(万元)", lambda p: p.total_investment, "money"),
    ("本年计划投资(万元)", lambda p: p.annual_plan, "money"),
    ("阶段", lambda p: p.get_stage_display(), None),
    ("开工类型", lambda p: p.get_start_type_display() if p.start_type else "", None),
    ("重点项目级别", lambda p: {"city": "市级重点", "county": "县级重点"}.get(p.key_level, ""), None),
    ("计划开工日期", lambda p: p.planned_start, None),
    ("实际开工日期", lambda p: p.actual_start, None),
    ("计划竣工日期", lambda p: p.planned_completion, None),
    ("实际竣工日期", lambda p: p.actual_completion, None),
    ("建设地点", lambda p: p.address, None),
]
WIDTHS = {0: 26, 1: 36, 2: 28, 16: 30}


def write_projects_xlsx(queryset):
    """Write the (already scoped and filtered) projects to a temporary xlsx file, positioned at 0.

    Rows are read in chunks from a server-side cursor and written in constant memory.
    """
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, closed there
    money = {i for i, (_, _, kind) in enumerate(COLUMNS) if kind == "money"}
    with StreamingWorkbook(target) as book:
        sheet = book.sheet("项目清单", [header for header, _, _ in COLUMNS], money_columns=money, widths=WIDTHS)
        for project in queryset.iterator(chunk_size=2000):
            sheet.write([value(project) for _, value, _ in COLUMNS])
    target.seek(0)
    return target
