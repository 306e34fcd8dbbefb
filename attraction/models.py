from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from projects.access import RestrictedQuerySet, region_ids
from projects.choices import StartType
from projects.models import Project, Region, StageChange, money_field

from .choices import (
    TASK_FORCE_LEVELS,
    AssessmentMeasure,
    BulletinStatus,
    CadenceLevel,
    ChainPosition,
    InvestorKind,
    LeadSource,
    OrgLevel,
    OutreachKind,
    SigningEventKind,
    SpendingPurpose,
    SpendingStatus,
    VisitOutcome,
)


class ProjectScopedQuerySet(RestrictedQuerySet):
    scope_path = "project__"


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["updated_at"], model_name="AttractionRecordEvent"
)
class AttractionRecord(models.Model):
    """How an investment project was attracted: one per project."""

    project = models.OneToOneField(
        Project, models.CASCADE, verbose_name="项目", related_name="attraction_record", primary_key=True
    )
    lead_source = models.CharField("线索来源", max_length=20, choices=LeadSource.choices)
    investor_region = models.CharField("投资方所在地", max_length=100, blank=True, help_text="如 江苏省苏州市、长三角")
    contacts_visited = models.TextField("走访对接人", blank=True)
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招商记录"
        verbose_name_plural = "招商记录"
        ordering = ["project"]

    def __str__(self):
        return f"{self.project} · {self.get_lead_source_display()}"


class CadenceRule(models.Model):
    """The "四调法" interval of one level, in days (editable by an administrator)."""

    level = models.CharField("调度层级", max_length=20, choices=CadenceLevel.choices, unique=True)
    interval_days = models.PositiveSmallIntegerField("间隔(天)", validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = "四调法频次"
        verbose_name_plural = "四调法频次"
        ordering = ["interval_days"]
        constraints = [models.CheckConstraint(condition=Q(interval_days__gte=1), name="cadence_interval_positive")]

    def __str__(self):
        return f"{self.get_level_display()}:每{self.interval_days}天"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="FollowUpEvent")
class FollowUp(models.Model):
    """One follow-up of an investment project under the "四调法": who followed up, when, what."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="follow_ups")
    level = models.CharField("调度层级", max_length=20, choices=CadenceLevel.choices)
    leader = models.CharField("调度人", max_length=50)
    followed_on = models.DateField("调度日期")
    summary = models.TextField("调度内容")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="记录人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招商调度"
        verbose_name_plural = "招商调度"
        ordering = ["-followed_on", "-id"]
        indexes = [models.Index(fields=["project", "level", "followed_on"])]

    def __str__(self):
        return f"{self.project} {self.get_level_display()} {self.followed_on}"


class EventQuerySet(models.QuerySet):
    """Events are city-wide facts: every signed-in user sees them; their project lines are scoped."""

    def restrict(self, user, action="view"):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self


class EventBase(models.Model):
    name = models.CharField("名称", max_length=200)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=200, blank=True)
    organiser = models.CharField("主办单位", max_length=200, blank=True)
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on} {self.name}"


class SigningEvent(EventBase):
    """A signing event: concentrated signing ceremony, industry promotion fair, investment week..."""

    kind = models.CharField("类型", max_length=20, choices=SigningEventKind.choices)
    projects = models.ManyToManyField(Project, through="SigningEventProject", related_name="signing_events")

    class Meta(EventBase.Meta):
        verbose_name = "签约活动"
        verbose_name_plural = "签约活动"


class SigningEventProject(models.Model):
    event = models.ForeignKey(SigningEvent, models.CASCADE, verbose_name="签约活动", related_name="lines")
    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="signing_lines")
    amount = money_field("签约金额(万元)")
    # The stage change this line recorded (签约 on the event's date), once; undone with the line.
    stage_change = models.OneToOneField(
        StageChange, models.SET_NULL, verbose_name="阶段变更", null=True, blank=True, related_name="signing_line"
    )

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "签约项目"
        verbose_name_plural = "签约项目"
        ordering = ["-amount", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "project"], name="signing_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="signing_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.event} · {self.project}"


class StartEvent(EventBase):
    """A concentrated start event (集中开工): a batch of projects starts construction on one day."""

    projects = models.ManyToManyField(Project, through="StartEventProject", related_name="start_events")

    class Meta(EventBase.Meta):
        verbose_name = "集中开工活动"
        verbose_name_plural = "集中开工活动"


class StartEventProject(models.Model):
    event = models.ForeignKey(StartEvent, models.CASCADE, verbose_name="集中开工活动", related_name="lines")
    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="start_lines")
    amount = money_field("总投资(万元)")
    start_type = models.CharField("开工类型", max_length=20, choices=StartType.choices, blank=True)
    # The stage change this line recorded (在建 on the event's date), once; undone with the line.
    stage_change = models.OneToOneField(
        StageChange, models.SET_NULL, verbose_name="阶段变更", null=True, blank=True, related_name="start_line"
    )

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "集中开工项目"
        verbose_name_plural = "集中开工项目"
        ordering = ["-amount", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "project"], name="start_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="start_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.event} · {self.project}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="CapitalInPlaceEvent")
class CapitalInPlace(models.Model):
    """Capital actually in place (实际到位资金) for one project in one month (the month's first day)."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="capital_in_place")
    month = models.DateField("月份", help_text="月份的第一天")
    amount = money_field("实际到位资金(万元)")
    # Of the amount, the part from abroad (外资); the rest is domestic capital (内资), which the city reports.
    foreign_amount = money_field("其中外资(万元)", default=Decimal("0"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="填报人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "实际到位资金"
        verbose_name_plural = "实际到位资金"
        ordering = ["-month", "project"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="capital_one_per_project_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="capital_month_is_month_start"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="capital_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(foreign_amount__gte=0, foreign_amount__lte=models.F("amount")),
                name="capital_foreign_within",
            ),
        ]
        indexes = [models.Index(fields=["month", "project"])]

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m}"


class AnnualTargetQuerySet(models.QuerySet):
    def restrict(self, user, action="view"):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        ids = region_ids(user, action)
        return self if ids is None else self.filter(region_id__in=sorted(ids))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="AnnualTargetEvent")
