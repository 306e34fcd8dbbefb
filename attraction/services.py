"""Writes for investment attraction. Views, serializers and tasks call these; each checks access
through projects.access (PermissionDenied becomes 404) and validates before saving."""

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common import documents, parsing, periods
from common.writes import audit as _audit
from projects.access import Action, can
from projects.choices import Stage, StartType
from projects.models import Project, Region
from projects.services import project_lock

from . import bulletin, selectors
from .choices import (
    BulletinStatus,
    CadenceLevel,
    InvestorKind,
    OrgLevel,
    OutreachKind,
    SpendingPurpose,
    SpendingStatus,
    VisitOutcome,
)
from .models import (
    AnnualTarget,
    AttractionRecord,
    BulletinRun,
    CapitalInPlace,
    DevelopmentZone,
    FollowUp,
    FundBudget,
    FundSpending,
    Investor,
    InvestorVisit,
    OutreachEvent,
    OutreachParticipant,
    ProjectPhase,
    SigningEvent,
    SigningEventProject,
    SpendingAttachment,
    StartEvent,
    StartEventProject,
    TaskForce,
    TaskForceMeeting,
)

log = logging.getLogger(__name__)
# A run left "running" longer than this (a killed worker) may be claimed again.
# The document-run rule (claim, heartbeat, the one stale rule, temp files then storage): the shared library.
BULLETIN_RUNS = documents.Runs(BulletinRun, tmp_dir="attraction/tmp", queued=BulletinStatus.PENDING, progress=True)


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
def signing_line_add(*, user, event, project, amount, move_stage=False):
    """Add a project signed at an event: county staff for their own county's projects. With
    ``move_stage`` (the user confirmed it), a project not yet signed moves to 签约 on the event's date,
    recorded as a stage change kept on the line (one entry for the fact: see ``event_stage_target``)."""
    line = _line_add(SigningEventProject, user=user, event=event, project=project, amount=amount)
    if move_stage:
        _event_stage_move(user=user, line=line, to_stage=Stage.SIGNED, reason=f"签约活动“{event.name}”")
    return line


@transaction.atomic
def start_line_add(*, user, event, project, amount, start_type="", move_stage=False):
    """Add a project to a concentrated start event (集中开工). With ``move_stage`` (confirmed), a project
    not yet under construction moves to 在建 with the event's date as its start and the start type."""
    if start_type and start_type not in StartType.values:
        raise ValidationError({"start_type": f"未知开工类型:{start_type}。"})
    if move_stage and not start_type:
        raise ValidationError({"start_type": "开工须注明开工类型(新开工/续建/复工)。"})
    line = _line_add(StartEventProject, user=user, event=event, project=project, amount=amount)
    if start_type:
        line.start_type = start_type
        line.save(update_fields=["start_type"])
    if move_stage:
        _event_stage_move(
            user=user, line=line, to_stage=Stage.CONSTRUCTION, start_type=start_type, reason=f"集中开工“{event.name}”"
        )
    return line


def event_stage_target(kind, project):
    """The stage adding the project to an event of this kind would move it to, or None when it is there
    or beyond already (then nothing is recorded again: a fact is entered once)."""
    to_stage = Stage.SIGNED if kind == "signing" else Stage.CONSTRUCTION
    return to_stage if Stage.rank(project.stage) < Stage.rank(to_stage) else None


def _event_stage_move(*, user, line, to_stage, reason, start_type=""):
    from projects.services import project_stage_change

    event = line.event
    if event_stage_target("signing" if to_stage == Stage.SIGNED else "start", line.project) is None:
        return None
    if event.held_on > timezone.localdate():
        raise ValidationError({"move_stage": "活动日期晚于今天:活动举行后再变更项目阶段。"})
    change = project_stage_change(
        project=line.project, to_stage=to_stage, user=user, changed_on=event.held_on, reason=reason,
        start_type=start_type,
    )  # fmt: skip
    line.stage_change = change
    line.save(update_fields=["stage_change"])
    return change


UNDO_MOVED_ON = "项目阶段此后已再次变更,不能随活动撤销;请在项目页变更阶段。"


