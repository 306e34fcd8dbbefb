"""Writes for service tasks (帮办代办). Every step is a ServiceTaskEvent (who, when, what) and a
pghistory row; each service checks the right in ``projects.access``, cleans and saves in one transaction."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.writes import audit as _audit
from common.writes import read_attachment, store_attachment
from investment.choices import ProblemKind
from investment.models import Problem
from notifications.choices import Kind
from notifications.services import notify
from projects.access import can_handle_service, can_request_service, is_project_person
from projects.choices import Role, Tier
from supervision import services as supervision_services
from supervision import workdays
from supervision.choices import UnitKind

from .choices import TaskAction, TaskStatus
from .models import AssistanceSettings, ServiceAttachment, ServiceContact, ServiceTask, ServiceTaskEvent

NOT_FOUND = "服务事项不存在。"
MAX_ATTACHMENTS = supervision_services.MAX_ATTACHMENTS
# Which statuses each step may start from.
TRANSITIONS = {
    TaskStatus.ACCEPTED: (TaskStatus.REQUESTED,),
    TaskStatus.IN_PROGRESS: (TaskStatus.ACCEPTED,),
    TaskStatus.DONE: (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS),
    TaskStatus.REFUSED: (TaskStatus.REQUESTED, TaskStatus.ACCEPTED),
    TaskStatus.TRANSFERRED: tuple(TaskStatus.open()),
}


# The kinds the article names (帮办代办: 企业注册、施工图审图、规划用地两证) and the usual others; the data
# migration loads them, an administrator edits them; this reloads missing ones (demo, tests after a flush).
DEFAULT_KINDS = [
    ("registration", "企业注册", False),
    ("drawing_review", "施工图审图", False),
    ("planning_permits", "规划用地两证", False),
    ("utilities", "水电气暖接入", False),
    ("recruiting", "招工", False),
    ("financing", "融资对接", False),
    ("other", "其他", True),
]


def kinds_load_defaults():
    """Create the default kinds that are missing (an administrator's edits to existing rows are kept)."""
    from .models import ServiceKind

    created = 0
    for order, (key, name, needs_text) in enumerate(DEFAULT_KINDS, 1):
        _, new = ServiceKind.objects.get_or_create(
            key=key, defaults={"name": name, "needs_text": needs_text, "sort_order": order * 10}
        )
        created += new
    return created


def _today():
    return timezone.localdate()


def _link(task):
    return reverse("assistance:task_detail", args=[task.pk])


def deadline_for(requested_on: datetime.date, days: int) -> datetime.date:
    """The deadline ``days`` working days after the request (holidays and make-up days counted)."""
    return workdays.add_working_days_from_calendar(requested_on, days)


def working_days_taken(requested_on: datetime.date, done_on: datetime.date) -> int:
    """Working days after the request day up to and including the day it was done."""
    return workdays.working_days_between(requested_on, done_on, workdays.overrides(requested_on, done_on))


def _event(task, action, actor, *, note="", from_status="", on=None):
    return ServiceTaskEvent.objects.create(
        task=task,
        action=action,
        actor=actor,
        on=on or _today(),
        note=note,
        from_status=from_status,
        to_status=task.status,
        tier=task.tier,
    )


def _locked(task):
    return (
        ServiceTask.objects.select_for_update(of=("self",))
        .select_related("project", "kind", "owner_unit")
        .get(pk=task.pk)
    )


def _require_handler(user, task):
    if not can_handle_service(user, task):
        raise PermissionDenied(NOT_FOUND)


def _require_from(task, target):
    if task.status not in TRANSITIONS[target]:
        raise ValidationError(
            {"status": f"服务事项当前状态为“{task.get_status_display()}”,不能{TaskStatus(target).label}。"}
        )


def unit_users(task):
    """The people who answer for the task: its owner person, else the owner unit's staff."""
    if task.owner_person_id:
        return [task.owner_person]
    User = get_user_model()
    return list(
        User.objects.filter(
            roles__role=Role.DEPARTMENT, roles__department=task.owner_unit_id, is_active=True
        ).distinct()
    )


def _owner_allowed(person, task):
    """The owner person works for the owner unit, or is named on the project."""
    if person is None:
        return True
    if not person.is_active:
        return False
    if is_project_person(person, task.project):
        return True
    return person.roles.filter(role=Role.DEPARTMENT, department=task.owner_unit_id).exists()


# --- request ------------------------------------------------------------------------------------
@transaction.atomic
def task_request(
    *,
    user,
    project,
    kind,
    request_text,
    owner_unit,
    owner_person=None,
    deadline_days=None,
    kind_text="",
    enterprise_contact="",
    requested_on=None,
):
    """Log an enterprise's request on a project; the deadline is ``deadline_days`` working days on."""
    if not can_request_service(user, project):
        raise PermissionDenied("项目不存在。")
    requested_on = requested_on or _today()
    if deadline_days is None:
        deadline_days = AssistanceSettings.current().default_deadline_days
    errors = {}
    request_text = (request_text or "").strip()
    kind_text = (kind_text or "").strip()
    if kind is None or not kind.active:
        errors["kind"] = "请选择服务事项类型。"
    elif kind.needs_text and not kind_text:
        errors["kind_text"] = f"“{kind.name}”须写明具体事项。"
    if not request_text:
        errors["request_text"] = "请填写企业诉求。"
    if owner_unit is None:
        errors["owner_unit"] = "请选择责任单位。"
    if requested_on > _today():
        errors["requested_on"] = "申请日期不能晚于今天。"
    if not isinstance(deadline_days, int) or not 1 <= deadline_days <= 120:
        errors["deadline_days"] = "办理时限须为 1 至 120 个工作日。"
    if errors:
        raise ValidationError(errors)
    task = ServiceTask(
        project=project,
        kind=kind,
        kind_text=kind_text,
        request_text=request_text,
        enterprise_contact=(enterprise_contact or "").strip(),
        owner_unit=owner_unit,
        owner_person=owner_person,
        requested_on=requested_on,
        deadline_days=deadline_days,
        deadline=deadline_for(requested_on, deadline_days),
        created_by=user,
    )
    if not _owner_allowed(owner_person, task):
        raise ValidationError({"owner_person": "责任人须为责任单位的人员,或本项目的包保领导、项目管家。"})
    task.full_clean()
    with _audit(user):
        task.save()
        _event(task, TaskAction.REQUESTED, user, note=request_text, on=requested_on)
    notify(
        recipients=unit_users(task),
        kind=Kind.OTHER,
        event_key=f"service_task_requested:{task.pk}",
        title=f"帮办代办:{task.kind_label} · {project.name}",
        body=f"{request_text[:300]}\n请于 {task.deadline:%Y-%m-%d} 前办结。",
        link=_link(task),
    )
    return task


# --- the steps ------------------------------------------------------------------------------------
def _step(*, user, task, target, action, note="", **fields):
    task = _locked(task)
    _require_handler(user, task)
    _require_from(task, target)
    from_status = task.status
    task.status = target
    for name, value in fields.items():
        setattr(task, name, value)
    task.full_clean()
    with _audit(user):
        task.save()
        _event(task, action, user, note=note, from_status=from_status)
    return task


@transaction.atomic
def task_accept(*, user, task, note=""):
    return _step(user=user, task=task, target=TaskStatus.ACCEPTED, action=TaskAction.ACCEPTED,
                 note=(note or "").strip(), accepted_on=_today())  # fmt: skip


@transaction.atomic
def task_start(*, user, task, note=""):
    return _step(user=user, task=task, target=TaskStatus.IN_PROGRESS, action=TaskAction.STARTED,
                 note=(note or "").strip(), started_on=_today())  # fmt: skip


@transaction.atomic
def task_refuse(*, user, task, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "不予受理须说明原因。"})
    task = _step(user=user, task=task, target=TaskStatus.REFUSED, action=TaskAction.REFUSED, note=reason,
                 refusal_reason=reason)  # fmt: skip
    notify(
        recipients=[task.created_by],
        kind=Kind.OTHER,
        event_key=f"service_task_refused:{task.pk}",
        title=f"帮办代办事项不予受理:{task.kind_label}",
        body=reason[:500],
        link=_link(task),
    )
    return task


