"""Writes for progress reporting. Views, serializers, imports, commands and tasks call these."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from common import parsing
from common.writes import audit as _audit
from common.writes import refuse_unknown as _refuse_unknown
from projects.access import Action, can, responsible_region_allowed
from projects.models import Project
from projects.services import project_lock

from . import entry_rules, signals
from .choices import AmendmentStatus, EntryStatus, ProblemStatus, ProcedureStatus
from .models import (
    FundingSource,
    PeriodFreeze,
    PhotoComment,
    Problem,
    ProcedureItem,
    ProgressAmendment,
    ProgressEntry,
    SitePhoto,
)
from .selectors import effective_amount, month_start, period_is_frozen
from .uploads import inspect_media, read_limited, store_media


class ConflictError(Exception):
    """Someone else saved the same record since the user loaded it (optimistic locking).
    ``current`` is the record as stored now (None when unknown), to show the user what changed."""

    message = "该记录已被他人修改,请刷新后重试。"

    def __init__(self, current=None):
        super().__init__(self.message)
        self.current = current

    def __str__(self):
        return self.message


REFUSALS = {
    Action.CHANGE: "无权修改该项目的进度数据。",
    Action.VERIFY: "无权审核该项目的进度。",
}


def _require(user, action, project):
    if user is not None and not can(user, action, project):
        raise PermissionDenied(REFUSALS.get(action, "无权操作该项目。"))


def _check_version(obj, version):
    if (
        version is not None
        and parsing.integer(version, field="version", min_value=0, max_value=2**31 - 1) != obj.version
    ):
        raise ConflictError(obj)


def _decimal(value, field):
    if isinstance(value, Decimal):
        return value
    try:
        return parsing.decimal(value, field=field, places=8)
    except parsing.ParseError:
        raise ValidationError({field: "请输入数字。"}) from None


# --- freeze -----------------------------------------------------------------------------------


@transaction.atomic
def period_freeze(*, period, user=None, reason=""):
    """Freeze a month (its dispatch report has been issued). Idempotent: freezing twice keeps the first."""
    period = month_start(period)
    freeze, _ = PeriodFreeze.objects.get_or_create(period=period, defaults={"frozen_by": user, "reason": reason})
    return freeze


# --- counted months (the rollup) ---------------------------------------------------------------

SYNC_CLOSE_SQL = """
UPDATE investment_countedmonth c SET valid_to = statement_timestamp()
WHERE c.valid_to IS NULL AND NOT EXISTS (
    SELECT 1 FROM investment_progressentry e
    WHERE e.project_id = c.project_id AND e.period = c.period AND e.status = 'verified'
      AND COALESCE(e.amended_amount, e.amount_completed) = c.amount)
"""
SYNC_OPEN_SQL = """
INSERT INTO investment_countedmonth (project_id, period, amount, valid_from)
SELECT e.project_id, e.period, COALESCE(e.amended_amount, e.amount_completed),
       CASE WHEN EXISTS (SELECT 1 FROM investment_countedmonth h WHERE h.project_id = e.project_id
                         AND h.period = e.period) THEN statement_timestamp()
            ELSE LEAST(COALESCE(e.verified_at, statement_timestamp()), statement_timestamp()) END
FROM investment_progressentry e
WHERE e.status = 'verified' AND NOT EXISTS (
    SELECT 1 FROM investment_countedmonth c
    WHERE c.project_id = e.project_id AND c.period = e.period AND c.valid_to IS NULL)
"""


SYNC_YEARS_SQL = """
INSERT INTO investment_countedyear (project_id, year, amount, months, last_period)
SELECT project_id, extract(year FROM period)::int, sum(amount), count(*), max(period)
FROM investment_countedmonth WHERE valid_to IS NULL GROUP BY 1, 2
"""


@transaction.atomic
def counted_months_sync():
    """Bring the rollup (CountedMonth, and CountedYear rebuilt from it) in line with the entries after a
    load that ran without triggers (the demo seed disables them for speed). The trigger keeps both in
    line otherwise; idempotent, keeps the history. The per-scope totals (ScopeTotal, ScopeMonth) are
    rebuilt too, from the projects and the current months, and so are the start days (ScopeStart).
    Returns (month rows closed, month rows opened).

    The per-scope triggers stay quiet while the months are written (a superuser's connection, for the
    seed: session_replication_role), since the rebuild recomputes every cell anyway: at 100,000 projects
    they would spread each of the million months over its 28 cells first. The keys need no check: every
    month's project is its entry's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, current_setting('session_replication_role') FROM pg_roles "
                       "WHERE rolname = current_user")  # fmt: skip
        superuser, role = cursor.fetchone()
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(SYNC_CLOSE_SQL)
        closed = cursor.rowcount
        cursor.execute(SYNC_OPEN_SQL)
        opened = cursor.rowcount
        cursor.execute("DELETE FROM investment_countedyear")
        cursor.execute(SYNC_YEARS_SQL)
        if superuser:
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])
        cursor.execute("SELECT investment_scope_rebuild()")
        cursor.execute("SELECT investment_scope_start_rebuild()")
        return closed, opened