@transaction.atomic
def event_line_remove(*, user, line, undo_stage=False, reason=""):
    """Take a project off an event. When adding it moved the project's stage, the user says whether to
    undo that move (``undo_stage``, with a reason): recorded as a stage change back, never deleted.
    Refused when the project has moved on since (another change came after the event's)."""
    from projects.services import project_stage_change

    _require(user, Action.CHANGE, line.project)
    reason = (reason or "").strip()
    change = line.stage_change
    if undo_stage and change is not None:
        if not reason:
            raise ValidationError({"reason": "撤销阶段变更须说明原因。"})
        project = Project.objects.select_for_update().get(pk=line.project_id)  # its stage as it is now
        later = project.stage_changes.filter(pk__gt=change.pk).exists()  # recorded after the event's
        if project.stage != change.to_stage or later:
            raise ValidationError({"undo_stage": UNDO_MOVED_ON})
        project_stage_change(
            project=project, to_stage=change.from_stage or Stage.PLANNING, user=user,
            reason=f"撤销“{line.event.name}”的阶段变更:{reason}",
        )  # fmt: skip
    with _audit(user):
        line.delete()


# --- capital in place ----------------------------------------------------------------------------
@transaction.atomic
def capital_record(*, user, project, month, amount, foreign_amount=None):
    """Set a project's capital in place for a month (county staff, their county), ``foreign_amount`` the
    part of it from abroad (外资; None keeps what was recorded, 0 for a new row). Returns (row, created)."""
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
    if foreign_amount is not None:
        row.foreign_amount = _money(foreign_amount, "foreign_amount")
    if row.foreign_amount > row.amount:
        raise ValidationError({"foreign_amount": "其中外资不能大于实际到位资金。"})
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
        # Failed, or running with a heartbeat older than the stale rule (its worker died): asked for again.
        queued = created or (
            run.status in (BulletinStatus.FAILED, BulletinStatus.RUNNING) and BULLETIN_RUNS.requeue(run.pk)
        )
        if queued and not created:
            run.refresh_from_db()
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


def bulletin_build(*, run_id):
    """Build the run's xlsx and PDF into temporary files, then store both and mark the run done in one
    conditional update on the claim (the document-run rule: `common.documents`), so a
    half-written file can never be downloaded. Safe to call twice: returns the run it built, or None
    when there was nothing to do. Raises RunBusy while another live worker builds it."""
    run = BulletinRun.objects.get(pk=run_id)

    def build(claim):
        figures = selectors.bulletin_figures(month=run.month)
        stem = f"anshan-attraction-bulletin-{run.month:%Y-%m}-{run.data_version[:8]}"
        xlsx_path, pdf_path = claim.temp_path(f"{stem}.xlsx"), claim.temp_path(f"{stem}.pdf")
        bulletin.write_xlsx(figures, xlsx_path)
        claim.beat(50)
        bulletin.write_pdf(figures, pdf_path)
        return documents.Output(
            files={
                "xlsx": (xlsx_path, f"attraction/bulletins/{stem}.xlsx"),
                "pdf": (pdf_path, f"attraction/bulletins/{stem}.pdf"),
            },
            fields={"build_seconds": Decimal(f"{claim.seconds():.2f}")},
            # The mayor's office hears of it once the run says done (after commit).
            on_done=lambda: transaction.on_commit(lambda: _bulletin_ready_enqueue(run_id)),
        )

    if BULLETIN_RUNS.execute(run_id, build) != "done":
        return None
    return BulletinRun.objects.get(pk=run_id)


def bulletin_mark_failed(*, run_id, error):
    """The task gave up: the run says failed with the error (asking again queues it)."""
    BULLETIN_RUNS.mark_failed(run_id, error)


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
# Reference registries (task forces, zones, budgets, investors) are kept by administrators; county staff
# record their own county's meetings, events, spending and visits; approval is the reviewer's (VERIFY).
ATTACHMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _require_region(user, action, region_id):
    from projects.access import may_act_in_region

    if not may_act_in_region(user, action, region_id):
        raise PermissionDenied("无权操作。")


def _clean_save(obj, user=None, field="name"):
    """full_clean, then save in a savepoint: a concurrent duplicate of a unique key is a 400 on ``field``."""
    obj.full_clean()
    try:
        with _audit(user), transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError({field: "已存在(可能由他人同时提交),请刷新后重试。"}) from None
    return obj


def _level_region(level, region):
    if level == OrgLevel.COUNTY and region is None:
        raise ValidationError({"region": "县区级须选择县区。"})
    if level == OrgLevel.CITY and region is not None:
        raise ValidationError({"region": "市级不选县区。"})


