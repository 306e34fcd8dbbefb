"""Demo service tasks (帮办代办), run by seed_demo (``seed``).

About 60 tasks on key projects under construction or landing, in every state: requested, accepted,
in progress (some overdue, one escalated), done on time and late (confirmed by the enterprise,
satisfied or not), refused with a reason, and one turned into a coordination problem; each with a
few contact records (visits, calls, meetings). Its own random stream (the other apps' draws do not
move), a few bulk inserts: fast at any size."""

import datetime
import random

from django.contrib.auth import get_user_model

from investment.choices import ProblemKind
from investment.models import Problem
from projects.choices import Stage, Tier
from projects.models import Department, Project
from supervision import workdays

from .choices import ContactKind, TaskAction, TaskStatus
from .models import ServiceContact, ServiceKind, ServiceTask, ServiceTaskEvent

TASKS = 60
REQUESTS = {
    "registration": ("企业新设项目公司,需办理工商注册和税务登记", "sjj"),
    "drawing_review": ("厂房施工图已完成设计,申请联合审图", "zjj"),
    "planning_permits": ("申请办理建设用地规划许可证和建设工程规划许可证", "zrzyj"),
    "utilities": ("厂区10千伏双回路供电及天然气管线接入", "gxj"),
    "recruiting": ("投产前需招聘技术工人120名", "sjj"),
    "financing": ("项目资本金缺口约8000万元,希望对接银行贷款", "fgw"),
    "other": ("项目周边道路需配套建设", "jtj"),
}
SETTLED = [
    "确定材料清单,企业三个工作日内补齐",
    "明确办理路径,由责任单位全程代办",
    "现场踏勘完成,约定下周联合审查",
    "与企业商定分步实施方案",
    "协调相关单位到场,当场解决两项问题",
]
PARTICIPANTS = ["项目管家、企业负责人", "责任单位经办人、企业项目经理", "县区推进组、责任单位、企业"]
# The state of each demo task, in order (repeated): every state shows, a share overdue.
PLAN = [
    TaskStatus.REQUESTED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.DONE,
    TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.REFUSED, TaskStatus.ACCEPTED, TaskStatus.DONE,
]  # fmt: skip