@transaction.atomic
def scope_totals_rebuild():
    """Recompute the per-scope totals (ScopeTotal, ScopeMonth) from the projects and the current counted
    months, after a bulk update of the projects made without triggers (the demo seed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT investment_scope_rebuild()")


# --- monthly entries --------------------------------------------------------------------------

ENTRY_FIELDS = ("amount_completed", "image_progress", "next_steps", "overrun_reason")


def _since_start_other(project, period):
    """Since-start completed of the project's other months (amended figures count)."""
    return ProgressEntry.objects.filter(project=project).exclude(period=period).aggregate(
        total=Sum(effective_amount())
    )["total"] or Decimal("0")


def _check_overrun(entry, amount):
    """The entry rules for an amendment (the month is frozen: no confirmation step there)."""
    errors, _flag = entry_rules.amount_rules(
        project=entry.project,
        amount=amount,
        overrun_reason=entry.overrun_reason,
        since_start_other=_since_start_other(entry.project, entry.period),
        confirmed=True,
    )
    if errors:
        raise ValidationError(errors)


# The rules themselves live in entry_rules (one home for the page, the API and the import).
CONFIRM_FIELD = entry_rules.CONFIRM_FIELD


@transaction.atomic
def progress_save(*, user, project, period, version=None, confirm_amount=False, **data):
    """Create or update the project's entry for the month. ``version`` is what the user loaded:
    if someone saved in between, ConflictError (carrying the stored entry). A frozen month cannot
    change (see progress_amend). An implausible amount needs ``confirm_amount`` (see entry_rules)."""
    _refuse_unknown(data, ENTRY_FIELDS, "修改")
    period = month_start(period)
    _require(user, Action.CHANGE, project)
    entry_rules.check_month_open(period)  # not a future month, not a frozen one
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one writer per project at a time
    entry = ProgressEntry.objects.select_for_update().filter(project=project, period=period).first()
    if entry is None:
        if version not in (None, "", 0, "0"):
            raise ConflictError()
        entry = ProgressEntry(project=project, period=period, created_by=user)
    else:
        # Updating needs the version the user loaded: without it, a save could silently overwrite.
        if version in (None, ""):
            raise ConflictError(entry)
        _check_version(entry, version)
        if problem := entry_rules.locked_error(entry):
            raise ValidationError({"status": problem})
        entry.version += 1
    if "amount_completed" in data:
        data["amount_completed"] = _decimal(data["amount_completed"], "amount_completed")
    for field, value in data.items():
        setattr(entry, field, value if value is not None else "")
    if entry.status == EntryStatus.RETURNED:
        entry.status = EntryStatus.DRAFT
    entry.project = project
    entry.full_clean()
    errors, entry.amount_flag = entry_rules.amount_rules(
        project=project,
        amount=entry.amount_completed,
        overrun_reason=entry.overrun_reason,
        since_start_other=_since_start_other(project, period),
        confirmed=bool(confirm_amount),
    )
    if errors:
        raise ValidationError(errors)
    with _audit(user):
        entry.save()
    return entry


@transaction.atomic
def progress_save_submit(*, user, project, period, version=None, **data):
    """Save the month's entry and submit it for verification, both or neither."""
    entry = progress_save(user=user, project=project, period=period, version=version, **data)
    return progress_submit(user=user, entry=entry, version=entry.version)


def _announce(entry, user):
    """Tell listeners (notifications) that an entry changed status, inside the transaction: what they
    write is undone with it, and what they send goes out after commit."""
    signals.entry_status_changed.send(sender=ProgressEntry, entry=entry, user=user)