@transaction.atomic
def task_force_create(*, user, name, level, region=None, leader, coordinator="", notes="", members=(),
                      sectors=(), projects=()):  # fmt: skip
    """Register a task force (administrators), with its members, target sectors and followed projects."""
    _require_admin(user)
    if level not in (OrgLevel.CITY, OrgLevel.COUNTY):
        raise ValidationError({"level": f"未知层级:{level}。"})
    _level_region(level, region)
    task_force = _clean_save(TaskForce(name=(name or "").strip(), level=level, region=region,
                                       leader=(leader or "").strip(), coordinator=(coordinator or "").strip(),
                                       notes=(notes or "").strip()), user)  # fmt: skip
    task_force.members.set(members)
    task_force.sectors.set(sectors)
    task_force.projects.set(projects)
    return task_force


@transaction.atomic
def task_force_follow(*, user, task_force, project):
    """The task force follows one more lead or project (its own county's staff, or the city)."""
    _require_region(user, Action.CHANGE, task_force.region_id)
    _require(user, Action.VIEW, project)
    task_force.projects.add(project)


@transaction.atomic
def task_force_meeting_add(*, user, task_force, held_on, title, minutes=""):
    _require_region(user, Action.CHANGE, task_force.region_id)
    return _clean_save(TaskForceMeeting(task_force=task_force, held_on=held_on, title=(title or "").strip(),
                                        minutes=(minutes or "").strip()), user)  # fmt: skip


@transaction.atomic
def zone_create(*, user, name, region, operator="", company_run=True, leading_industries="", is_region=False,
                sectors=(), projects=()):  # fmt: skip
    _require_admin(user)
    zone = _clean_save(DevelopmentZone(name=(name or "").strip(), region=region, operator=(operator or "").strip(),
                                       company_run=company_run, is_region=is_region,
                                       leading_industries=(leading_industries or "").strip()), user)  # fmt: skip
    zone.sectors.set(sectors)
    zone_projects_add(user=user, zone=zone, projects=projects)
    return zone


@transaction.atomic
def zone_projects_add(*, user, zone, projects):
    """Projects lie in the zone: only the zone's own county's projects (a project lies in one zone)."""
    _require_region(user, Action.CHANGE, zone.region_id)
    for project in projects:
        _require(user, Action.VIEW, project)
        if project.region_id != zone.region_id:
            raise ValidationError({"projects": f"项目“{project}”不在{zone.region}。"})
        other = project.zones.exclude(pk=zone.pk).first()
        if other is not None:
            raise ValidationError({"projects": f"项目“{project}”已登记在{other}。"})
    zone.projects.add(*projects)


@transaction.atomic
def budget_set(*, user, year, region=None, amount):
    """Set a unit's attraction budget for a year (administrators)."""
    _require_admin(user)
    amount = _money(amount, "amount")
    budget = FundBudget.objects.select_for_update(of=("self",)).filter(year=year, region=region).order_by().first()
    budget = budget or FundBudget(year=year, region=region)
    budget.amount = amount
    return _clean_save(budget, user, field="year")


@transaction.atomic
def spending_submit(*, user, budget, spent_on, amount, purpose, description, event=None, attachments=()):
    """Record one use of the fund against its unit's budget; a trip's cost is the spending of its event."""
    _require_region(user, Action.CHANGE, budget.region_id)
    if spent_on is None or spent_on.year != budget.year:
        raise ValidationError({"spent_on": f"支出日期须在预算年度({budget.year}年)内。"})
    if purpose not in SpendingPurpose.values:
        raise ValidationError({"purpose": f"未知用途:{purpose}。"})
    if event is not None:
        if event.region_id != budget.region_id:
            raise ValidationError({"event": "活动与预算不属于同一单位。"})
        if FundSpending.objects.filter(event=event).exists():
            raise ValidationError({"event": f"活动“{event.name}”已有支出记录(一次活动一条支出)。"})
    spending = FundSpending(budget=budget, spent_on=spent_on, amount=_money(amount, "amount"), purpose=purpose,
                            description=(description or "").strip(), event=event, submitted_by=user)  # fmt: skip
    if spending.amount <= 0:
        raise ValidationError({"amount": "金额须大于零。"})
    _clean_save(spending, user, field="event")
    for upload in attachments:
        spending_attach(user=user, spending=spending, upload=upload)
    return spending


