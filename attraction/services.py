"""Writes for investment attraction. Views, serializers and tasks call these; each checks access
through projects.access (PermissionDenied becomes 404) and validates before saving."""

import datetime
import logging
import tempfile
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from anshan_projects import parsing, periods
from anshan_projects.writes import audit as _audit
from projects.access import Action, can
from projects.models import Region
from projects.services import project_lock

from . import bulletin, selectors
from .choices import BulletinStatus, CadenceLevel
from .models import (
    AnnualTarget,
    AttractionRecord,
    BulletinRun,
    CapitalInPlace,
    FollowUp,
    SigningEvent,
    SigningEventProject,
    StartEvent,
    StartEventProject,
)

log = logging.getLogger(__name__)
# A run left "running" longer than this (a killed worker) may be claimed again.
STALE_RUN = datetime.timedelta(hours=2)


def _require(user, action, project):
    if not can(user, action, project):
        raise PermissionDenied("无权操作该项目。")


def _require_admin(user):
    if not selectors.is_admin(user):
        raise PermissionDenied("仅系统管理员可以操作。")


def _money(value, field):
    try:
        amount = parsing.decimal(value, field=field, places=8).quantize(Decimal("0.01"))
    except (parsing.ParseError, InvalidOperation):
        raise ValidationError({field: "请输入金额(万元),如 1234.56。"}) from None
    if amount < 0:
        raise ValidationError({field: "金额不能为负数。"})
    return amount


# --- records and follow-ups ----------------------------------------------------------------
@transaction.atomic
def record_save(*, user, project, lead_source, investor_region="", contacts_visited="", notes=""):
    """Create or update the project's attraction record."""
    _require(user, Action.CHANGE, project)
    project_lock(project)  # two first saves at once: the second waits and updates
    record = AttractionRecord.objects.select_for_update().filter(project=project).first()
    record = record or AttractionRecord(project=project)
    record.lead_source = lead_source
    record.investor_region = (investor_region or "").strip()
    record.contacts_visited = (contacts_visited or "").strip()
    record.notes = (notes or "").strip()
    record.full_clean()
    with _audit(user):
        record.save()
    return record


@transaction.atomic
def follow_up_add(*, user, project, level, leader, followed_on, summary):
    """Record one "四调法" follow-up: county staff of the project's county, or anyone who may comment on it."""
    if not (can(user, Action.CHANGE, project) or can(user, Action.COMMENT, project)):
        raise PermissionDenied("无权操作该项目。")
    if level not in CadenceLevel.values:
        raise ValidationError({"level": f"未知调度层级:{level}。"})
    if followed_on and followed_on > timezone.localdate():
        raise ValidationError({"followed_on": "调度日期不能晚于今天。"})
    follow_up = FollowUp(
        project=project,
        level=level,
        leader=(leader or "").strip(),
        followed_on=followed_on,
        summary=(summary or "").strip(),
        recorded_by=user,
    )
    follow_up.full_clean()
    with _audit(user):
        follow_up.save()
    return follow_up


# --- events ------------------------------------------------------------------------------------
def _event_create(model, line_model, *, user, lines, **fields):
    _require_admin(user)
    event = model(**fields)
    event.full_clean()
    event.save()
    for index, (project, amount) in enumerate(lines or []):
        _line_add(line_model, user=user, event=event, project=project, amount=amount, field=f"lines[{index}]")
    return event


def _line_add(line_model, *, user, event, project, amount, field="amount"):
    _require(user, Action.CHANGE, project)
    line = line_model(event=event, project=project, amount=_money(amount, field))
    try:
        line.full_clean()
    except ValidationError as error:
        if "__all__" in error.message_dict:
            raise ValidationError({"project": f"项目“{project}”已在该活动中。"}) from None
        raise
    with transaction.atomic():
        try:
            line.save()
        except IntegrityError:
            raise ValidationError({"project": f"项目“{project}”已在该活动中。"}) from None
    return line


