"""Writes for supervision: light snapshots, monthly plans, supervision orders and reminders.
Every change of an order is an OrderEvent (who, when, what) and a pghistory row."""

import logging
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from common import parsing
from common.figures import hundredths
from common.periods import month_start
from common.writes import audit as _audit
from common.writes import read_attachment, store_attachment
from investment.choices import EntryStatus, ProblemStatus
from investment.models import Problem, ProcedureItem, ProgressEntry
from investment.procedure_selectors import open_deficiencies
from investment.procedure_services import procedure_deficiency_escalate
from notifications.choices import Kind
from notifications.services import notify
from projects.access import (  # noqa: F401 - re-exported
    ISSUER_ROLES,
    Action,
    can,
    can_issue,
    can_reply,
    can_review,
    has_role,
    may_address,
    responsible_region_allowed,
    tier_users_q,
    unit_users_q,
    user_roles,
)
from projects.choices import Role, Stage, Tier
from projects.models import Project, RoleAssignment
from projects.services import project_lock

from . import workdays
from .choices import FLAGS, OrderAction, OrderStatus, UnitKind
from .models import (
    LightSnapshot,
    MonthlyPlan,
    OrderAttachment,
    OrderEvent,
    OrderReply,
    SupervisionOrder,
    SupervisionSettings,
)
from .selectors import CONTACT_REFUSED, annotate_lights, period_as_of

logger = logging.getLogger(__name__)

ISSUER_TIER = {
    Role.LEADERSHIP: Tier.CITY,
    Role.SPECIAL_GROUP: Tier.SPECIAL,
    Role.DEPARTMENT: Tier.DEPARTMENT,
    Role.ADMIN: Tier.COUNTY,
}
MAX_ATTACHMENTS = 5


def _today():
    return timezone.localdate()


# --- Lights -----------------------------------------------------------------------------------


@transaction.atomic
def light_snapshot_take(*, period, as_of=None):
    """Store every project's lights for the period (insert or refresh); idempotent. Two queries."""
    period = month_start(period)
    as_of = as_of or period_as_of(period)
    fields = ["light", "overall", "expected_percent", "completion_percent", *FLAGS]
    rows = annotate_lights(Project.objects.all(), period=period, as_of=as_of).values("pk", *fields)
    snapshots = []
    for row in rows:
        expected = row["expected_percent"]
        completion = row["completion_percent"]
        snapshots.append(
            LightSnapshot(
                project_id=row["pk"],
                period=period,
                light=row["light"],
                overall=row["overall"],
                expected_percent=hundredths(expected),
                completion_percent=hundredths(min(completion, Decimal("9999999")) if completion is not None else None),
                **{flag: row[flag] for flag in FLAGS},
            )
        )
    LightSnapshot.objects.bulk_create(
        snapshots,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["project", "period"],
        update_fields=[*fields, "computed_at"],
    )
    return len(snapshots)


@transaction.atomic
def monthly_plan_set(*, user, project, year, percents):
    """Replace a project's monthly plan for a year: {month: cumulative percent of the year plan}.
    Cumulative shares never go down and stay within 0-100."""
    if user is not None and not can(user, Action.CHANGE, project):
        raise PermissionDenied("无权修改该项目。")
    cleaned = {}
    for month, value in percents.items():
        try:
            month = parsing.integer(month, field="percents")
            value = parsing.decimal(value, field="percents", places=4)
        except parsing.ParseError:
            raise ValidationError({"percents": f"{str(month)[:10]} 月的数值无效。"}) from None
        if not 1 <= month <= 12:
            raise ValidationError({"percents": f"月份应为 1-12:{month}。"})
        if not Decimal("0") <= value <= Decimal("100"):
            raise ValidationError({"percents": f"{month} 月累计比例应在 0-100 之间。"})
        cleaned[month] = value
    previous = Decimal("0")
    for month in sorted(cleaned):
        if cleaned[month] < previous:
            raise ValidationError({"percents": f"{month} 月累计比例不能小于上月。"})
        previous = cleaned[month]
    project_lock(project)  # two replacements at once: one after the other, never an IntegrityError
    with _audit(user):
        MonthlyPlan.objects.filter(project=project, year=year).delete()
        plans = [MonthlyPlan(project=project, year=year, month=m, cumulative_percent=v) for m, v in cleaned.items()]
        for plan in plans:
            plan.full_clean()
        MonthlyPlan.objects.bulk_create(plans)
    return plans