def _transition(entry, user, action, allowed_from, version):
    entry = ProgressEntry.objects.select_for_update().select_related("project").get(pk=entry.pk)
    _require(user, action, entry.project)
    _check_version(entry, version)
    if problem := entry_rules.frozen_error(
        entry.period, frozen=entry_rules.frozen_months([entry.period]), via="transition"
    ):
        raise ValidationError({"period": problem})
    if entry.status not in allowed_from:
        raise ValidationError({"status": f"当前状态为{entry.get_status_display()},不能执行此操作。"})
    entry.version += 1
    return entry


@transaction.atomic
def progress_submit(*, user, entry, version=None):
    entry = _transition(entry, user, Action.CHANGE, (EntryStatus.DRAFT, EntryStatus.RETURNED), version)
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = timezone.now()
    entry.submitted_by = user
    with _audit(user):
        entry.save()
    _announce(entry, user)
    return entry


@transaction.atomic
def progress_verify(*, user, entry, version=None):
    entry = _transition(entry, user, Action.VERIFY, (EntryStatus.SUBMITTED,), version)
    entry.status = EntryStatus.VERIFIED
    entry.verified_by = user
    entry.verified_at = timezone.now()
    with _audit(user):
        entry.save()
    _announce(entry, user)
    return entry


@transaction.atomic
def progress_verify_many(*, user, items):
    """Verify several entries at once: ``items`` is [(entry id, version loaded)]. One transaction,
    each entry through progress_verify in its own savepoint, so one refusal does not undo the others.
    Returns {entry id: None (verified) or the message why not}."""
    results = {}
    entries = {e.pk: e for e in ProgressEntry.objects.restrict(user).filter(pk__in=[pk for pk, _ in items])}
    for pk, version in items:
        entry = entries.get(pk)
        if entry is None:
            results[pk] = "进度记录不存在。"
            continue
        try:
            with transaction.atomic():
                progress_verify(user=user, entry=entry, version=version)
            results[pk] = None
        except ConflictError as exc:
            results[pk] = str(exc)
        except ValidationError as exc:
            results[pk] = ";".join(exc.messages)
        except PermissionDenied as exc:
            results[pk] = str(exc) or "无权审核该项目的进度。"
    return results


@transaction.atomic
def progress_return(*, user, entry, reason, version=None):
    if not (reason or "").strip():
        raise ValidationError({"reason": "退回须说明原因。"})
    entry = _transition(entry, user, Action.VERIFY, (EntryStatus.SUBMITTED, EntryStatus.VERIFIED), version)
    entry.status = EntryStatus.RETURNED
    entry.return_reason = reason.strip()
    entry.verified_by = None
    entry.verified_at = None
    with _audit(user):
        entry.save()
    _announce(entry, user)
    return entry


# --- amendments (reviewed corrections of frozen months) ---------------------------------------


def _amendment_link(entry):
    return reverse("investment:project", args=[entry.project_id]) + "#progress"


def _tell(*, recipients, event_key, title, body, entry):
    """Tell people through the inbox (and the channels they chose); in the caller's transaction."""
    from notifications.choices import Kind
    from notifications.services import notify

    notify(recipients=recipients, kind=Kind.OTHER, event_key=event_key, title=title, body=body,
           link=_amendment_link(entry))  # fmt: skip


