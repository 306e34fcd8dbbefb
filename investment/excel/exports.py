"""The progress export, and the project export of the progress pages (the one project export,
projects.exports, over the project filterset)."""

from common.spreadsheets import StreamingWorkbook
from projects.exports import write_projects
from projects.filters import ProjectFilterSet
from projects.selectors import projects_in_scope

from ..selectors import entries_with_totals
from .columns import COL_CODE, COL_IMAGE, COL_NAME, COL_NEXT, COL_PERIOD, COL_REGION, COL_STATUS

PROGRESS_EXPORT_HEADERS = [
    COL_CODE,
    COL_NAME,
    COL_REGION,
    COL_PERIOD,
    "本月完成投资(万元)",
    "修正后(万元)",
    "本年累计(万元)",
    "开工累计(万元)",
    COL_IMAGE,
    COL_NEXT,
    COL_STATUS,
    "已修正",
]


def export_progress(*, user, target, region=None, period=None, project=None):
    """The progress table (filtered) with year-to-date and since-start totals."""
    book = StreamingWorkbook(target)
    sheet = book.sheet("月度进度", PROGRESS_EXPORT_HEADERS, money_columns={4, 5, 6, 7}, widths={1: 36, 8: 40, 9: 30})
    count = 0
    for e in entries_with_totals(user=user, region=region, period=period, project=project):
        sheet.write(
            [
                e.project.code or "",
                e.project.name,
                e.project.region.name,
                f"{e.period:%Y-%m}",
                e.amount_completed,
                e.amended_amount,
                e.ytd,
                e.since_start,
                e.image_progress,
                e.next_steps,
                e.get_status_display(),
                e.is_amended,
            ]
        )
        count += 1
    book.close()
    return count


def export_projects(*, user, target, params):
    """Any filtered project list (the project filterset's parameters), written by the one project
    export (projects.exports: the same columns as the project list page and the API export)."""
    qs = ProjectFilterSet(params, queryset=projects_in_scope(user=user)).qs
    return write_projects(target, qs)