@transaction.atomic
def spending_attach(*, user, spending, upload, field="file"):
    """Attach a voucher (PDF/JPEG/PNG, checked by content, the upload size limit)."""
    import filetype
    from django.core.files.base import ContentFile

    from investment.uploads import read_limited

    _require_region(user, Action.CHANGE, spending.budget.region_id)
    data = read_limited(upload, field=field)
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        raise ValidationError({field: "只接受 PDF、JPEG、PNG 附件(按文件内容识别)。"})
    name = (getattr(upload, "name", "") or f"附件.{ATTACHMENT_TYPES[kind.mime]}")[-200:]
    attachment = SpendingAttachment(spending=spending, name=name)
    attachment.file.save(f"{spending.pk}.{ATTACHMENT_TYPES[kind.mime]}", ContentFile(data), save=False)
    return _clean_save(attachment, user)


@transaction.atomic
def spending_decide(*, user, spending, approve, note=""):
    """Approve or return a submitted spending: the city's by administrators, a county's by its reviewer."""
    _require_region(user, Action.VERIFY, spending.budget.region_id)
    claimed = FundSpending.objects.filter(pk=spending.pk, status=SpendingStatus.SUBMITTED).update(
        status=SpendingStatus.APPROVED if approve else SpendingStatus.REJECTED,
        approver=user,
        decided_at=timezone.now(),
        decision_note=(note or "").strip()[:300],
    )
    if claimed != 1:
        raise ValidationError({"status": "该支出已审批。"})
    spending.refresh_from_db()
    return spending


@transaction.atomic
def outreach_create(*, user, kind, name, held_on, place="", counterpart="", region=None, task_force=None,
                    outcome="", projects=(), participants=()):  # fmt: skip
    """Record an outreach event of the city or a county, its leads and who took part
    (participants: [(level, region, zone, name)], 三级联动)."""
    _require_region(user, Action.CHANGE, region.pk if region else None)
    if kind not in OutreachKind.values:
        raise ValidationError({"kind": f"未知方式:{kind}。"})
    if task_force is not None and task_force.region_id != (region.pk if region else None):
        raise ValidationError({"task_force": "专班与组织单位不一致。"})
    event = _clean_save(OutreachEvent(kind=kind, name=(name or "").strip(), held_on=held_on, place=place or "",
                                      counterpart=counterpart or "", region=region, task_force=task_force,
                                      outcome=(outcome or "").strip()), user)  # fmt: skip
    for project in projects:
        _require(user, Action.VIEW, project)
    event.projects.set(projects)
    for index, (level, p_region, zone, p_name) in enumerate(participants):
        participant = OutreachParticipant(event=event, level=level, region=p_region, zone=zone,
                                          name=(p_name or "").strip())  # fmt: skip
        try:
            participant.full_clean()
        except ValidationError as error:
            raise ValidationError({f"participants[{index}]": error.messages}) from None
        if (level == OrgLevel.COUNTY and p_region is None) or (level == OrgLevel.ZONE and zone is None):
            raise ValidationError({f"participants[{index}]": "县区级须选县区,开发区级须选开发区。"})
        participant.save()
    return event


@transaction.atomic
def investor_create(*, user, name, kind, home="", group=None, notes="", projects=()):
    _require_admin(user)
    if kind not in InvestorKind.values:
        raise ValidationError({"kind": f"未知类型:{kind}。"})
    investor = _clean_save(Investor(name=(name or "").strip(), kind=kind, home=(home or "").strip(), group=group,
                                    notes=(notes or "").strip()), user)  # fmt: skip
    investor.projects.set(projects)
    return investor


@transaction.atomic
def visit_add(*, user, investor, visited_on, visitors, outcome, summary, region=None):
    """A follow-up visit (回访) to an investor already in the city, by the city or a county."""
    _require_region(user, Action.CHANGE, region.pk if region else None)
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": f"未知结果:{outcome}。"})
    if visited_on and visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "回访日期不能晚于今天。"})
    return _clean_save(InvestorVisit(investor=investor, visited_on=visited_on, region=region,
                                     visitors=(visitors or "").strip(), outcome=outcome,
                                     summary=(summary or "").strip(), recorded_by=user), user)  # fmt: skip