class AnnualTarget(models.Model):
    """A county's investment-attraction targets for a year, set by an administrator."""

    region = models.ForeignKey(Region, models.PROTECT, verbose_name="县区", related_name="attraction_targets")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000)])
    signed_amount = money_field("签约额目标(万元)")
    landed_count = models.PositiveIntegerField("落地项目数目标")
    capital_amount = money_field("实际到位资金目标(万元)")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = AnnualTargetQuerySet.as_manager()

    class Meta:
        verbose_name = "年度招商目标"
        verbose_name_plural = "年度招商目标"
        ordering = ["-year", "region__sort_order"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="target_one_per_region_year")]

    def __str__(self):
        return f"{self.region} {self.year}"


class BulletinRun(models.Model):
    """One build of the monthly investment-attraction bulletin for the mayor, keyed on (month, data version):
    the same data never builds twice, and changed data builds a new run."""

    month = models.DateField("月份", help_text="月份的第一天")
    data_version = models.CharField("数据版本", max_length=64)
    status = models.CharField("状态", max_length=20, choices=BulletinStatus.choices, default=BulletinStatus.PENDING)
    xlsx = models.FileField("Excel", upload_to="attraction/bulletins/", blank=True)
    pdf = models.FileField("PDF", upload_to="attraction/bulletins/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="申请人", null=True, blank=True, related_name="+"
    )
    error = models.TextField("错误", blank=True)
    build_seconds = models.DecimalField("生成耗时(秒)", max_digits=8, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # The document-run fields (common.documents): who holds the claim, its heartbeat, attempts.
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    claim_token = models.CharField("领取标记", max_length=40, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)

    class Meta:
        verbose_name = "招商引资月报"
        verbose_name_plural = "招商引资月报"
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["month", "data_version"], name="bulletin_one_per_month_version"),
            models.CheckConstraint(condition=Q(month__day=1), name="bulletin_month_is_month_start"),
        ]

    def __str__(self):
        return f"招商引资月报 {self.month:%Y-%m}"


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ----------------------
# Registries owned by a place: a county sees its own rows (region), city-wide roles all, city-level rows
# (no region) only city-wide roles. The rule lives in projects.access.region_scope_q.
class RegionScopedQuerySet(models.QuerySet):
    region_path = "region_id"

    def restrict(self, user, action="view"):
        from projects.access import region_scope_q

        return self.filter(region_scope_q(user, action, self.region_path))