@transaction.atomic
def amendment_propose(*, user, entry, amount_completed, reason, image_progress=None, version=None):
    """County staff propose a correction of a verified entry of a frozen month. It waits for the county
    reviewer: until approved, the figure that counts stays the verified one (the entry is not touched)."""
    entry = ProgressEntry.objects.select_for_update().select_related("project").get(pk=entry.pk)
    _require(user, Action.CHANGE, entry.project)
    _check_version(entry, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "修正须说明原因。"})
    if not period_is_frozen(period=entry.period):
        raise ValidationError({"period": "该月尚未冻结,请直接修改。"})
    if entry.amendments.filter(status=AmendmentStatus.PENDING).exists():
        raise ValidationError({"amount_completed": "该月已有待审核的修正,请等待审核结果后再提交。"})
    amount = _decimal(amount_completed, "amount_completed")
    if problem := entry_rules.amount_error(amount):
        raise ValidationError({"amount_completed": problem})
    if amount == entry.effective_amount and image_progress in (None, entry.image_progress):
        raise ValidationError({"amount_completed": "修正后的数额与现数相同。"})
    amendment = ProgressAmendment(
        entry=entry,
        old_amount=entry.effective_amount,
        new_amount=amount,
        old_image_progress=entry.image_progress,
        new_image_progress=image_progress if image_progress is not None else entry.image_progress,
        reason=reason,
        created_by=user,
    )
    amendment.full_clean()
    _check_overrun(entry, amount)
    with _audit(user):
        amendment.save()
    from .selectors import county_reviewers

    _tell(
        recipients=[u for u in county_reviewers(project=entry.project) if u != user],
        event_key=f"amendment_proposed:{amendment.pk}",
        title=f"{entry.project.name} {entry.period:%Y-%m} 进度修正待审核",
        body=f"{amendment.old_amount} → {amendment.new_amount} 万元。修正原因:{reason}",
        entry=entry,
    )
    return amendment


# The proposal service under its earlier name (callers that amended directly now propose).
progress_amend = amendment_propose


def _decidable(user, amendment):
    """The amendment locked, with its entry, once the user may decide on it: a reviewer of the project's
    county (VERIFY), never its proposer (even an administrator holding both rights)."""
    amendment = (
        ProgressAmendment.objects.select_for_update(of=("self",))
        .select_related("entry", "entry__project", "created_by")
        .get(pk=amendment.pk)
    )
    _require(user, Action.VERIFY, amendment.entry.project)
    if user is not None and amendment.created_by_id == user.pk:
        raise PermissionDenied("不能审核本人提交的修正。")
    if amendment.status != AmendmentStatus.PENDING:
        raise ValidationError({"status": f"该修正{amendment.get_status_display()},不能再审核。"})
    return amendment


@transaction.atomic
def amendment_approve(*, user, amendment):
    """The reviewer approves: the amended figure counts from now on (the entry's amended figure and the
    counted-month rollup change in this transaction); the original and every proposal stay."""
    amendment = _decidable(user, amendment)
    entry = ProgressEntry.objects.select_for_update().select_related("project").get(pk=amendment.entry_id)
    _check_overrun(entry, amendment.new_amount)
    amendment.old_amount = entry.effective_amount  # the figure it replaces, as it stands when decided
    amendment.status = AmendmentStatus.APPROVED
    amendment.decided_by = user
    amendment.decided_at = timezone.now()
    amendment.full_clean()
    entry.amended_amount = amendment.new_amount
    entry.image_progress = amendment.new_image_progress
    entry.version += 1
    with _audit(user):
        amendment.save()
        entry.save(update_fields=["amended_amount", "image_progress", "version", "updated_at"])
    _tell_proposer(user, amendment, "已批准", "")
    return amendment