# --- Who is who -------------------------------------------------------------------------------


def unit_users(order):
    """The people who answer for the order's unit."""
    User = get_user_model()
    if order.unit_kind == UnitKind.ENTERPRISE:
        return [order.unit_contact] if order.unit_contact_id else []
    q = unit_users_q(unit_kind=order.unit_kind, region_id=order.unit_region_id, department_id=order.unit_department_id)
    return list(User.objects.filter(q, is_active=True).distinct())


def tier_users(project, tier):
    """The people of a dispatch tier for a project (the ones an escalation reaches)."""
    User = get_user_model()
    return list(User.objects.filter(tier_users_q(project, tier), is_active=True).distinct())


def _link(order):
    return reverse("supervision:order_detail", args=[order.pk])


def _event(order, action, actor, note="", from_status=""):
    return OrderEvent.objects.create(
        order=order,
        action=action,
        actor=actor,
        note=note,
        from_status=from_status,
        to_status=order.status,
        tier=order.tier,
        deadline=order.deadline,
    )


def _locked(order):
    return SupervisionOrder.objects.select_for_update().get(pk=order.pk)


# --- Orders -----------------------------------------------------------------------------------


@transaction.atomic
def order_issue(
    *,
    user,
    project,
    requirement,
    unit_kind,
    unit_region=None,
    unit_department=None,
    unit_contact=None,
    problem=None,
    deadline=None,
    tier=None,
    issued_on=None,
):
    """Issue a supervision order to a unit about a project (and optionally one of its problems)."""
    if not can(user, Action.VIEW, project):
        raise PermissionDenied("项目不存在。")
    if not can_issue(user):
        raise PermissionDenied("只有推进组领导或调度办可以下达督办单。")
    issued_on = issued_on or _today()
    errors = {}
    if problem is not None and problem.project_id != project.pk:
        errors["problem"] = "该问题不属于本项目。"
    requirement = (requirement or "").strip()
    if not requirement:
        errors["requirement"] = "请填写督办事项与要求。"
    if unit_kind not in UnitKind.values:
        errors["unit_kind"] = "请选择责任单位类型。"
    elif unit_kind == UnitKind.REGION and unit_region is None:
        errors["unit_region"] = "请选择责任县区。"
    elif unit_kind == UnitKind.DEPARTMENT and unit_department is None:
        errors["unit_department"] = "请选择责任部门。"
    elif unit_kind == UnitKind.ENTERPRISE and unit_contact is None:
        errors["unit_contact"] = "请选择企业联系人。"
    if (
        unit_kind == UnitKind.REGION
        and unit_region is not None
        and not responsible_region_allowed(project, unit_region.pk)
    ):
        errors["unit_region"] = "责任县区只能是项目所在县区;需其他单位协调的,请选择市直部门。"
    if unit_kind == UnitKind.ENTERPRISE and unit_contact is not None and not may_address(unit_contact, project):
        errors["unit_contact"] = CONTACT_REFUSED
    if deadline is not None and deadline < issued_on:
        errors["deadline"] = "回复时限不能早于下达日期。"
    if errors:
        raise ValidationError(errors)
    if deadline is None:
        deadline = workdays.add_working_days_from_calendar(issued_on, SupervisionSettings.current().order_reply_days)
    if tier is None:
        if problem is not None:
            tier = problem.tier
        else:
            tier = next((ISSUER_TIER[r.role] for r in user_roles(user) if r.role in ISSUER_TIER), Tier.COUNTY)
    unit = {
        UnitKind.REGION: unit_region,
        UnitKind.DEPARTMENT: unit_department,
        UnitKind.ENTERPRISE: unit_contact,
    }[unit_kind]
    order = SupervisionOrder(
        number=f"tmp-{secrets.token_hex(8)}",
        project=project,
        problem=problem,
        requirement=requirement,
        unit_kind=unit_kind,
        unit_region=unit_region if unit_kind == UnitKind.REGION else None,
        unit_department=unit_department if unit_kind == UnitKind.DEPARTMENT else None,
        unit_contact=unit_contact if unit_kind == UnitKind.ENTERPRISE else None,
        unit_name=str(unit)[:100],
        issued_by=user,
        issued_on=issued_on,
        deadline=deadline,
        tier=tier,
    )
    order.full_clean()
    with _audit(user):
        order.save()
        order.number = f"督{issued_on.year}-{order.pk:05d}"
        order.save(update_fields=["number"])
        _event(order, OrderAction.ISSUED, user, note=requirement)
    notify(
        recipients=unit_users(order),
        kind=Kind.ORDER_ISSUED,
        event_key=f"order_issued:{order.pk}",
        title=f"督办单 {order.number}:{project.name}",
        body=f"{requirement}\n请于 {deadline:%Y-%m-%d} 前回复。",
        link=_link(order),
    )
    return order