class TaskForce(models.Model):
    """An attraction task force (招商专班): led by the main party and government leaders of its level."""

    name = models.CharField("名称", max_length=100, unique=True)
    level = models.CharField("层级", max_length=20, choices=TASK_FORCE_LEVELS)
    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="县区", null=True, blank=True, related_name="task_forces",
        help_text="县区级专班必填;市级专班留空",
    )  # fmt: skip
    leader = models.CharField("组长", max_length=100, help_text="党政主要领导,如 市长")
    coordinator = models.CharField("统筹部门", max_length=100, blank=True, help_text="如 市商务局")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="成员", blank=True, related_name="+")
    sectors = models.ManyToManyField("projects.Sector", verbose_name="目标产业链/产业", blank=True, related_name="+")
    projects = models.ManyToManyField(Project, verbose_name="跟踪的线索和项目", blank=True, related_name="task_forces")
    notes = models.TextField("备注", blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招商专班"
        verbose_name_plural = "招商专班"
        ordering = ["level", "region__sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="city", region__isnull=True) | Q(level="county", region__isnull=False),
                name="task_force_level_region",
            )
        ]

    def __str__(self):
        return self.name


class TaskForceChildQuerySet(RegionScopedQuerySet):
    region_path = "task_force__region_id"


class TaskForceMeeting(models.Model):
    task_force = models.ForeignKey(TaskForce, models.CASCADE, verbose_name="招商专班", related_name="meetings")
    held_on = models.DateField("日期")
    title = models.CharField("会议", max_length=200)
    minutes = models.TextField("纪要", blank=True)

    objects = TaskForceChildQuerySet.as_manager()

    class Meta:
        verbose_name = "专班会议"
        verbose_name_plural = "专班会议"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on} {self.title}"


class DevelopmentZone(models.Model):
    """A development zone (开发区), run company-style (企业化运营) by its operating company."""

    name = models.CharField("名称", max_length=100, unique=True)
    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="所在县区", related_name="zones",
        help_text="开发区所在(或本身即是)的县区推进组",
    )  # fmt: skip
    is_region = models.BooleanField("本身即县区推进组", default=False, help_text="如 高新区、经济开发区")
    operator = models.CharField("运营公司", max_length=200, blank=True)
    company_run = models.BooleanField("企业化运营", default=True)
    leading_industries = models.CharField("主导产业", max_length=300, blank=True)
    sectors = models.ManyToManyField("projects.Sector", verbose_name="主导产业(产业链)", blank=True, related_name="+")
    projects = models.ManyToManyField(Project, verbose_name="区内项目", blank=True, related_name="zones")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "开发区"
        verbose_name_plural = "开发区"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class FundRule(models.Model):
    """The guaranteed attraction budget (招商经费保底) of city and counties together, per year."""

    name = models.CharField("名称", max_length=100, default="市县两级招商经费保底")
    min_total_budget = money_field("保底额度(万元)")
    basis = models.CharField("依据", max_length=200, blank=True, default="《鞍山市招商引资专项资金使用管理办法》")

    class Meta:
        verbose_name = "招商经费保底规则"
        verbose_name_plural = "招商经费保底规则"

    def __str__(self):
        return f"{self.name} {self.min_total_budget} 万元"


class FundBudget(models.Model):
    """One unit's attraction budget for a year: the city (no region) or a county."""

    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000)])
    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="县区", null=True, blank=True, related_name="fund_budgets",
        help_text="市本级留空",
    )  # fmt: skip
    amount = money_field("预算(万元)")

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招商经费预算"
        verbose_name_plural = "招商经费预算"
        ordering = ["-year", "region__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="fund_budget_one_per_unit_year",
                                    nulls_distinct=False),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.year} {self.region or '市本级'}"


class OutreachQuerySet(RegionScopedQuerySet):
    def restrict(self, user, action="view"):
        """Its organiser's county, or a county that took part (三级联动), sees the event."""
        from projects.access import region_scope_q

        own = region_scope_q(user, action, "region_id")
        if not own:  # an empty Q: every row (an empty Q would vanish from the OR below)
            return self
        took_part = OutreachParticipant.objects.filter(own, event=OuterRef("pk"))
        return self.filter(own | Exists(took_part))


