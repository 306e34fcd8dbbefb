"""The progress import: read the sheet (calamine, after uploads.check_xlsx looked inside the zip),
validate every row with the entry rules (investment.entry_rules, many rows per query), preview, then
write all or nothing in one upsert."""

import datetime
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from python_calamine import CalamineWorkbook

from common import parsing
from projects.access import Action, project_q
from projects.models import Project

from .. import entry_rules
from ..models import EntryLimits, ProgressEntry
from ..selectors import effective_amount, month_start
from ..uploads import check_xlsx
from .columns import (
    CENT,
    COL_AMOUNT,
    COL_CODE,
    COL_CONFIRM,
    COL_ID,
    COL_PERIOD,
    COL_STATUS,
    CONFIRM_WORDS,
    MAX_TEXT,
    RULE_COLUMNS,
    TEXT_COLUMNS,
)


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
    problem = entry_rules.amount_error(amount)
    if problem:
        return None, problem
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

    this_month = entry_rules.current_month()
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
        elif problem := entry_rules.future_month_error(period, this_month=this_month):
            _error(result, line, COL_PERIOD, problem)
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
    frozen = entry_rules.frozen_months(periods)
    for line, project, period, _amount, _texts in resolved:
        problem = (
            project is not None and period is not None and entry_rules.frozen_error(period, frozen=frozen, via="import")
        )
        if problem:
            _error(result, line, COL_PERIOD, problem)

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
            if problem := entry_rules.locked_error(old, via="import"):
                _error(result, line, COL_STATUS, problem)
                continue
        limits = limits or EntryLimits.current()
        errors, flag = entry_rules.amount_rules(
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


UPSERT_SQL = (
    """
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
WHERE """
    # the entry rules' own statement of which states an import may change (entry_rules.EDITABLE)
    + entry_rules.editable_sql("investment_progressentry.status")
    + """
  AND (investment_progressentry.amount_completed, investment_progressentry.image_progress,
       investment_progressentry.next_steps, investment_progressentry.overrun_reason)
      IS DISTINCT FROM
      (EXCLUDED.amount_completed, EXCLUDED.image_progress, EXCLUDED.next_steps, EXCLUDED.overrun_reason)
"""
)


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