@transaction.atomic
def order_reply(*, user, order, text, attachments=()):
    """The unit answers an order (text and attachments). On time when on or before the deadline."""
    order = _locked(order)
    if not can_reply(user, order):
        raise PermissionDenied("只有责任单位可以回复督办单。")
    if order.status not in OrderStatus.awaiting_reply():
        raise ValidationError({"status": f"督办单当前状态为“{order.get_status_display()}”,不能回复。"})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写回复内容。"})
    attachments = list(attachments or [])
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": f"附件最多 {MAX_ATTACHMENTS} 个。"})
    checked = [(read_attachment(upload, i), upload) for i, upload in enumerate(attachments, 1)]
    today = _today()
    on_time = today <= order.deadline
    from_status = order.status
    with _audit(user):
        reply = OrderReply.objects.create(order=order, text=text, author=user, replied_on=today, on_time=on_time)
        for (data, mime), upload in checked:
            path, name = store_attachment("supervision/orders", data, mime, upload)
            OrderAttachment.objects.create(
                reply=reply, file=path, original_name=name, content_type=mime, size=len(data)
            )
        if order.first_replied_on is None:
            order.first_replied_on = today
            order.replied_on_time = on_time
        order.status = OrderStatus.REPLIED
        order.save()
        _event(order, OrderAction.REPLIED, user, note=text, from_status=from_status)
    notify(
        recipients=[order.issued_by],
        kind=Kind.ORDER_REPLIED,
        event_key=f"order_replied:{order.pk}:{reply.pk}",
        title=f"督办单 {order.number} 已回复",
        body=text[:500],
        link=_link(order),
    )
    return reply


@transaction.atomic
def order_accept(*, user, order, note=""):
    """The issuer accepts the reply and closes the order (销号)."""
    order = _locked(order)
    if not can_review(user, order):
        raise PermissionDenied("只有督办人可以审核督办单。")
    if order.status != OrderStatus.REPLIED:
        raise ValidationError({"status": "只有已回复的督办单可以销号。"})
    from_status = order.status
    order.status = OrderStatus.CLOSED
    order.closed_on = _today()
    with _audit(user):
        order.save()
        _event(order, OrderAction.ACCEPTED, user, note=(note or "").strip(), from_status=from_status)
    notify(
        recipients=unit_users(order),
        kind=Kind.ORDER_CLOSED,
        event_key=f"order_closed:{order.pk}",
        title=f"督办单 {order.number} 已销号",
        body=(note or "").strip(),
        link=_link(order),
    )
    return order


@transaction.atomic
def order_send_back(*, user, order, note, deadline=None):
    """The issuer sends the reply back: the unit must act again by a new deadline."""
    order = _locked(order)
    if not can_review(user, order):
        raise PermissionDenied("只有督办人可以审核督办单。")
    if order.status != OrderStatus.REPLIED:
        raise ValidationError({"status": "只有已回复的督办单可以退回。"})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "退回须说明原因。"})
    today = _today()
    if deadline is None:
        deadline = workdays.add_working_days_from_calendar(today, SupervisionSettings.current().order_reply_days)
    elif deadline < today:
        raise ValidationError({"deadline": "新的回复时限不能早于今天。"})
    from_status = order.status
    order.status = OrderStatus.RETURNED
    order.deadline = deadline
    with _audit(user):
        order.save()
        event = _event(order, OrderAction.SENT_BACK, user, note=note, from_status=from_status)
    notify(
        recipients=unit_users(order),
        kind=Kind.ORDER_RETURNED,
        event_key=f"order_returned:{order.pk}:{event.pk}",
        title=f"督办单 {order.number} 被退回重办",
        body=f"{note}\n请于 {deadline:%Y-%m-%d} 前重新回复。",
        link=_link(order),
    )
    return order