@transaction.atomic
def task_finish(*, user, task, result, done_on=None):
    """Done: on time when done on or before the deadline; the working days taken are kept."""
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": "请填写办理结果。"})
    done_on = done_on or _today()
    locked = _locked(task)
    if done_on > _today():
        raise ValidationError({"done_on": "办结日期不能晚于今天。"})
    if done_on < locked.requested_on:
        raise ValidationError({"done_on": "办结日期不能早于申请日期。"})
    task = _step(user=user, task=locked, target=TaskStatus.DONE, action=TaskAction.DONE, note=result,
                 result=result, done_on=done_on,
                 working_days_taken=working_days_taken(locked.requested_on, done_on))  # fmt: skip
    notify(
        recipients=[task.created_by],
        kind=Kind.OTHER,
        event_key=f"service_task_done:{task.pk}",
        title=f"帮办代办事项已办结:{task.kind_label}",
        body=result[:500],
        link=_link(task),
    )
    return task


@transaction.atomic
def task_confirm(*, user, task, confirmed_by, satisfied, note="", confirmed_on=None):
    """The enterprise's confirmation of a done task (who, when, satisfied or not), recorded by a handler."""
    task = _locked(task)
    _require_handler(user, task)
    if task.status != TaskStatus.DONE:
        raise ValidationError({"status": "只有已办结的事项可以由企业确认。"})
    if task.confirmed_on is not None:
        raise ValidationError({"status": "企业已确认过该事项。"})
    errors = {}
    confirmed_by = (confirmed_by or "").strip()
    confirmed_on = confirmed_on or _today()
    if not confirmed_by:
        errors["confirmed_by"] = "请填写企业确认人。"
    if satisfied not in (True, False):
        errors["satisfied"] = "请选择企业是否满意。"
    if confirmed_on < task.done_on or confirmed_on > _today():
        errors["confirmed_on"] = "确认日期须在办结日期与今天之间。"
    if errors:
        raise ValidationError(errors)
    task.confirmed_by, task.confirmed_on, task.satisfied = confirmed_by, confirmed_on, satisfied
    task.confirmation_note = (note or "").strip()
    task.full_clean()
    with _audit(user):
        task.save()
        label = "满意" if satisfied else "不满意"
        _event(task, TaskAction.CONFIRMED, user, note=f"{confirmed_by}:{label}。{task.confirmation_note}".strip(),
               from_status=task.status)  # fmt: skip
    return task