class OutreachEvent(models.Model):
    """An outreach activity (走出去、请进来、敲门招商、推介会、云招商) with its leads and participants."""

    kind = models.CharField("方式", max_length=20, choices=OutreachKind.choices)
    name = models.CharField("名称", max_length=200)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=200, blank=True)
    counterpart = models.CharField("对接企业/机构", max_length=200, blank=True)
    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="组织县区", null=True, blank=True, related_name="outreach_events",
        help_text="市级组织的留空",
    )  # fmt: skip
    task_force = models.ForeignKey(
        TaskForce, models.SET_NULL, verbose_name="招商专班", null=True, blank=True, related_name="events"
    )
    projects = models.ManyToManyField(Project, verbose_name="线索和项目", blank=True, related_name="outreach_events")
    outcome = models.TextField("成果", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = "招商活动"
        verbose_name_plural = "招商活动"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on", "kind"])]

    def __str__(self):
        return f"{self.held_on} {self.name}"


class OutreachParticipant(models.Model):
    """Who took part, by level (三级联动: city, county, zone)."""

    event = models.ForeignKey(OutreachEvent, models.CASCADE, verbose_name="招商活动", related_name="participants")
    level = models.CharField("层级", max_length=20, choices=OrgLevel.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="县区", null=True, blank=True, related_name="+")
    zone = models.ForeignKey(DevelopmentZone, models.PROTECT, verbose_name="开发区", null=True, blank=True,
                             related_name="+")  # fmt: skip
    name = models.CharField("参加人/单位", max_length=200)

    class Meta:
        verbose_name = "活动参加方"
        verbose_name_plural = "活动参加方"
        ordering = ["level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="city")
                | Q(level="county", region__isnull=False)
                | Q(level="zone", zone__isnull=False),
                name="participant_level_place",
            )
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.name}"


class SpendingQuerySet(RegionScopedQuerySet):
    region_path = "budget__region_id"


class FundSpending(models.Model):
    """One use of the attraction fund, approved by someone; a trip's cost is the spending linked to it."""

    budget = models.ForeignKey(FundBudget, models.PROTECT, verbose_name="预算", related_name="spendings")
    spent_on = models.DateField("日期")
    amount = money_field("金额(万元)")
    purpose = models.CharField("用途", max_length=20, choices=SpendingPurpose.choices)
    description = models.CharField("说明", max_length=300)
    event = models.OneToOneField(
        OutreachEvent, models.PROTECT, verbose_name="招商活动", null=True, blank=True, related_name="spending",
        help_text="外出招商等活动的费用:一次活动一条支出",
    )  # fmt: skip
    status = models.CharField("审批状态", max_length=20, choices=SpendingStatus.choices,
                              default=SpendingStatus.SUBMITTED)  # fmt: skip
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="申请人", null=True,
                                     blank=True, related_name="+")  # fmt: skip
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="审批人", null=True,
                                 blank=True, related_name="+")  # fmt: skip
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = SpendingQuerySet.as_manager()

    class Meta:
        verbose_name = "招商经费支出"
        verbose_name_plural = "招商经费支出"
        ordering = ["-spent_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spending_amount_positive")]

    def __str__(self):
        return f"{self.spent_on} {self.description}"


class SpendingAttachment(models.Model):
    spending = models.ForeignKey(FundSpending, models.CASCADE, verbose_name="支出", related_name="attachments")
    file = models.FileField("附件", upload_to="attraction/spending/")
    name = models.CharField("文件名", max_length=200)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "支出附件"
        verbose_name_plural = "支出附件"
        ordering = ["id"]

    def __str__(self):
        return self.name


class InvestorQuerySet(EventQuerySet):
    """Investors are city-wide facts (like events); their projects and visits are scoped."""


class Investor(models.Model):
    """An investor (enterprise or group) with projects in the city."""

    name = models.CharField("名称", max_length=200, unique=True)
    kind = models.CharField("类型", max_length=20, choices=InvestorKind.choices)
    group = models.ForeignKey(
        "self", models.SET_NULL, verbose_name="所属集团", null=True, blank=True, related_name="members"
    )
    home = models.CharField("总部所在地", max_length=100, blank=True)
    projects = models.ManyToManyField(Project, verbose_name="在鞍项目", blank=True, related_name="investors")
    notes = models.TextField("备注", blank=True)

    objects = InvestorQuerySet.as_manager()

    class Meta:
        verbose_name = "投资方"
        verbose_name_plural = "投资方"
        ordering = ["name"]

    def __str__(self):
        return self.name


class InvestorVisit(models.Model):
    """A follow-up visit (回访) to an investor already in the city, and what came of it."""

    investor = models.ForeignKey(Investor, models.CASCADE, verbose_name="投资方", related_name="visits")
    visited_on = models.DateField("回访日期")
    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="回访县区", null=True, blank=True, related_name="+",
        help_text="市级回访留空",
    )  # fmt: skip
    visitors = models.CharField("回访人", max_length=200)
    outcome = models.CharField("结果", max_length=20, choices=VisitOutcome.choices)
    summary = models.TextField("内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="记录人", null=True,
                                    blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "投资方回访"
        verbose_name_plural = "投资方回访"
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on} {self.investor}"