@transaction.atomic
def signing_event_create(*, user, kind, name, held_on, place="", organiser="", notes="", lines=()):
    """A signing event (administrators) with its projects and signed amounts [(project, amount), ...]."""
    return _event_create(SigningEvent, SigningEventProject, user=user, lines=lines, kind=kind, name=name,
                         held_on=held_on, place=place, organiser=organiser, notes=notes)  # fmt: skip


@transaction.atomic
def start_event_create(*, user, name, held_on, place="", organiser="", notes="", lines=()):
    """A concentrated start event (集中开工) with its projects and their investment."""
    return _event_create(StartEvent, StartEventProject, user=user, lines=lines, name=name, held_on=held_on,
                         place=place, organiser=organiser, notes=notes)  # fmt: skip


@transaction.atomic
def signing_line_add(*, user, event, project, amount):
    """Add a project signed at an event: county staff for their own county's projects."""
    return _line_add(SigningEventProject, user=user, event=event, project=project, amount=amount)


@transaction.atomic
def start_line_add(*, user, event, project, amount):
    return _line_add(StartEventProject, user=user, event=event, project=project, amount=amount)


# --- capital in place ----------------------------------------------------------------------------
@transaction.atomic
def capital_record(*, user, project, month, amount):
    """Set a project's capital in place for a month (county staff, their county). Returns (row, created)."""
    _require(user, Action.CHANGE, project)
    if month is None:
        raise ValidationError({"month": "请填写月份。"})
    month = periods.month_start(month)
    if month > timezone.localdate():
        raise ValidationError({"month": "不能填报未来月份的到位资金。"})
    amount = _money(amount, "amount")
    project_lock(project)  # two first entries of the same month at once: the second waits and corrects
    row = CapitalInPlace.objects.select_for_update().filter(project=project, month=month).first()
    created = row is None
    row = row or CapitalInPlace(project=project, month=month)
    row.amount = amount
    row.recorded_by = user
    row.full_clean(validate_constraints=False)
    with _audit(user):
        row.save()
    return row, created


# --- targets -------------------------------------------------------------------------------------
@transaction.atomic
def target_set(*, user, region, year, signed_amount, landed_count, capital_amount):
    """Set a county's annual targets (administrators only)."""
    _require_admin(user)
    list(Region.objects.select_for_update().filter(pk=region.pk).values_list("pk", flat=True))  # one writer a county
    target = AnnualTarget.objects.select_for_update().filter(region=region, year=year).first()
    target = target or AnnualTarget(region=region, year=year)
    target.signed_amount = _money(signed_amount, "signed_amount")
    target.capital_amount = _money(capital_amount, "capital_amount")
    try:
        target.landed_count = parsing.integer(landed_count, field="landed_count", max_value=10**9)
    except parsing.ParseError:
        raise ValidationError({"landed_count": "请输入整数。"}) from None
    if target.landed_count < 0:
        raise ValidationError({"landed_count": "不能为负数。"})
    target.full_clean(validate_constraints=False)
    with _audit(user):
        target.save()
    return target


# --- the monthly bulletin ---------------------------------------------------------------------------
def bulletin_request(*, user, month):
    """Ask for the bulletin of ``month`` on the current data. Idempotent: the same (month, data version)
    gives the same run; a new or failed run is queued once the transaction commits. Returns (run, queued)."""
    if user is not None and not selectors.can_use_bulletins(user):
        raise PermissionDenied("无权生成月报。")
    month = periods.month_start(month)
    if month > timezone.localdate():
        raise ValidationError({"month": "不能生成未来月份的月报。"})
    version = selectors.bulletin_data_version(month=month)
    with transaction.atomic():
        run, created = BulletinRun.objects.get_or_create(
            month=month, data_version=version, defaults={"requested_by": user}
        )
        queued = created or run.status == BulletinStatus.FAILED
        if run.status == BulletinStatus.FAILED:
            BulletinRun.objects.filter(pk=run.pk).update(status=BulletinStatus.PENDING, error="")
            run.status = BulletinStatus.PENDING
        if queued:
            # By name: services never import tasks (the tasks import services).
            from celery import current_app

            transaction.on_commit(lambda: current_app.send_task("attraction.bulletin_generate", args=[run.pk]))
    return run, queued