def orders_mark_overdue(*, today=None):
    """Orders not answered by their deadline turn overdue and go one tier up. Idempotent: each
    deadline is missed (and escalated) once; an order sent back with a new deadline can miss again."""
    today = today or _today()
    candidates = list(
        SupervisionOrder.objects.filter(status__in=OrderStatus.awaiting_reply(), deadline__lt=today)
        .filter(Q(overdue_on__isnull=True) | Q(overdue_on__lte=F("deadline")))
        .values_list("pk", flat=True)
    )
    escalated = []
    for pk in candidates:
        with transaction.atomic():
            order = (
                SupervisionOrder.objects.select_for_update(skip_locked=True)
                .select_related("project", "issued_by")
                .filter(pk=pk, status__in=OrderStatus.awaiting_reply(), deadline__lt=today)
                .filter(Q(overdue_on__isnull=True) | Q(overdue_on__lte=F("deadline")))
                .first()
            )
            if order is None:
                continue
            from_status = order.status
            order.was_overdue = True
            order.overdue_on = today
            with _audit(None):
                _event(
                    order,
                    OrderAction.OVERDUE,
                    None,
                    note=f"超过回复时限 {order.deadline:%Y-%m-%d}",
                    from_status=from_status,
                )
                higher = Tier.above(order.tier)
                if higher:
                    previous = order.tier
                    order.tier = higher
                    order.save()
                    _event(
                        order,
                        OrderAction.ESCALATED,
                        None,
                        note=f"由{Tier(previous).label}提级至{Tier(higher).label}",
                        from_status=order.status,
                    )
                else:
                    order.save()
            recipients = [order.issued_by, *unit_users(order), *tier_users(order.project, order.tier)]
            notify(
                recipients=recipients,
                kind=Kind.ORDER_OVERDUE,
                event_key=f"order_overdue:{order.pk}:{order.deadline:%Y-%m-%d}",
                title=f"督办单 {order.number} 逾期未回复,已提级督办",
                body=f"{order.unit_name} 未在 {order.deadline:%Y-%m-%d} 前回复:{order.requirement[:200]}",
                link=_link(order),
            )
            escalated.append(order.pk)
    return escalated


# --- Reminders --------------------------------------------------------------------------------


def reminders_entry_due(*, today=None):
    """On or after the configured day of the month, remind county staff whose projects under
    construction have no submitted entry for the month. Once per user and month (event key)."""
    today = today or _today()
    due_day = SupervisionSettings.current().entry_due_day
    if today.day < due_day:
        return 0
    period = month_start(today)
    submitted = ProgressEntry.objects.filter(
        period=period, status__in=[EntryStatus.SUBMITTED, EntryStatus.VERIFIED]
    ).values("project_id")
    missing = (
        Project.objects.filter(stage=Stage.CONSTRUCTION)
        .exclude(pk__in=submitted)
        .order_by()
        .values_list("region_id")
        .annotate(n=Count("pk"))
    )
    sent = 0
    link = reverse("investment:month")
    for region_id, count in missing:
        staff = [
            a.user
            for a in RoleAssignment.objects.filter(role=Role.COUNTY_STAFF, region_id=region_id).select_related("user")
        ]
        sent += len(
            notify(
                recipients=staff,
                kind=Kind.ENTRY_DUE,
                event_key=f"entry_due:{period:%Y-%m}",
                title=f"{period:%Y年%m月}进度填报提醒",
                body=f"本县区还有 {count} 个在建项目未提交 {period:%Y年%m月} 的进度,请及时填报。",
                link=link,
            )
        )
    return sent