class ProjectPhase(models.Model):
    """A phase-2 project (增资扩产, "老树发新芽") linked to the phase 1 of the same investor."""

    project = models.OneToOneField(Project, models.CASCADE, verbose_name="二期项目", primary_key=True,
                                   related_name="phase_link")  # fmt: skip
    phase_one = models.ForeignKey(Project, models.CASCADE, verbose_name="一期项目", related_name="later_phases")
    investor = models.ForeignKey(Investor, models.PROTECT, verbose_name="投资方", null=True, blank=True,
                                 related_name="phases")  # fmt: skip
    visit = models.ForeignKey(InvestorVisit, models.SET_NULL, verbose_name="来源回访", null=True, blank=True,
                              related_name="phases")  # fmt: skip
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "增资扩产(二期)"
        verbose_name_plural = "增资扩产(二期)"
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(project=models.F("phase_one")), name="phase_not_itself")]

    def __str__(self):
        return f"{self.project} ← {self.phase_one}"


# --- chains, assessment, circulation (helper "chains") ----------------------------------------------
class ChainTargetQuerySet(models.QuerySet):
    """Target enterprises of a chain are city-wide reference data: every signed-in user sees them."""

    def restrict(self, user, action="view"):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self


class ChainTarget(models.Model):
    """An enterprise the city targets upstream or downstream of one of its industry chains (延链补链)."""

    chain = models.ForeignKey(
        "projects.Sector", models.CASCADE, verbose_name="产业链", related_name="chain_targets",
        limit_choices_to={"kind": "chain"},
    )  # fmt: skip
    position = models.CharField("环节", max_length=20, choices=ChainPosition.choices)
    enterprise = models.CharField("目标企业", max_length=200)
    product = models.CharField("产品/环节说明", max_length=200, blank=True)
    enterprise_region = models.CharField("企业所在地", max_length=100, blank=True)
    project = models.ForeignKey(
        Project, models.SET_NULL, verbose_name="已形成项目", null=True, blank=True, related_name="chain_targets"
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = ChainTargetQuerySet.as_manager()

    class Meta:
        verbose_name = "产业链目标企业"
        verbose_name_plural = "产业链目标企业"
        ordering = ["chain", "position", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["chain", "position", "enterprise"], name="chain_target_unique")]

    def __str__(self):
        return f"{self.chain} · {self.get_position_display()} · {self.enterprise}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.chain_id and self.chain.kind != "chain":
            raise ValidationError({"chain": "请选择产业链。"})


class AssessmentIndicator(models.Model):
    """One indicator of a year's attraction assessment of counties and zones and its weight (管理员设置)."""

    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000)])
    measure = models.CharField("指标", max_length=30, choices=AssessmentMeasure.choices)
    weight = models.DecimalField("权重(分)", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    cap = models.DecimalField(
        "完成率封顶", max_digits=6, decimal_places=4, default=Decimal("1.0000"), validators=[MinValueValidator(0)],
        help_text="完成率超过此值按此值计分,1 即 100%",
    )  # fmt: skip

    class Meta:
        verbose_name = "招商考核指标权重"
        verbose_name_plural = "招商考核指标权重"
        ordering = ["-year", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["year", "measure"], name="assessment_indicator_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0, cap__gte=0), name="assessment_weight_non_negative"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_measure_display()} {self.weight}"


class AssessmentGrade(models.Model):
    """A grade (档次) of the assessment: a score at least ``min_score`` earns it (the highest that applies)."""

    name = models.CharField("档次", max_length=20, unique=True)
    min_score = models.DecimalField("最低得分", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = "招商考核档次"
        verbose_name_plural = "招商考核档次"
        ordering = ["-min_score"]
        constraints = [models.UniqueConstraint(fields=["min_score"], name="assessment_grade_score_unique")]

    def __str__(self):
        return f"{self.name}(≥{self.min_score})"


class Circulation(models.Model):
    """The monthly circulation (通报) of signing, landing and capital in place to the main city leader:
    one row per month, delivered once (inbox and e-mail through notifications)."""

    month = models.DateField("月份", unique=True, help_text="月份的第一天")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    recipient_count = models.PositiveIntegerField("接收人数", default=0)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "招商引资月度通报"
        verbose_name_plural = "招商引资月度通报"
        ordering = ["-month"]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="circulation_month_is_month_start")]

    def __str__(self):
        return self.title