@transaction.atomic
def amendment_reject(*, user, amendment, reason):
    """The reviewer rejects, saying why: the verified figure stays; the proposal is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "驳回须说明原因。"})
    amendment = _decidable(user, amendment)
    amendment.status = AmendmentStatus.REJECTED
    amendment.decided_by = user
    amendment.decided_at = timezone.now()
    amendment.decision_reason = reason
    amendment.full_clean()
    with _audit(user):
        amendment.save()
    _tell_proposer(user, amendment, "被驳回", f"驳回原因:{reason}")
    return amendment


def _tell_proposer(user, amendment, outcome, body):
    entry = amendment.entry
    if amendment.created_by is None or amendment.created_by == user:
        return
    _tell(
        recipients=[amendment.created_by],
        event_key=f"amendment_{amendment.status}:{amendment.pk}",
        title=f"{entry.project.name} {entry.period:%Y-%m} 进度修正{outcome}",
        body=f"{amendment.old_amount} → {amendment.new_amount} 万元。{body}",
        entry=entry,
    )


# --- problems ---------------------------------------------------------------------------------

RESPONSIBLE_REGION_REFUSED = "责任县区只能是项目所在县区;需其他单位协调的,请选择市直部门。"

PROBLEM_FIELDS = (
    "description",
    "kind",
    "responsible_unit",
    "responsible_department",
    "responsible_region",
    "leader",
    "deadline",
    "status",
    "resolution",
)


@transaction.atomic
def problem_create(*, user, project, **data):
    _refuse_unknown(data, PROBLEM_FIELDS, "填写")
    _require(user, Action.CHANGE, project)
    problem = Problem(project=project, raised_by=user, **data)
    _problem_clean(problem)
    with _audit(user):
        problem.save()
    return problem


def _versioned_update(*, user, obj, fields, version, data, clean):
    """The one path for editing a project's record: only known fields, the row locked, the editor's
    right checked, the version the editor loaded compared (a stale one is a conflict), then audited."""
    _refuse_unknown(data, fields, "修改")
    obj = type(obj).objects.select_for_update().select_related("project").get(pk=obj.pk)
    _require(user, Action.CHANGE, obj.project)
    _check_version(obj, version)
    for field, value in data.items():
        setattr(obj, field, value)
    obj.version += 1
    clean(obj)
    with _audit(user):
        obj.save()
    return obj


@transaction.atomic
def problem_update(*, user, problem, version=None, **data):
    return _versioned_update(
        user=user, obj=problem, fields=PROBLEM_FIELDS, version=version, data=data, clean=_problem_clean
    )


def _problem_clean(problem):
    if not responsible_region_allowed(problem.project, problem.responsible_region_id):
        raise ValidationError({"responsible_region": RESPONSIBLE_REGION_REFUSED})
    if problem.status in (ProblemStatus.SOLVED, ProblemStatus.CLOSED):
        if not (problem.resolution or "").strip():
            raise ValidationError({"resolution": "问题解决或关闭时须填写解决情况。"})
        problem.solved_on = problem.solved_on or timezone.localdate()
    else:
        problem.solved_on = None
    problem.full_clean()


# --- photos -----------------------------------------------------------------------------------


@transaction.atomic
def photo_comment_create(*, user, photo, text):
    if not can(user, Action.COMMENT, photo.project) and not can(user, Action.CHANGE, photo.project):
        raise PermissionDenied("无权批示。")
    comment = PhotoComment(photo=photo, author=user, text=(text or "").strip())
    comment.full_clean(exclude=["photo", "author"])
    comment.save()
    _photo_comment_notify(comment)
    return comment


# --- procedures -------------------------------------------------------------------------------

PROCEDURE_FIELDS = (
    "parent",
    "name",
    "responsible_unit",
    "planned_date",
    "actual_date",
    "status",
    "accepted_with_deficiency",
    "deficiency_note",
    "sort_order",
)


def _procedure_clean(item):
    errors = {}
    if item.parent_id and item.parent.project_id != item.project_id:
        errors["parent"] = "所属大项必须是同一项目的手续。"
    if item.parent_id and item.parent.parent_id:
        errors["parent"] = "子项下不能再设子项。"
    if item.status == ProcedureStatus.DONE and not item.actual_date:
        errors["actual_date"] = "已办结的手续须填写实际办结日期。"
    if item.accepted_with_deficiency and not (item.deficiency_note or "").strip():
        errors["deficiency_note"] = "容缺受理须写明待补正的材料。"
    if errors:
        raise ValidationError(errors)
    item.full_clean()


@transaction.atomic
def procedure_create(*, user, project, **data):
    _refuse_unknown(data, PROCEDURE_FIELDS, "填写")
    _require(user, Action.CHANGE, project)
    item = ProcedureItem(project=project, **data)
    _procedure_clean(item)
    with _audit(user):
        item.save()
    return item


@transaction.atomic
def procedure_update(*, user, item, version=None, **data):
    return _versioned_update(
        user=user, obj=item, fields=PROCEDURE_FIELDS, version=version, data=data, clean=_procedure_clean
    )


# --- funding ----------------------------------------------------------------------------------

FUNDING_FIELDS = ("kind", "amount_applied", "amount_approved", "amount_in_place", "note")


@transaction.atomic
def funding_create(*, user, project, **data):
    _refuse_unknown(data, FUNDING_FIELDS, "填写")
    _require(user, Action.CHANGE, project)
    project_lock(project)  # one row per kind: a concurrent second creation then fails full_clean (400)
    funding = FundingSource(project=project, **data)
    funding.full_clean()
    with _audit(user):
        funding.save()
    return funding


@transaction.atomic
def funding_update(*, user, funding, version=None, **data):
    return _versioned_update(
        user=user, obj=funding, fields=FUNDING_FIELDS, version=version, data=data, clean=lambda obj: obj.full_clean()
    )


def today():
    return timezone.localdate()


def months_back(start: datetime.date, n: int) -> datetime.date:
    y, m = divmod(start.year * 12 + start.month - 1 - n, 12)
    return datetime.date(y, m + 1, 1)


@transaction.atomic
def photo_upload(*, user, project, upload, caption, taken_on=None):
    """Check a site photo or video by content, read its EXIF date, store it with a thumbnail."""
    _require(user, Action.CHANGE, project)
    caption = (caption or "").strip()
    if not caption:
        raise ValidationError({"caption": "请填写照片说明。"})
    data = read_limited(upload)
    kind, content_type, extension, exif_date, image = inspect_media(data)
    facts = _photo_facts(project=project, data=data, content_type=content_type, image=image)
    data = facts.pop("data")
    if isinstance(taken_on, str) and taken_on:
        try:
            taken_on = parsing.day(taken_on, field="taken_on")
        except parsing.ParseError:
            raise ValidationError({"taken_on": "日期格式应为 YYYY-MM-DD。"}) from None
    taken = exif_date or taken_on
    if taken is None:
        raise ValidationError({"taken_on": "照片没有拍摄日期信息,请填写拍摄日期。"})
    if taken > timezone.localdate():
        raise ValidationError({"taken_on": "拍摄日期不能晚于今天。"})
    path, thumbnail = store_media(data, extension, image)
    # Files are not transactional: they are removed again if the row cannot be saved.
    photo = SitePhoto(
        project=project,
        kind=kind,
        file=path,
        thumbnail=thumbnail,
        content_type=content_type,
        size=len(data),
        caption=caption,
        taken_on=taken,
        taken_on_from_exif=exif_date is not None,
        uploaded_by=user,
        **facts,
    )
    photo.warning = _photo_warning(photo, project)
    try:
        photo.full_clean()
        with _audit(user):
            photo.save()
    except Exception:
        _delete_files(path, thumbnail)
        raise
    return photo


def _delete_files(*paths):
    for path in paths:
        if path:
            default_storage.delete(path)


# --- weekly site photos (形象调度) ------------------------------------------------------------------
def _photo_facts(*, project, data, content_type, image, today=None):
    """What the pipeline reads from a checked file: the stored bytes (HEIC decoded and stored as JPEG),
    the EXIF position and its distance from the project, and the week the upload counts for."""
    from common.periods import week

    from .uploads import exif_position, jpeg_bytes

    facts = {"data": data, "week": week(today or timezone.localdate())[0]}
    if image is None:
        return facts
    if image.format in ("HEIF", "HEIC"):
        facts["original_type"] = "image/heic"
        facts["data"] = jpeg_bytes(image)
    lat, lon = exif_position(image)
    facts["latitude"], facts["longitude"] = lat, lon
    if lat is not None and project.latitude is not None and project.longitude is not None:
        facts["distance_m"] = round(distance_m(lat, lon, project.latitude, project.longitude))
    return facts


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere): a position check, not a survey."""
    import math

    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def _photo_warning(photo, project, rule=None):
    """The warning shown with a photo and stored on it: taken far from the project (more than the
    rule's distance), or before the week it is posted for."""
    from .models import WeeklyPhotoRule

    rule = rule or WeeklyPhotoRule.current()
    warnings = []
    limit_m = rule.max_distance_km * 1000
    photo.far_from_site = photo.distance_m is not None and photo.distance_m > limit_m
    if photo.far_from_site:
        warnings.append(
            f"拍摄位置距项目约 {Decimal(photo.distance_m) / 1000:.1f} 公里,超过 {rule.max_distance_km} 公里。"
        )
    if photo.week and photo.taken_on and photo.taken_on < photo.week:
        warnings.append(f"拍摄日期 {photo.taken_on:%Y-%m-%d} 早于本调度周({photo.week:%Y-%m-%d} 起)。")
    return "".join(warnings)