def reminders_deadlines(*, today=None):
    """Orders awaiting a reply and unresolved problems whose deadline is within the configured number
    of working days: remind the responsible people once per deadline."""
    today = today or _today()
    ahead = SupervisionSettings.current().reminder_days_before
    horizon = workdays.add_working_days_from_calendar(today, ahead)
    sent = 0
    orders = SupervisionOrder.objects.filter(
        status__in=OrderStatus.awaiting_reply(), deadline__gte=today, deadline__lte=horizon
    ).select_related("unit_contact")
    for order in orders:
        sent += len(
            notify(
                recipients=unit_users(order),
                kind=Kind.ORDER_DUE,
                event_key=f"order_due:{order.pk}:{order.deadline:%Y-%m-%d}",
                title=f"督办单 {order.number} 将于 {order.deadline:%Y-%m-%d} 到期",
                body=order.requirement[:300],
                link=_link(order),
            )
        )
    problems = Problem.objects.filter(
        status__in=ProblemStatus.unresolved(), deadline__gte=today, deadline__lte=horizon
    ).select_related("project")
    User = get_user_model()
    for problem in problems:
        if problem.responsible_department_id:
            q = Q(roles__role=Role.DEPARTMENT, roles__department=problem.responsible_department_id)
        else:
            region = problem.responsible_region_id or problem.project.region_id
            q = Q(roles__role__in=[Role.COUNTY_STAFF, Role.COUNTY_REVIEWER], roles__region=region)
        recipients = list(User.objects.filter(q, is_active=True).distinct())
        sent += len(
            notify(
                recipients=recipients,
                kind=Kind.PROBLEM_DUE,
                event_key=f"problem_due:{problem.pk}:{problem.deadline:%Y-%m-%d}",
                title=f"问题将于 {problem.deadline:%Y-%m-%d} 到期:{problem.project.name}",
                body=problem.description[:300],
                link=reverse("investment:problem-edit", args=[problem.pk]),
            )
        )
    for item in (
        open_deficiencies()
        .filter(deficiency_deadline__gte=today, deficiency_deadline__lte=horizon)
        .select_related("project")
    ):
        sent += len(
            notify(
                recipients=deficiency_users(item),
                kind=Kind.OTHER,
                event_key=f"deficiency_due:{item.pk}:{item.deficiency_deadline:%Y-%m-%d}",
                title=f"容缺受理补正将于 {item.deficiency_deadline:%Y-%m-%d} 到期:{item.project.name} {item.name}",
                body=f"待补正材料:{item.deficiency_note[:300]}",
                link=reverse("projects:detail", args=[item.project_id]),
            )
        )
    return sent


def deficiency_users(item):
    """Who must make a 容缺 item good: the unit that owes it and the project's county staff."""
    User = get_user_model()
    q = Q(roles__role__in=[Role.COUNTY_STAFF, Role.COUNTY_REVIEWER], roles__region=item.project.region_id)
    if item.department_id:
        q |= Q(roles__role=Role.DEPARTMENT, roles__department=item.department_id)
    return list(User.objects.filter(q, is_active=True).distinct())


def deficiencies_escalate(*, today=None):
    """容缺 items past their 补正 deadline escalate like a problem: a coordination problem for the owing
    unit at the department tier (with the order reply time as its deadline), and the unit, the county
    and that tier are told. Idempotent: once per deadline (the item is claimed)."""
    today = today or _today()
    deadline = workdays.add_working_days_from_calendar(today, SupervisionSettings.current().order_reply_days)
    escalated = []
    candidates = open_deficiencies().filter(deficiency_deadline__lt=today).values_list("pk", flat=True)
    for pk in list(candidates):
        problem = procedure_deficiency_escalate(item_id=pk, today=today, deadline=deadline)
        if problem is None:
            continue
        item = ProcedureItem.objects.select_related("project").get(pk=pk)
        notify(
            recipients=[*deficiency_users(item), *tier_users(item.project, Tier.DEPARTMENT)],
            kind=Kind.OTHER,
            event_key=f"deficiency_overdue:{item.pk}:{item.deficiency_deadline:%Y-%m-%d}",
            title=f"容缺受理补正超期,已转协调问题:{item.project.name} {item.name}",
            body=problem.description[:300],
            link=reverse("investment:problem-edit", args=[problem.pk]),
        )
        escalated.append(problem.pk)
    return escalated


# --- a site-photo comment (批示) turned into an order -------------------------------------------------
@transaction.atomic
def order_from_photo_comment(*, user, comment, unit_kind, unit_region=None, unit_department=None, deadline=None):
    """Issue a supervision order from a leader's comment on a site photo, in one step: the order's
    requirement is the comment, its project the photo's; the comment records the order's number."""
    from investment.services import photo_comment_mark_order

    if comment.order_number:
        raise ValidationError({"comment": "该批示已转为督办单。"})
    photo = comment.photo
    order = order_issue(
        user=user,
        project=photo.project,
        requirement=f"现场照片批示({photo.taken_on:%Y-%m-%d} {photo.caption}):{comment.text}",
        unit_kind=unit_kind,
        unit_region=unit_region,
        unit_department=unit_department,
        problem=comment.problem,
        deadline=deadline,
    )
    photo_comment_mark_order(comment=comment, number=order.number)
    return order
