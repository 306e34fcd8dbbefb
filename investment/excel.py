"""Excel in and out of progress reporting: the county's monthly template, the import (validate,
preview, then write all or nothing) and the xlsx exports.

Imports parse with python-calamine (fast, Rust) after uploads.check_xlsx has looked inside the
zip; writes go through anshan_projects.spreadsheets.StreamingWorkbook (formula-safe text).
"""

import datetime
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from python_calamine import CalamineWorkbook

from anshan_projects import parsing
from anshan_projects.periods import reporting_month
from anshan_projects.spreadsheets import StreamingWorkbook, safe_text
from projects.access import Action, project_q
from projects.filters import ProjectFilterSet
from projects.models import Project

from .choices import EntryStatus
from .models import EntryLimits, ProgressEntry
from .selectors import (
    counted_month_rows,
    effective_amount,
    entries_with_totals,
    frozen_periods,
    may_enter_region,
    month_sheet,
    month_start,
)
from .services import CONFIRM_FIELD, entry_rules
from .uploads import check_xlsx

CENT = Decimal("0.01")

COL_ID = "项目ID"
COL_CODE = "项目代码"
COL_NAME = "项目名称"
COL_REGION = "县区"
COL_PERIOD = "填报月份"
COL_TOTAL = "计划总投资(万元)"
COL_BEFORE = "此前累计完成(万元)"
COL_AMOUNT = "本月完成投资(万元)"
COL_IMAGE = "形象进度"
COL_NEXT = "下步计划"
COL_REASON = "超概算说明"
COL_STATUS = "状态"
# Optional: "是" confirms an implausible amount (services.entry_rules), which is then flagged for the reviewer.
COL_CONFIRM = "确认金额无误"
CONFIRM_WORDS = {"是", "y", "yes", "1", "true", "确认"}
TEMPLATE_HEADERS = [
    COL_ID,
    COL_CODE,
    COL_NAME,
    COL_REGION,
    COL_PERIOD,
    COL_TOTAL,
    COL_BEFORE,
    COL_AMOUNT,
    COL_IMAGE,
    COL_NEXT,
    COL_REASON,
    COL_STATUS,
]
TEXT_COLUMNS = {COL_IMAGE: "image_progress", COL_NEXT: "next_steps", COL_REASON: "overrun_reason"}
RULE_COLUMNS = {"overrun_reason": COL_REASON, CONFIRM_FIELD: COL_AMOUNT}
MAX_TEXT = 2000


# --- template ---------------------------------------------------------------------------------


def progress_template(*, user, region, period, target):
    """The county's monthly sheet: its projects pre-filled, lists and checks built into the sheet.

    Only for users who may enter progress in that region (an administrator anywhere, possibly an
    empty sheet); anyone else is refused (PermissionDenied, which callers answer with 404).
    """
    if not may_enter_region(user=user, region=region):
        raise PermissionDenied("无权填报该县区。")
    period = month_start(period)
    projects = month_sheet(user=user, region=region, period=period, action=Action.CHANGE)
    book = StreamingWorkbook(target)
    sheet = book.sheet(
        f"{period:%Y-%m}进度",
        TEMPLATE_HEADERS,
        money_columns={5, 6, 7},
        widths={1: 26, 2: 36, 8: 40, 9: 30, 10: 24},
    )
    ws = sheet.worksheet
    for p in projects:
        entry = p.entry
        sheet.write(
            [
                p.pk,
                p.code or "",
                p.name,
                p.region.name,
                f"{period:%Y-%m}",
                p.total_investment,
                p.before_total,
                entry.amount_completed if entry else None,
                entry.image_progress if entry else "",
                entry.next_steps if entry else "",
                entry.overrun_reason if entry else "",
                entry.get_status_display() if entry else "未填报",
            ]
        )
    last = max(sheet.row, 2)
    # A hidden list sheet feeds the project-code drop-down.
    codes = book.book.add_worksheet("项目代码表")
    for i, p in enumerate(projects):
        codes.write_string(i, 0, safe_text(p.code or ""))
    codes.hide()
    if projects:
        ws.data_validation(
            1,
            1,
            last + 200,
            1,
            {
                "validate": "list",
                "source": f"='项目代码表'!$A$1:$A${len(projects)}",
                "error_title": "项目代码",
                "error_message": "请从下拉列表中选择本县区的项目代码。",
            },
        )
    ws.data_validation(
        1, 4, last + 200, 4, {"validate": "list", "source": [f"{period:%Y-%m}"], "error_message": "填报月份不可更改。"}
    )
    ws.data_validation(
        1,
        7,
        last + 200,
        7,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": COL_AMOUNT,
            "error_message": "请输入不小于0的数字(万元)。",
            "input_title": COL_AMOUNT,
            "input_message": "单位:万元,保留两位小数。",
        },
    )
    book.close()
    return len(projects)


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    errors: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    written: bool = False

    @property
    def valid(self):
        return not self.errors

    def as_dict(self, preview_limit=500):
        return {
            "rows": self.rows,
            "valid": self.valid,
            "written": self.written,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors[:1000],
            "error_count": len(self.errors),
            "changes": self.changes[:preview_limit],
            "seconds": Decimal(self.seconds).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
        }