@transaction.atomic
def phase_link(*, user, project, phase_one, investor=None, visit=None):
    """Link a phase-2 project (增资扩产) to its phase 1: staff who may change the phase 2 and see the phase 1."""
    _require(user, Action.CHANGE, project)
    _require(user, Action.VIEW, phase_one)
    if project.pk == phase_one.pk:
        raise ValidationError({"phase_one": "一期项目不能是其自身。"})
    if ProjectPhase.objects.filter(project=phase_one.pk, phase_one=project.pk).exists():
        raise ValidationError({"phase_one": "两个项目不能互为一期。"})
    if visit is not None and investor is not None and visit.investor_id != investor.pk:
        raise ValidationError({"visit": "回访记录不是该投资方的。"})
    link = ProjectPhase.objects.select_for_update().filter(project=project).first() or ProjectPhase(project=project)
    link.phase_one, link.investor, link.visit = phase_one, investor, visit
    return _clean_save(link, user, field="project")


# --- the monthly circulation and follow-up reminders (helper "chains") ------------------------------
def circulation_text(*, month, today=None):
    """Title and body of the month's circulation (通报): signing, landing, capital in place (domestic and
    foreign apart, with YoY), the three best and last counties on capital completion, and the overdue
    follow-ups. Figures from the selectors (insights.definitions)."""
    from common.figures import percent, yi

    figures = selectors.region_figures(user=selectors.CITY_WIDE, month=month)
    total = figures["total"]
    origin = selectors.capital_by_origin(user=selectors.CITY_WIDE, month=month)
    overdue = selectors.overdue_follow_up_count(today=today)
    ranked = sorted(figures["rows"], key=lambda r: r["rank"])
    names = lambda rows: "、".join(r["region"].name for r in rows)  # noqa: E731
    title = f"鞍山市招商引资工作通报({month.year}年{month.month}月)"
    body = (
        f"1-{month.month}月,全市签约项目 {total['signed_ytd']} 个、签约额 {yi(total['signed_ytd_amount'])} 亿元;"
        f"落地项目 {total['landed_ytd']} 个;实际到位内资 {yi(origin['domestic']['ytd'])} 亿元,"
        f"同比 {percent(origin['domestic']['yoy'])};实际到位外资 {yi(origin['foreign']['ytd'])} 亿元,"
        f"同比 {percent(origin['foreign']['yoy'])}。本月签约 {total['signed_month']} 个,落地 {total['landed_month']} 个,"
        f"到位资金 {yi(total['capital_month'])} 亿元。到位资金目标完成率前三:{names(ranked[:3])};"
        f"后三:{names(ranked[-3:])}。“四调法”逾期未调度 {overdue} 项。"
    )
    return title, body


def circulation_deliver(*, month, today=None):
    """Deliver the circulation of ``month`` to the main city leaders (the leadership role): inbox and
    e-mail through notifications, exactly once per month however often it runs (a row per month, taken
    with a lock; the notifications' event key keeps each recipient's copy single). Returns the row."""
    from notifications.choices import Kind
    from notifications.services import notify

    from .models import Circulation

    month = periods.month_start(month)
    with transaction.atomic():
        row, _ = Circulation.objects.get_or_create(month=month, defaults={"title": "", "body": ""})
        row = Circulation.objects.select_for_update().get(pk=row.pk)
        if row.delivered_at is not None:
            return row
        row.title, row.body = circulation_text(month=month, today=today)
        recipients = selectors.bulletin_recipients()
        notify(recipients=recipients, kind=Kind.OTHER, event_key=f"circulation:{month:%Y-%m}", title=row.title,
               body=row.body, link=reverse("attraction:assessment"))  # fmt: skip
        row.recipient_count = len(recipients)
        row.delivered_at = timezone.now()
        row.save()
    return row


def follow_up_reminders_send(*, today=None):
    """Remind whoever owes an overdue "四调法" follow-up (inbox and their channels), once per user and
    day: the event key carries the date. Returns the new notifications."""
    from notifications.choices import Kind
    from notifications.services import notify

    today = today or timezone.localdate()
    rows = selectors.overdue_follow_up_list(user=selectors.CITY_WIDE, today=today)
    created = []
    for user, owed in selectors.follow_up_owers(rows=rows).items():
        lines = [f"{r['project'].name}({r['level_label']},应于 {r['due_on']:%Y-%m-%d} 前调度)" for r in owed[:20]]
        more = f"等 {len(owed)} 项" if len(owed) > 20 else ""
        created += notify(
            recipients=[user], kind=Kind.OTHER, event_key=f"follow_up_overdue:{today:%Y-%m-%d}",
            title=f"“四调法”逾期未调度提醒:{len(owed)} 项", body=";".join(lines) + more,
            link=reverse("attraction:follow-ups-overdue"),
        )  # fmt: skip
    return created