def seed(builder):
    from .services import kinds_load_defaults

    kinds_load_defaults()
    rng = random.Random(f"assistance-{builder.today.isoformat()}")
    today = builder.today
    kinds = {k.key: k for k in ServiceKind.objects.all()}
    departments = {d.key: d for d in Department.objects.all()}
    fallback = next(iter(departments.values()), None)
    projects = list(
        Project.objects.filter(stage__in=[Stage.LANDED, Stage.CONSTRUCTION], steward__isnull=False)
        .order_by("-total_investment", "id")
        .values_list("pk", "steward_id", "region_id")[: TASKS // 2]
    )
    if not projects or not kinds or fallback is None:
        return
    User = get_user_model()
    fgw = User.objects.filter(username="fgw").first()
    calendar = workdays.overrides(today - datetime.timedelta(days=200), today + datetime.timedelta(days=200))
    tasks, plans = [], []
    for index in range(TASKS):
        project_id, steward_id, _region = projects[index % len(projects)]
        key = list(REQUESTS)[index % len(REQUESTS)]
        text, unit_key = REQUESTS[key]
        unit = departments.get(unit_key) or fallback
        status = PLAN[index % len(PLAN)]
        overdue = status in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS) and index % 3 == 0
        days = rng.choice([5, 10, 15])
        if overdue:
            requested = today - datetime.timedelta(days=days * 2 + rng.randrange(5, 30))
        elif status in TaskStatus.open():
            requested = today - datetime.timedelta(days=rng.randrange(0, 5))
        else:
            requested = today - datetime.timedelta(days=rng.randrange(20, 150))
        requested = min(requested, today)
        deadline = workdays.add_working_days(requested, days, calendar)
        task = ServiceTask(
            project_id=project_id,
            kind=kinds.get(key) or next(iter(kinds.values())),
            kind_text="配套道路建设" if key == "other" else "",
            request_text=text,
            enterprise_contact=rng.choice(["张经理", "李总", "王主任", "刘工"]),
            owner_unit=unit,
            owner_person_id=fgw.pk if fgw and unit.key == "fgw" else steward_id,
            requested_on=requested,
            deadline_days=days,
            deadline=deadline,
            status=status,
            created_by_id=steward_id,
        )
        if status in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.DONE):
            task.accepted_on = min(requested + datetime.timedelta(days=1), today)
        if status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
            task.started_on = task.accepted_on
        if status == TaskStatus.DONE:
            late = index % 4 == 3
            span = days + rng.randrange(2, 6) if late else rng.randrange(1, days + 1)
            done = min(workdays.add_working_days(requested, span, calendar), today)
            task.done_on = done
            task.result = "已办结,相关证照已送达企业"
            task.working_days_taken = workdays.working_days_between(requested, done, calendar)
            if index % 3 != 2:
                task.confirmed_by, task.confirmed_on = task.enterprise_contact, done
                task.satisfied = not late
                task.confirmation_note = "服务及时,非常满意" if not late else "办理时间偏长"
        if status == TaskStatus.REFUSED:
            task.refusal_reason = "诉求不属于帮办代办范围,已告知企业按程序申请"
        if overdue:
            task.overdue_on = deadline + datetime.timedelta(days=1)
            if index % 2 == 0:
                task.tier = Tier.DEPARTMENT
        tasks.append(task)
        plans.append(overdue)
    ServiceTask.objects.bulk_create(tasks)

    # One task (an overdue one) turned into a coordination problem, keeping its log.
    converted = next((t for t, late in zip(tasks, plans, strict=True) if late), None)
    if converted is not None:
        problem = Problem.objects.create(
            project_id=converted.project_id,
            description=f"【由帮办代办事项 #{converted.pk} 转入】{converted.kind.name}:{converted.request_text}",
            kind=ProblemKind.APPROVALS,
            responsible_unit=converted.owner_unit.name,
            responsible_department=converted.owner_unit,
            deadline=workdays.add_working_days(today, 10, calendar),
            tier=converted.tier,
            raised_by_id=converted.created_by_id,
        )
        converted.problem = problem
        converted.status = TaskStatus.TRANSFERRED
        ServiceTask.objects.filter(pk=converted.pk).update(problem=problem, status=TaskStatus.TRANSFERRED)

    events, contacts = [], []
    for task in tasks:

        def event(action, on, to_status, note="", task=task):
            events.append(ServiceTaskEvent(task=task, action=action, actor_id=None if action in (
                TaskAction.OVERDUE, TaskAction.ESCALATED) else task.created_by_id, on=on, note=note,
                to_status=to_status, tier=Tier.COUNTY if action != TaskAction.ESCALATED else task.tier))  # fmt: skip

        event(TaskAction.REQUESTED, task.requested_on, TaskStatus.REQUESTED, task.request_text)
        if task.accepted_on:
            event(TaskAction.ACCEPTED, task.accepted_on, TaskStatus.ACCEPTED)
        if task.started_on:
            event(TaskAction.STARTED, task.started_on, TaskStatus.IN_PROGRESS)
        for n in range(rng.randrange(1, 4) if task.status != TaskStatus.REQUESTED else 0):
            on = min(task.requested_on + datetime.timedelta(days=2 + 3 * n), today)
            kind = rng.choice(ContactKind.values)
            settled = rng.choice(SETTLED)
            contacts.append(ServiceContact(task=task, kind=kind, contacted_on=on, participants=rng.choice(PARTICIPANTS),
                                           settled=settled, recorded_by_id=task.created_by_id))  # fmt: skip
            event(TaskAction.CONTACT, on, task.status if task.status in TaskStatus.open() else TaskStatus.IN_PROGRESS,
                  f"{ContactKind(kind).label}:{settled}")  # fmt: skip
        if task.overdue_on:
            event(TaskAction.OVERDUE, task.overdue_on, task.status, f"超过办结时限 {task.deadline:%Y-%m-%d}")
            if task.tier == Tier.DEPARTMENT:
                event(
                    TaskAction.ESCALATED,
                    task.overdue_on,
                    task.status,
                    "逾期未办结,由县区推进组(10)提级至市直部门推进组(N)",
                )
        if task.done_on:
            event(TaskAction.DONE, task.done_on, TaskStatus.DONE, task.result)
        if task.confirmed_on:
            event(
                TaskAction.CONFIRMED,
                task.confirmed_on,
                TaskStatus.DONE,
                f"{task.confirmed_by}:{task.confirmation_note}",
            )
        if task.status == TaskStatus.REFUSED:
            event(TaskAction.REFUSED, task.requested_on, TaskStatus.REFUSED, task.refusal_reason)
        if task.problem_id:
            event(TaskAction.TO_PROBLEM, today, TaskStatus.TRANSFERRED, f"协调问题 #{task.problem_id}")
    ServiceContact.objects.bulk_create(contacts)
    ServiceTaskEvent.objects.bulk_create(events)