def unknown_project_message(kind, value):
    """One answer for "no such project" and "not yours" (outside scope a project does not exist)."""
    return f"项目代码“{value}”无效或不可用。" if kind == "code" else f"项目ID“{value}”无效或不可用。"


def _error(result, row, column, message):
    result.errors.append({"row": row, "column": column, "message": message})


def _parse_amount(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "必须填写。"
    if isinstance(value, bool):
        return None, "应为数字。"
    if isinstance(value, int | float):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        try:
            amount = parsing.decimal(value, field="amount", places=8)
        except parsing.ParseError:
            return None, f"“{str(value)[:20]}”不是数字。"
    if not amount.is_finite():
        return None, "应为数字。"
    if amount < 0:
        return None, "金额不能为负数。"
    if amount >= Decimal("1e12"):
        return None, "金额过大。"
    return amount.quantize(CENT, rounding=ROUND_HALF_UP), None


def _parse_period(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return month_start(value if isinstance(value, datetime.date) else value.date()), None
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("/", "-").replace("年", "-").replace("月", "")
        # '2026-3' as typed by hand: pad the month, then the one parser decides.
        text = re.sub(r"^([0-9]{4})-([0-9])$", r"\1-0\2", text)
        try:
            return parsing.month(text), None
        except parsing.ParseError:
            pass
    return None, "月份格式应为 YYYY-MM。"


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # parsed: a number cell, not text
    return str(value).strip()


FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<f[\s>/]')


def refuse_formulas(data: bytes):
    """A formula's cached value is whatever the writing program stored (0 from many generators), not
    what the county meant: refuse formula cells, naming the first, instead of importing a guess."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found = FORMULA_CELL.search(archive.read(name))
                if found:
                    cell = found.group(1).decode()
                    raise ValidationError({"file": f"单元格 {cell} 是公式:请复制后“粘贴为数值”再导入。"})


def read_rows(data: bytes):
    """(headers, rows) of the first sheet, via calamine. Refuses malformed files with a message."""
    refuse_formulas(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own and panics as several types
        raise ValidationError({"file": f"文件无法解析:{type(exc).__name__}。"}) from None
    if not rows:
        raise ValidationError({"file": "工作表为空。"})
    headers = [_text(h) for h in rows[0]]
    return headers, rows[1:]


def validate_progress_rows(*, user, headers, rows, max_rows=None):
    """Check every row; return (ImportResult, planned writes). Writes nothing."""
    started = time.perf_counter()
    result = ImportResult()
    max_rows = max_rows or getattr(settings, "IMPORT_MAX_ROWS", 50_000)
    index = {h: i for i, h in enumerate(headers) if h}
    missing = [h for h in (COL_PERIOD, COL_AMOUNT) if h not in index]
    if COL_CODE not in index and COL_ID not in index:
        missing.insert(0, COL_CODE)
    if missing:
        raise ValidationError({"file": f"缺少列:{'、'.join(missing)}(请使用下载的模板)。"})
    if len(rows) > max_rows:
        raise ValidationError({"file": f"行数过多({len(rows)}),每次最多导入 {max_rows} 行。"})

    def cell(row, name):
        i = index.get(name)
        return row[i] if i is not None and i < len(row) else None

    today_month = timezone.localdate().replace(day=1)
    parsed = []
    codes, ids = set(), set()
    for offset, row in enumerate(rows):
        line = offset + 2  # Excel row number (header is row 1)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        amount_raw = cell(row, COL_AMOUNT)
        texts = {attr: _text(cell(row, col)) for col, attr in TEXT_COLUMNS.items()}
        if (amount_raw is None or _text(amount_raw) == "") and not any(texts.values()):
            continue  # a pre-filled template row the county left empty
        result.rows += 1
        code = _text(cell(row, COL_CODE)).upper()
        pid = _text(cell(row, COL_ID))
        ref = None
        if "\x00" in code or len(code) > 100:
            _error(result, line, COL_CODE, unknown_project_message("code", code[:30].replace("\x00", "")))
        elif code:
            ref = ("code", code)
            codes.add(code)
        elif pid:
            try:
                ref = ("id", parsing.object_id(pid, field=COL_ID))
                ids.add(ref[1])
            except parsing.ParseError:
                _error(result, line, COL_ID, unknown_project_message("id", pid[:20].replace("\x00", "")))
        else:
            _error(result, line, COL_CODE, "缺少项目代码。")
        period, problem = _parse_period(cell(row, COL_PERIOD))
        if problem:
            _error(result, line, COL_PERIOD, problem)
        elif period > today_month:
            _error(result, line, COL_PERIOD, "不能填报未来月份。")
            period = None
        amount, problem = _parse_amount(amount_raw)
        if problem:
            _error(result, line, COL_AMOUNT, problem)
        for col, attr in TEXT_COLUMNS.items():
            try:
                parsing.text(texts[attr], field=col, max_length=MAX_TEXT)
            except parsing.ParseError as error:
                _error(result, line, col, error.messages[0])
        texts["confirm"] = _text(cell(row, COL_CONFIRM)).lower() in CONFIRM_WORDS
        parsed.append((line, ref, period, amount, texts))

    # Projects: one query for all references, within the user's scope only: a project the user may
    # not change answers exactly as a made-up one does (no existence oracle across counties).
    projects_by_code, projects_by_id = {}, {}
    if codes or ids:
        for p in (
            Project.objects.filter(project_q(user, Action.CHANGE))
            .filter(Q(code__in=codes) | Q(pk__in=ids))
            .only("id", "code", "name", "total_investment", "annual_plan", "region_id")
        ):
            if p.code:
                projects_by_code[p.code] = p
            projects_by_id[p.pk] = p

    resolved = []
    for line, ref, period, amount, texts in parsed:
        project = None
        if ref is not None:
            project = (projects_by_code if ref[0] == "code" else projects_by_id).get(ref[1])
            column = COL_CODE if ref[0] == "code" else COL_ID
            if project is None:
                _error(result, line, column, unknown_project_message(*ref))
        resolved.append((line, project, period, amount, texts))

    # Duplicates within the file.
    seen = {}
    for line, project, period, _amount, _texts in resolved:
        if project is None or period is None:
            continue
        key = (project.pk, period)
        if key in seen:
            _error(result, line, COL_CODE, f"与第 {seen[key]} 行重复(同一项目同一月份)。")
        else:
            seen[key] = line

    periods = {period for _, _, period, _, _ in resolved if period}
    frozen = frozen_periods(periods=periods)
    for line, project, period, _amount, _texts in resolved:
        if period in frozen and project is not None:
            _error(result, line, COL_PERIOD, f"{period:%Y-%m} 已冻结(调度报告已印发),不能导入;请在系统中提交修正。")

    project_ids = {p.pk for _, p, _, _, _ in resolved if p is not None}
    existing = {}
    totals = {}
    if project_ids:
        for e in ProgressEntry.objects.filter(project_id__in=project_ids, period__in=periods).only(
            "id",
            "project_id",
            "period",
            "amount_completed",
            "amended_amount",
            "image_progress",
            "next_steps",
            "overrun_reason",
            "status",
        ):
            existing[(e.project_id, e.period)] = e
        totals = dict(
            ProgressEntry.objects.filter(project_id__in=project_ids)
            .values("project_id")
            .annotate(total=Sum(effective_amount()))
            .values_list("project_id", "total")
        )
    # Since-start after the import: existing total, less the months the file replaces, plus the file.
    after = dict(totals)
    for _line, project, period, amount, _texts in resolved:
        if project is None or period is None or amount is None:
            continue
        old = existing.get((project.pk, period))
        after[project.pk] = after.get(project.pk, Decimal("0")) - (old.effective_amount if old else 0) + amount

    writes = []
    limits = None  # read once, on the first row that needs it
    for line, project, period, amount, texts in resolved:
        if project is None or period is None or amount is None:
            continue
        old = existing.get((project.pk, period))
        new_values = (amount, texts["image_progress"], texts["next_steps"], texts["overrun_reason"])
        if old is not None:
            old_values = (old.amount_completed, old.image_progress, old.next_steps, old.overrun_reason)
            if old_values == new_values:
                result.unchanged += 1
                continue
            if old.status in (EntryStatus.SUBMITTED, EntryStatus.VERIFIED):
                _error(result, line, COL_STATUS, f"该月进度{old.get_status_display()},不能通过导入修改。")
                continue
        limits = limits or EntryLimits.current()
        errors, flag = entry_rules(
            project=project,
            amount=amount,
            overrun_reason=texts["overrun_reason"],
            since_start_other=after.get(project.pk, Decimal("0")) - amount,
            confirmed=texts["confirm"],
            limits=limits,
        )
        if errors:
            for name, message in errors.items():
                _error(
                    result,
                    line,
                    RULE_COLUMNS[name],
                    message.replace("勾选“确认金额无误”", f"在“{COL_CONFIRM}”列填“是”"),
                )
            continue
        result.changes.append(
            {
                "row": line,
                "project_id": project.pk,
                "code": project.code or "",
                "name": project.name,
                "period": f"{period:%Y-%m}",
                "old_amount": str(old.amount_completed) if old else None,
                "new_amount": str(amount),
                "action": "update" if old else "create",
            }
        )
        writes.append((project.pk, period, *new_values, flag))
    result.errors.sort(key=lambda e: (e["row"], e["column"]))
    result.created = sum(1 for c in result.changes if c["action"] == "create")
    result.updated = len(result.changes) - result.created
    result.seconds = time.perf_counter() - started
    return result, writes


UPSERT_SQL = """
INSERT INTO investment_progressentry
    (project_id, period, amount_completed, image_progress, next_steps, overrun_reason, amount_flag,
     status, version, created_by_id, return_reason, created_at, updated_at)
SELECT r.project_id, r.period, r.amount, r.image, r.next, r.reason, r.flag, 'draft', 1, %s, '', now(), now()
FROM unnest(%s::bigint[], %s::date[], %s::numeric[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS r(project_id, period, amount, image, next, reason, flag)
ON CONFLICT (project_id, period) DO UPDATE SET
    amount_completed = EXCLUDED.amount_completed,
    amount_flag = EXCLUDED.amount_flag,
    image_progress = EXCLUDED.image_progress,
    next_steps = EXCLUDED.next_steps,
    overrun_reason = EXCLUDED.overrun_reason,
    status = 'draft',
    version = investment_progressentry.version + 1,
    updated_at = now()
WHERE investment_progressentry.status IN ('draft', 'returned')
  AND (investment_progressentry.amount_completed, investment_progressentry.image_progress,
       investment_progressentry.next_steps, investment_progressentry.overrun_reason)
      IS DISTINCT FROM
      (EXCLUDED.amount_completed, EXCLUDED.image_progress, EXCLUDED.next_steps, EXCLUDED.overrun_reason)
"""


def progress_import(*, user, data: bytes, dry_run=True):
    """Validate an uploaded progress sheet; unless ``dry_run``, write it all or nothing.

    Idempotent: a row equal to what is stored changes nothing, so importing the same file twice
    (or two users at once: rows are upserted on the project+month unique constraint under a lock)
    never doubles anything.
    """
    started = time.perf_counter()
    check_xlsx(data)
    headers, rows = read_rows(data)
    if dry_run:
        result, _ = validate_progress_rows(user=user, headers=headers, rows=rows)
        result.seconds = time.perf_counter() - started
        return result
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One import at a time: validation and write see the same data.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('investment.progress_import'))")
        result, writes = validate_progress_rows(user=user, headers=headers, rows=rows)
        if result.errors or not writes:
            result.seconds = time.perf_counter() - started
            return result
        columns = list(zip(*writes, strict=True))
        with pghistory.context(user=user.pk, source="xlsx_import"), connection.cursor() as cursor:
            cursor.execute(
                UPSERT_SQL,
                [
                    user.pk,
                    list(columns[0]),
                    list(columns[1]),
                    list(columns[2]),
                    list(columns[3]),
                    list(columns[4]),
                    list(columns[5]),
                    list(columns[6]),
                ],
            )
        result.written = True
    result.seconds = time.perf_counter() - started
    return result


# --- exports ----------------------------------------------------------------------------------

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


EXPORT_MONEY = DecimalField(max_digits=20, decimal_places=2)
PROJECT_EXPORT_HEADERS = [
    COL_CODE,
    COL_NAME,
    "投资主体",
    COL_REGION,
    "阶段",
    COL_TOTAL,
    "本年计划(万元)",
    "本年累计完成(万元)",
    "开工累计完成(万元)",
    "超概算",
]


def _counted_sum(first, last):
    """Counted investment of the outer project over the months ``first``..``last`` (None: from the
    start): the rollup's rows, summed as insights.definitions.completed sums them (this app sits
    below insights, so the export reads the same rows directly)."""
    rows = counted_month_rows().filter(project_id=OuterRef("pk"), period__lte=last)
    if first is not None:
        rows = rows.filter(period__gte=first)
    total = rows.order_by().values("project_id").annotate(total=Sum("amount")).values("total")[:1]
    return Coalesce(Subquery(total, output_field=EXPORT_MONEY), Value(Decimal("0.00")), output_field=EXPORT_MONEY)


def export_projects(*, user, target, params, year=None):
    """Any filtered project list (the project filterset's parameters) with completed totals: counted
    investment (统计口径) January through the reporting month, and since the start."""
    month = reporting_month(timezone.localdate())
    if year is not None and year != month.year:
        month = datetime.date(year, 12, 1)
    qs = (
        Project.objects.restrict(user, Action.VIEW)
        .select_related("region")
        .annotate(
            ytd_completed=_counted_sum(datetime.date(month.year, 1, 1), month),
            since_start_completed=_counted_sum(None, month),
        )
        .annotate(
            overrun=ExpressionWrapper(Q(since_start_completed__gt=F("total_investment")), output_field=BooleanField())
        )
    )
    qs = ProjectFilterSet(params, queryset=qs).qs
    book = StreamingWorkbook(target)
    sheet = book.sheet("项目", PROJECT_EXPORT_HEADERS, money_columns={5, 6, 7, 8}, widths={1: 40, 2: 30})
    count = 0
    for p in qs.iterator(chunk_size=2000):
        sheet.write(
            [
                p.code or "",
                p.name,
                p.investor,
                p.region.name,
                p.get_stage_display(),
                p.total_investment,
                p.annual_plan,
                p.ytd_completed,
                p.since_start_completed,
                p.overrun,
            ]
        )
        count += 1
    book.close()
    return count