@transaction.atomic
def contact_record(*, user, task, kind, contacted_on, participants, settled, attachments=()):
    """A visit, call or meeting on the task: who took part and what was settled, with attachments
    (checked by the bytes, as supervision's reply attachments)."""
    from .choices import ContactKind

    task = _locked(task)
    _require_handler(user, task)
    errors = {}
    participants, settled = (participants or "").strip(), (settled or "").strip()
    if kind not in ContactKind.values:
        errors["kind"] = "请选择服务方式(走访、电话、会议)。"
    if contacted_on is None:
        errors["contacted_on"] = "请填写日期。"
    elif contacted_on > _today() or contacted_on < task.requested_on:
        errors["contacted_on"] = "日期须在申请日期与今天之间。"
    if not participants:
        errors["participants"] = "请填写参加人员。"
    if not settled:
        errors["settled"] = "请填写商定事项。"
    attachments = list(attachments or [])
    if len(attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = f"附件最多 {MAX_ATTACHMENTS} 个。"
    if errors:
        raise ValidationError(errors)
    checked = [(read_attachment(upload, i), upload) for i, upload in enumerate(attachments, 1)]
    contact = ServiceContact(
        task=task, kind=kind, contacted_on=contacted_on, participants=participants, settled=settled, recorded_by=user
    )
    contact.full_clean()
    with _audit(user):
        contact.save()
        for (data, mime), upload in checked:
            path, name = store_attachment("assistance", data, mime, upload)
            ServiceAttachment.objects.create(
                contact=contact, file=path, original_name=name, content_type=mime, size=len(data)
            )
        _event(task, TaskAction.CONTACT, user, note=f"{contact.get_kind_display()}:{settled}", from_status=task.status,
               on=contacted_on)  # fmt: skip
    return contact


# --- turning a task into a problem or an order (one step, history kept) -----------------------------
def _history_text(task):
    lines = [f"【由帮办代办事项 #{task.pk} 转入】{task.kind_label}:{task.request_text}"]
    for event in task.events.order_by("at", "id"):
        if event.action in (TaskAction.CONTACT, TaskAction.ACCEPTED, TaskAction.STARTED, TaskAction.ESCALATED):
            lines.append(f"{event.on:%Y-%m-%d} {event.get_action_display()} {event.note}".strip())
    return "\n".join(lines)


@transaction.atomic
def task_to_problem(*, user, task, problem_kind=ProblemKind.OTHER, deadline=None, leader="", note=""):
    """The task becomes a coordination problem (investment.Problem) owed by the task's unit, at the
    task's tier; the task keeps its log, links to the problem and stops running its own deadline."""
    task = _locked(task)
    _require_handler(user, task)
    _require_from(task, TaskStatus.TRANSFERRED)
    if problem_kind not in ProblemKind.values:
        raise ValidationError({"problem_kind": "请选择问题类型。"})
    today = _today()
    if deadline is None:
        deadline = deadline_for(today, AssistanceSettings.current().default_deadline_days)
    elif deadline < today:
        raise ValidationError({"deadline": "完成时限不能早于今天。"})
    problem = Problem(
        project=task.project,
        description=_history_text(task),
        kind=problem_kind,
        responsible_unit=task.owner_unit.name[:100],
        responsible_department=task.owner_unit,
        leader=(leader or "").strip()[:50],
        deadline=deadline,
        tier=task.tier,
        raised_by=user,
    )
    problem.full_clean()
    from_status = task.status
    with _audit(user):
        problem.save()
        task.problem = problem
        task.status = TaskStatus.TRANSFERRED
        task.save()
        _event(task, TaskAction.TO_PROBLEM, user, note=(note or "").strip() or f"协调问题 #{problem.pk}",
               from_status=from_status)  # fmt: skip
    return problem


@transaction.atomic
def task_to_order(*, user, task, requirement="", deadline=None):
    """The task becomes a supervision order (督办单) to its unit, at its tier (supervision's rules of
    who may issue apply); the task keeps its log and links to the order."""
    task = _locked(task)
    # The task's handlers, and whoever may issue orders (leaders, groups, departments) and sees the task.
    if not can_handle_service(user, task):
        if not ServiceTask.objects.restrict(user).filter(pk=task.pk).exists():
            raise PermissionDenied(NOT_FOUND)
        if not supervision_services.can_issue(user):
            raise PermissionDenied("只有推进组领导或调度办可以下达督办单。")
    _require_from(task, TaskStatus.TRANSFERRED)
    requirement = (requirement or "").strip() or _history_text(task)
    order = supervision_services.order_issue(
        user=user,
        project=task.project,
        requirement=requirement,
        unit_kind=UnitKind.DEPARTMENT,
        unit_department=task.owner_unit,
        problem=task.problem,
        deadline=deadline,
        tier=task.tier,
    )
    from_status = task.status
    with _audit(user):
        task.order = order
        task.status = TaskStatus.TRANSFERRED
        task.save()
        _event(task, TaskAction.TO_ORDER, user, note=f"督办单 {order.number}", from_status=from_status)
    return order


# --- overdue: remind the owner daily, escalate like problems ---------------------------------------
def _tier_people(task, tier):
    return supervision_services.tier_users(task.project, tier)


def tasks_remind_overdue(*, today=None):
    """Remind the owner of every overdue open task, once per task per day (the inbox's event key);
    the first day overdue is also recorded in the task's log. Returns the tasks reminded."""
    today = today or _today()
    reminded = []
    for pk in ServiceTask.objects.overdue(today).values_list("pk", flat=True):
        with transaction.atomic():
            task = (
                ServiceTask.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("project", "kind", "owner_person", "owner_unit")
                .filter(pk=pk, status__in=TaskStatus.open(), deadline__lt=today)
                .first()
            )
            if task is None:
                continue
            if task.overdue_on is None:
                task.overdue_on = today
                with _audit(None):
                    task.save(update_fields=["overdue_on", "updated_at"])
                    _event(task, TaskAction.OVERDUE, None, note=f"超过办结时限 {task.deadline:%Y-%m-%d}",
                           from_status=task.status, on=today)  # fmt: skip
            created = notify(
                recipients=unit_users(task),
                kind=Kind.OTHER,
                event_key=f"service_task_overdue:{task.pk}:{today:%Y-%m-%d}",
                title=f"帮办代办事项逾期:{task.kind_label} · {task.project.name}",
                body=f"办结时限 {task.deadline:%Y-%m-%d} 已过,请尽快办结。企业诉求:{task.request_text[:200]}",
                link=_link(task),
            )
            if created:
                reminded.append(task.pk)
    return reminded


def tasks_escalate_overdue(*, today=None):
    """Move every overdue open task one tier up (10 -> N -> 3 -> 1), at most one step per
    ``AssistanceSettings.escalation_interval_days``, each tier once; tell the new tier. Idempotent."""
    today = today or _today()
    interval = datetime.timedelta(days=AssistanceSettings.current().escalation_interval_days)
    made = []
    candidates = ServiceTask.objects.overdue(today).exclude(tier=Tier.CITY).values_list("pk", flat=True)
    for pk in candidates:
        with transaction.atomic():
            task = (
                ServiceTask.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("project", "kind")
                .filter(pk=pk, status__in=TaskStatus.open(), deadline__lt=today)
                .first()
            )
            if task is None or Tier.above(task.tier) is None:
                continue
            last = task.events.filter(action=TaskAction.ESCALATED).order_by("-on").values_list("on", flat=True).first()
            if last is not None and last > today - interval:
                continue
            previous, task.tier = task.tier, Tier.above(task.tier)
            with _audit(None):
                task.save(update_fields=["tier", "updated_at"])
                _event(task, TaskAction.ESCALATED, None, on=today, from_status=task.status,
                       note=f"逾期未办结,由{Tier(previous).label}提级至{Tier(task.tier).label}")  # fmt: skip
            notify(
                recipients=[*unit_users(task), *_tier_people(task, task.tier)],
                kind=Kind.OTHER,
                event_key=f"service_task_escalated:{task.pk}:{task.tier}",
                title=f"帮办代办事项逾期提级:{task.kind_label} · {task.project.name}",
                body=f"办结时限 {task.deadline:%Y-%m-%d},现由{Tier(task.tier).label}督促办理。",
                link=_link(task),
            )
            made.append(task.pk)
    return made


def owner_candidates_q(project):
    """Users a task on the project may be given to (department staff, the project's people)."""
    people = [pk for pk in (project.steward_id, project.city_leader_id, project.county_leader_id) if pk]
    return Q(roles__role=Role.DEPARTMENT) | Q(pk__in=people)