@transaction.atomic
def photos_upload(*, user, project, uploads, caption, taken_on=None):
    """Several site photos (or videos) at once, all or nothing: each checked by content, size and date;
    an error names the file. HEIC becomes JPEG; EXIF date and position are read; warnings stored."""
    _require(user, Action.CHANGE, project)
    uploads = list(uploads or [])
    if not uploads:
        raise ValidationError({"files": "请选择要上传的照片。"})
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES or 10
    if len(uploads) > limit:
        raise ValidationError({"files": f"一次最多上传 {limit} 个文件。"})
    photos, stored = [], []
    try:
        for upload in uploads:
            name = getattr(upload, "name", "") or "文件"
            try:
                photos.append(
                    photo_upload(user=user, project=project, upload=upload, caption=caption, taken_on=taken_on)
                )
            except ValidationError as exc:
                raise ValidationError({"files": f"{name}:{';'.join(exc.messages)}"}) from None
            stored += [photos[-1].file, photos[-1].thumbnail]
    except Exception:
        # Files are not transactional: those already stored go when the batch fails.
        _delete_files(*stored)
        raise
    return photos


def _photo_comment_notify(comment):
    """A comment (批示) tells the uploader and the county (its staff and reviewers), once."""
    from notifications.choices import Kind
    from notifications.services import notify

    from .selectors import county_staff

    photo, project = comment.photo, comment.photo.project
    recipients = county_staff(region_id=project.region_id)
    if photo.uploaded_by_id:
        recipients.append(photo.uploaded_by)
    notify(
        recipients=[u for u in recipients if u.pk != comment.author_id],
        kind=Kind.OTHER,
        event_key=f"photo_comment:{comment.pk}",
        title=f"{project.name} 现场照片有新批示",
        body=f"{comment.author}:{comment.text}",
        link=f"{reverse('investment:project', args=[project.pk])}#photo-{photo.pk}",
    )