def _bulletin_ready_enqueue(run_id):
    from celery import current_app  # by name: services never import tasks (the tasks import services)

    try:
        current_app.send_task("attraction.bulletin_notify_ready", args=[run_id])
    except Exception as exc:  # the bulletin is built; a lost notice is logged, not a failed build
        log.warning("could not queue the ready notice of bulletin %s: %s", run_id, exc)


def bulletin_ready_notify(*, run_id):
    """Tell the mayor's office (the leadership role) that a month's bulletin is ready: inbox, e-mail,
    the group robot; once per run, however often the task runs. Returns the new notifications."""
    from notifications.choices import Kind
    from notifications.services import notify

    run = BulletinRun.objects.get(pk=run_id)
    if run.status != BulletinStatus.DONE:
        return []
    return notify(
        recipients=selectors.bulletin_recipients(),
        kind=Kind.REPORT_READY,
        event_key=f"bulletin_ready:{run.pk}",
        title=f"鞍山市招商引资工作月报({run.month.year}年{run.month.month}月)已生成",
        body=f"数据版本 {run.data_version[:12]}。",
        link=reverse("attraction:bulletin-download", args=[run.pk, "xlsx"]),
    )


def _claim(run_id):
    """Conditional update: only one worker moves a run to 'running' (a stale run may be claimed again)."""
    now = timezone.now()
    claimable = Q(status=BulletinStatus.PENDING) | Q(status=BulletinStatus.RUNNING, started_at__lt=now - STALE_RUN)
    return BulletinRun.objects.filter(claimable, pk=run_id).update(status=BulletinStatus.RUNNING, started_at=now)


def bulletin_build(*, run_id):
    """Build the run's xlsx and PDF into temporary files, then store both and mark the run done in one
    transaction, so a half-written file can never be downloaded. Safe to call twice."""
    if _claim(run_id) != 1:
        return None
    run = BulletinRun.objects.get(pk=run_id)
    started = time.monotonic()
    try:
        figures = selectors.bulletin_figures(month=run.month)
        stem = f"anshan-attraction-bulletin-{run.month:%Y-%m}-{run.data_version[:8]}"
        with tempfile.TemporaryDirectory(prefix="bulletin-") as tmp:
            xlsx_path, pdf_path = Path(tmp) / f"{stem}.xlsx", Path(tmp) / f"{stem}.pdf"
            bulletin.write_xlsx(figures, xlsx_path)
            bulletin.write_pdf(figures, pdf_path)
            with transaction.atomic():
                run = BulletinRun.objects.select_for_update().get(pk=run_id)
                if run.status != BulletinStatus.RUNNING:
                    return run
                saved = []
                try:
                    with xlsx_path.open("rb") as xf, pdf_path.open("rb") as pf:
                        run.xlsx.save(xlsx_path.name, File(xf), save=False)
                        saved.append(run.xlsx)
                        run.pdf.save(pdf_path.name, File(pf), save=False)
                        saved.append(run.pdf)
                    run.status = BulletinStatus.DONE
                    run.finished_at = timezone.now()
                    run.build_seconds = Decimal(f"{time.monotonic() - started:.2f}")
                    run.error = ""
                    run.save()
                    # The mayor's office hears of it once the run says done (after commit).
                    transaction.on_commit(lambda: _bulletin_ready_enqueue(run_id))
                except Exception:
                    for stored in saved:
                        stored.storage.delete(stored.name)
                    raise
        return run
    except Exception as error:
        log.exception("bulletin %s failed", run_id)
        BulletinRun.objects.filter(pk=run_id).update(
            status=BulletinStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        raise
