"""Demo data for the procedure engine: one template per kind of project, the West Anshan iron mine as
the article tells it (16 items, 112 sub-items, 串并联 + 容缺, construction 870 days ahead of the
original plan), and other key projects in various states (a frozen baseline and a later version,
the green channel, an overdue 补正). Everything goes through the services, as a user would."""

import datetime

from django.db import transaction

from projects.models import Department, Project

from . import procedure_services as services
from .choices import ProcedureProjectType, ProcedureStatus
from .models import ProcedureItem, ProcedureSchedule, ProcedureTemplate, ProcedureTemplateItem

MINE_NAME = "鞍钢西鞍山铁矿项目"
STEPS = ["材料准备", "申报受理", "技术审查", "专家评审", "公示", "批复下达", "资料归档"]
# name, department key (or the unit's name), standard working days, green-channel days, predecessors.
MINING = [
    ("项目核准", "fgw", 20, 10, ["用地预审与选址意见书", "环境影响评价批复", "节能审查", "社会稳定风险评估"]),
    ("用地预审与选址意见书", "zrzyj", 20, 12, []),
    ("建设用地规划许可", "zrzyj", 15, 8, ["项目核准", "用地预审与选址意见书"]),
    ("环境影响评价批复", "sthjj", 60, 30, []),
    ("安全预评价与安全设施设计审查", "市应急管理局", 45, 25, ["采矿许可证变更"]),
    ("水土保持方案批复", "slj", 30, 15, []),
    ("节能审查", "fgw", 20, 10, []),
    ("采矿许可证变更", "省自然资源厅", 40, 25, ["地质灾害危险性评估", "压覆矿产资源评估"]),
    ("社会稳定风险评估", "铁西区政府", 20, 10, []),
    ("地质灾害危险性评估", "zrzyj", 30, 15, []),
    ("压覆矿产资源评估", "zrzyj", 30, 15, []),
    ("文物勘探", "wlj", 30, 20, []),
    ("使用林地审核", "市林业和草原局", 30, 15, ["用地预审与选址意见书"]),
    ("取水许可", "slj", 20, 10, ["水土保持方案批复"]),
    ("征地拆迁与补偿安置", "铁西区政府", 90, 60, ["建设用地规划许可", "使用林地审核"]),
    ("建筑工程施工许可", "zjj", 10, 5, ["项目核准", "建设用地规划许可", "安全预评价与安全设施设计审查", "文物勘探", "取水许可", "征地拆迁与补偿安置"]),
]  # fmt: skip
APPROVAL = [  # enterprise investment, 核准
    ("项目核准", "fgw", 20, 10, ["用地预审与选址意见书", "环境影响评价批复", "社会稳定风险评估"]),
    ("用地预审与选址意见书", "zrzyj", 20, 10, []),
    ("环境影响评价批复", "sthjj", 30, 15, []),
    ("社会稳定风险评估", "fgw", 15, 8, []),
    ("建设工程规划许可", "zrzyj", 15, 8, ["项目核准"]),
    ("施工图审查", "zjj", 15, 10, ["建设工程规划许可"]),
    ("建筑工程施工许可", "zjj", 10, 5, ["施工图审查"]),
]
FILING = [  # enterprise investment, 备案
    ("项目备案", "fgw", 3, 1, []),
    ("环境影响评价登记", "sthjj", 15, 8, ["项目备案"]),
    ("建设工程规划许可", "zrzyj", 15, 8, ["项目备案"]),
    ("施工图审查", "zjj", 15, 10, ["建设工程规划许可"]),
    ("建筑工程施工许可", "zjj", 10, 5, ["施工图审查", "环境影响评价登记"]),
]
GOVERNMENT = [  # government investment, 审批
    ("项目建议书批复", "fgw", 20, 10, []),
    ("可行性研究报告批复", "fgw", 30, 15, ["项目建议书批复", "用地预审与选址意见书"]),
    ("用地预审与选址意见书", "zrzyj", 20, 10, []),
    ("初步设计及概算批复", "fgw", 20, 10, ["可行性研究报告批复"]),
    ("建设工程规划许可", "zrzyj", 15, 8, ["可行性研究报告批复"]),
    ("建筑工程施工许可", "zjj", 10, 5, ["初步设计及概算批复", "建设工程规划许可"]),
]
URBAN = [  # urban construction
    ("立项批复", "fgw", 15, 8, []),
    ("规划设计方案审查", "zrzyj", 20, 10, ["立项批复"]),
    ("施工图审查", "zjj", 20, 10, ["规划设计方案审查"]),
    ("招标投标", "zjj", 25, 15, ["施工图审查"]),
    ("建筑工程施工许可", "zjj", 10, 5, ["招标投标"]),
]
TEMPLATES = [
    ("矿山类项目手续", ProcedureProjectType.MINING, MINING, True),
    ("企业投资核准类项目手续", ProcedureProjectType.ENTERPRISE_APPROVAL, APPROVAL, False),
    ("企业投资备案类项目手续", ProcedureProjectType.ENTERPRISE_FILING, FILING, False),
    ("政府投资审批类项目手续", ProcedureProjectType.GOVERNMENT, GOVERNMENT, False),
    ("城建类项目手续", ProcedureProjectType.URBAN, URBAN, False),
]