def photo_comment_to_problem(*, user, comment, kind, responsible_unit, deadline, description=""):
    """Turn a comment into a coordination problem on the photo's project in one step (the comment
    keeps the link; a second conversion is refused)."""
    with transaction.atomic():
        comment = PhotoComment.objects.select_for_update().select_related("photo__project").get(pk=comment.pk)
        project = comment.photo.project
        if not can(user, Action.COMMENT, project) and not can(user, Action.CHANGE, project):
            raise PermissionDenied("批示不存在。")
        if comment.problem_id:
            raise ValidationError({"comment": "该批示已转为协调问题。"})
        problem = Problem(
            project=project,
            raised_by=user,
            description=(description or "").strip() or f"现场照片批示:{comment.text}",
            kind=kind,
            responsible_unit=responsible_unit,
            deadline=deadline,
            responsible_region=project.region,
        )
        _problem_clean(problem)
        with _audit(user):
            problem.save()
            comment.problem = problem
            comment.save(update_fields=["problem"])
    return problem


@transaction.atomic
def photo_comment_mark_order(*, comment, number):
    """Record the supervision order a comment became (supervision calls this; it sits above us)."""
    updated = PhotoComment.objects.filter(pk=comment.pk, order_number="").update(order_number=number)
    if updated != 1:
        raise ValidationError({"comment": "该批示已转为督办单。"})


def photo_reminders_send(*, today=None):
    """Remind each county whose owing projects have not posted this week's photos (inbox), once per
    county, user and day (event key): running it again that day sends nothing more. Returns new notices."""
    from common.periods import week
    from notifications.choices import Kind
    from notifications.services import notify

    from .selectors import county_staff, photo_rule, photo_week_projects

    rule = photo_rule()
    if not rule.active:
        return 0
    today = today or timezone.localdate()
    start, end = week(today)
    missing = (
        photo_week_projects(Project.objects.all(), week=start, rule=rule)
        .filter(week_posted=False)
        .order_by()
        .values_list("region_id")
        .annotate(n=Count("pk"))
    )
    sent = 0
    for region_id, count in missing:
        sent += len(
            notify(
                recipients=county_staff(region_id=region_id),
                kind=Kind.OTHER,
                event_key=f"photo_due:{start:%Y-%m-%d}:{region_id}:{today:%Y-%m-%d}",
                title=f"形象调度提醒:本周({start:%m-%d}至{end:%m-%d})现场照片未上传",
                body=f"本县区还有 {count} 个项目本周现场照片不足 {rule.photos_per_week} 张,请及时上传。",
                link=reverse("portal:photo-week"),
            )
        )
    return sent