def _template(name, project_type, rows, with_steps, departments):
    template, created = ProcedureTemplate.objects.get_or_create(name=name, defaults={"project_type": project_type})
    if not created:
        return template
    items = {}
    for order, (item_name, unit, days, green, _) in enumerate(rows):
        department = departments.get(unit)
        items[item_name] = ProcedureTemplateItem.objects.create(
            template=template,
            name=item_name,
            department=department,
            responsible_unit=department.name if department else unit,
            standard_days=days,
            green_channel_days=green,
            sort_order=order,
        )
        if with_steps:
            previous = None
            for step, step_name in enumerate(STEPS):
                sub = ProcedureTemplateItem.objects.create(
                    template=template,
                    parent=items[item_name],
                    name=f"{item_name}·{step_name}",
                    department=department,
                    responsible_unit=department.name if department else unit,
                    standard_days=max(1, days // len(STEPS)),
                    green_channel_days=max(1, green // len(STEPS)),
                    sort_order=step,
                )
                if previous:  # the steps of one item run one after the other
                    sub.depends_on.add(previous)
                previous = sub
    for item_name, *_, deps in rows:
        items[item_name].depends_on.set([items[d] for d in deps])
    return template


def _working_day_before(day):
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _finish(items, *, until, rng, early=0):
    """Record the items as done on their planned dates (some a few days early), up to ``until``;
    the forecast is recomputed once, as of ``until``."""
    items = list(items)
    for item in sorted(items, key=lambda i: (i.planned_date, i.parent_id is None)):
        if item.planned_date is None or item.planned_date > until:
            continue
        done_on = item.planned_date - datetime.timedelta(days=rng.randrange(1, early + 1) if early else 0)
        services.procedure_item_progress(user=None, item=item, status=ProcedureStatus.DONE, on=done_on, replan=False)
    if items:
        services.procedure_plan_replan(user=None, project=items[0].project, today=until)


def _planned_with_start(project, template, *, start_on, original=None, green=False):
    return services.procedure_template_apply(
        user=None,
        project=project,
        template=template,
        start_on=start_on,
        original_construction_start=original,
        green_channel=green,
    )


def _mine(templates, rng, today):
    """16 items, 112 sub-items, 串并联 with dependencies, 3 容缺 items, all done before the start;
    the original plan (the traditional series, on record as the project's planned start) came 870 days
    later than the actual start."""
    mine = Project.objects.filter(name=MINE_NAME).first()
    if mine is None or ProcedureSchedule.objects.filter(project=mine).exists():
        return 0
    actual_start = mine.actual_start or today
    mining = templates[ProcedureProjectType.MINING]
    span = 120  # working days of the green-channel 串并联 plan (its critical path is 113), half a year
    start_on = _working_day_before(actual_start - datetime.timedelta(days=span * 7 // 5 + 40))
    schedule = _planned_with_start(
        mine, mining, start_on=start_on, original=actual_start + datetime.timedelta(days=870), green=True
    )
    items = list(ProcedureItem.objects.filter(project=mine))
    deficient = {"环境影响评价批复": 30, "水土保持方案批复": 45, "使用林地审核": 60}
    for item in items:
        if item.name in deficient:
            services.procedure_accept_with_deficiency(
                user=None,
                item=item,
                missing="部分附件容缺受理,开工后补正",
                deadline=actual_start + datetime.timedelta(days=deficient[item.name]),
            )
    _finish(ProcedureItem.objects.filter(project=mine), until=actual_start, rng=rng, early=3)
    for item in ProcedureItem.objects.filter(project=mine, name__in=["环境影响评价批复", "水土保持方案批复"]):
        services.procedure_deficiency_made_good(user=None, item=item, on=item.deficiency_deadline)
    schedule.refresh_from_db()
    return ProcedureItem.objects.filter(project=mine).count()


def _others(templates, rng, today):
    """Key projects in other states: a baseline and a later version with its reason (the Chentaigou
    mine, waiting for the safety design), the green channel, an overdue 补正, a fresh plan."""
    count = 0
    chentaigou = Project.objects.filter(name="五矿陈台沟铁矿项目").first()
    if chentaigou and not ProcedureSchedule.objects.filter(project=chentaigou).exists():
        start = _working_day_before(today - datetime.timedelta(days=420))
        _planned_with_start(chentaigou, templates[ProcedureProjectType.MINING], start_on=start)
        services.procedure_plan_freeze(user=None, project=chentaigou)
        services.procedure_green_channel_set(
            user=None, project=chentaigou, on=True, reason="市项目工作领导小组调度:纳入审批绿色通道"
        )
        services.procedure_plan_freeze(user=None, project=chentaigou, reason="纳入绿色通道,按压缩时限重排")
        items = ProcedureItem.objects.filter(project=chentaigou).exclude(name__startswith="安全预评价")
        items = items.exclude(parent__name__startswith="安全预评价").exclude(name__startswith="建筑工程施工许可")
        items = items.exclude(parent__name__startswith="建筑工程施工许可")
        _finish(items, until=today, rng=rng, early=2)
        safety = ProcedureItem.objects.get(project=chentaigou, name="安全预评价与安全设施设计审查")
        services.procedure_item_progress(user=None, item=safety, status=ProcedureStatus.IN_PROGRESS, on=today)
        count += 1
    plans = [
        (ProcedureProjectType.ENTERPRISE_APPROVAL, "overdue"),
        (ProcedureProjectType.GOVERNMENT, "baseline"),
        (ProcedureProjectType.URBAN, "green"),
        (ProcedureProjectType.ENTERPRISE_FILING, "fresh"),
        (ProcedureProjectType.ENTERPRISE_APPROVAL, "baseline"),
        (ProcedureProjectType.GOVERNMENT, "overdue"),
    ]
    waiting = list(
        Project.objects.filter(stage__in=["landed", "signed"], procedure_schedule__isnull=True)
        .exclude(name__in=[MINE_NAME, "五矿陈台沟铁矿项目"])
        .order_by("-total_investment", "id")[: len(plans)]
    )
    for project, (kind, state) in zip(waiting, plans, strict=False):
        start = _working_day_before(today - datetime.timedelta(days=rng.randrange(40, 90)))
        _planned_with_start(project, templates[kind], start_on=start, green=state == "green")
        if state != "fresh":
            services.procedure_plan_freeze(user=None, project=project)
        first = ProcedureItem.objects.filter(project=project).order_by("planned_start", "id").first()
        _finish(ProcedureItem.objects.filter(project=project, planned_date__lt=today - datetime.timedelta(days=7)),
                until=today, rng=rng)  # fmt: skip
        if state == "overdue":
            open_item = ProcedureItem.objects.filter(project=project, status=ProcedureStatus.PENDING).first() or first
            services.procedure_accept_with_deficiency(
                user=None, item=open_item, missing="土地权属证明材料", deadline=today - datetime.timedelta(days=5)
            )
        count += 1
    return count


def seed_procedures(builder):
    """Templates, the iron mine and the other key projects (idempotent: what exists is kept)."""
    rng, today = builder.rng, builder.today
    departments = {d.key: d for d in Department.objects.all()}
    with transaction.atomic():
        templates = {kind: _template(name, kind, rows, steps, departments) for name, kind, rows, steps in TEMPLATES}
        return _mine(templates, rng, today) + _others(templates, rng, today)
