"""The "1+3+N+10" dispatch system: groups, rounds, reports, escalation, notices and evaluation."""

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.choices import Tier
from projects.models import Category, Department, Region, money_field

from .choices import (
    Cadence,
    EvaluationMeasure,
    EvaluationPoint,
    HonourKind,
    Normalisation,
    ReportFormat,
    ReportKind,
    ReportStatus,
    RoundStatus,
    ScoreDirection,
    UnitKind,
)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="DispatchGroupEvent")
class DispatchGroup(models.Model):
    """One dispatch group. Its scope rule (threshold, category, department, county) decides which
    projects it reviews; its cadence becomes a django-celery-beat schedule (schedules.py)."""

    key = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    tier = models.CharField("层级", max_length=20, choices=Tier.choices)
    leader = models.CharField("组长", max_length=50, blank=True)
    lead_unit = models.CharField("牵头单位", max_length=100, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="成员", blank=True, related_name="dispatch_groups"
    )
    report_managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="报表管理员", blank=True, related_name="managed_dispatch_groups"
    )
    cadence = models.CharField("调度频次", max_length=20, choices=Cadence.choices)
    run_hour = models.PositiveSmallIntegerField("调度时刻(时)", default=6, help_text="0-23,北京时间")
    weekday = models.PositiveSmallIntegerField("每周调度日", default=1, help_text="1=周一 … 7=周日,仅每周调度使用")
    min_total_investment = money_field("总投资下限(万元)", default=Decimal("0"))
    category = models.ForeignKey(Category, models.PROTECT, verbose_name="项目类别", null=True, blank=True)
    department = models.ForeignKey(Department, models.PROTECT, verbose_name="牵头市直部门", null=True, blank=True)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="县区", null=True, blank=True)
    freezes_data = models.BooleanField("印发后锁定当期数据", default=False)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        models.SET_NULL,
        verbose_name="定时任务",
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "调度组"
        verbose_name_plural = "调度组"
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(run_hour__lte=23), name="dispatch_group_run_hour"),
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7), name="dispatch_group_weekday"),
        ]

    def __str__(self):
        return self.name

    def scope_q(self, prefix=""):
        """The projects this group reviews (its scope rule), as a Q on Project (through ``prefix``)."""
        q = Q(**{f"{prefix}total_investment__gte": self.min_total_investment})
        for field in ("category_id", "department_id", "region_id"):
            value = getattr(self, field)
            if value is not None:
                q &= Q(**{f"{prefix}{field}": value})
        return q


class DispatchRound(models.Model):
    """One meeting of a group for one period: collects the in-scope projects; issuing it freezes the data."""

    group = models.ForeignKey(DispatchGroup, models.PROTECT, verbose_name="调度组", related_name="rounds")
    period_start = models.DateField("调度期起")
    period_end = models.DateField("调度期止")
    status = models.CharField("状态", max_length=20, choices=RoundStatus.choices, default=RoundStatus.COLLECTED)
    project_count = models.PositiveIntegerField("项目数", default=0)
    summary = models.JSONField("汇总", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="印发人", null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "调度轮次"
        verbose_name_plural = "调度轮次"
        ordering = ["-period_start", "group__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "period_start"], name="dispatch_round_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="dispatch_round_period"),
        ]

    def __str__(self):
        if self.period_start == self.period_end:
            return f"{self.group} {self.period_start:%Y-%m-%d}"
        return f"{self.group} {self.period_start:%Y-%m-%d}~{self.period_end:%Y-%m-%d}"


class Evaluation(models.Model):
    """Quarterly ranking of counties and departments ("三比三看"): red flag for the best, notice for the slowest."""

    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    period_end = models.DateField("截至日期")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "季度考评"
        verbose_name_plural = "季度考评"
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="evaluation_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="evaluation_quarter_range"),
        ]

    def __str__(self):
        return f"{self.year}年第{self.quarter}季度"


class EvaluationEntry(models.Model):
    evaluation = models.ForeignKey(Evaluation, models.CASCADE, verbose_name="考评", related_name="entries")
    unit_kind = models.CharField("单位类型", max_length=20, choices=UnitKind.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="县区", null=True, blank=True)
    department = models.ForeignKey(Department, models.PROTECT, verbose_name="市直部门", null=True, blank=True)
    project_count = models.PositiveIntegerField("项目数", default=0)
    annual_plan = money_field("年度计划投资(万元)")
    completed = money_field("累计完成投资(万元)")
    completion_rate = models.DecimalField("投资完成率", max_digits=8, decimal_places=4, default=Decimal("0"))
    progress_score = models.DecimalField("进度得分", max_digits=6, decimal_places=2, default=Decimal("0"))
    total_score = models.DecimalField("综合得分", max_digits=8, decimal_places=2, default=Decimal("0"))
    rank = models.PositiveSmallIntegerField("名次")
    red_flag = models.BooleanField("流动红旗", default=False)
    warned = models.BooleanField("提示单", default=False)

    class Meta:
        verbose_name = "考评结果"
        verbose_name_plural = "考评结果"
        ordering = ["evaluation", "unit_kind", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "unit_kind", "region", "department"],
                nulls_distinct=False,
                name="evaluation_entry_unique",
            ),
            models.CheckConstraint(
                condition=(Q(unit_kind="region", region__isnull=False, department__isnull=True))
                | Q(unit_kind="department", department__isnull=False, region__isnull=True),
                name="evaluation_entry_one_unit",
            ),
        ]

    def __str__(self):
        return f"{self.evaluation} {self.unit} 第{self.rank}名"

    @property
    def unit(self):
        return self.region or self.department


class Report(models.Model):
    """One generated file for a round (or an evaluation) at one data version.

    Unique per (round or evaluation, data_version, format): a retried or duplicated task finds the
    row and does nothing. A worker claims the row with a conditional update and writes the file
    under its claim token; only a finished, complete file is ever marked done and downloadable.
    """

    kind = models.CharField("类型", max_length=20, choices=ReportKind.choices, default=ReportKind.ROUND)
    round = models.ForeignKey(
        DispatchRound, models.CASCADE, verbose_name="调度轮次", null=True, blank=True, related_name="reports"
    )
    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, verbose_name="季度考评", null=True, blank=True, related_name="reports"
    )
    data_version = models.CharField("数据版本", max_length=64)
    format = models.CharField("格式", max_length=10, choices=ReportFormat.choices)
    status = models.CharField("状态", max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    file = models.FileField("文件", upload_to="reports/", blank=True)
    size = models.PositiveBigIntegerField("文件大小(字节)", default=0)
    error = models.TextField("错误信息", blank=True)
    claim_token = models.CharField("领取标记", max_length=40, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="申请人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("耗时(毫秒)", null=True, blank=True)
    summary = models.JSONField("主要数据", default=dict, blank=True, help_text="本版本的汇总数字,用于与上一版本比较。")

    class Meta:
        verbose_name = "调度报告"
        verbose_name_plural = "调度报告"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "data_version", "format"],
                condition=Q(round__isnull=False),
                name="report_unique_round_version_format",
            ),
            models.UniqueConstraint(
                fields=["evaluation", "data_version", "format"],
                condition=Q(evaluation__isnull=False),
                name="report_unique_evaluation_version_format",
            ),
            models.CheckConstraint(
                condition=Q(kind="round", round__isnull=False, evaluation__isnull=True)
                | Q(kind="evaluation", evaluation__isnull=False, round__isnull=True),
                name="report_one_subject",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="report_done_has_file"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"{self.round or self.evaluation} · {self.get_format_display()}"

    @property
    def subject(self):
        return self.round or self.evaluation

    @property
    def filename(self):
        subject = self.subject
        if self.kind == ReportKind.ROUND:
            stem = f"{subject.group.name}_{subject.period_start:%Y%m%d}-{subject.period_end:%Y%m%d}"
        else:
            stem = f"季度考评_{subject.year}Q{subject.quarter}"
        return f"{stem}.{self.format}"


class ProblemEscalation(models.Model):
    """One step of a problem up the tiers (10 -> N -> 3 -> 1): the problem's escalation history."""

    problem = models.ForeignKey("investment.Problem", models.CASCADE, verbose_name="问题", related_name="escalations")
    from_tier = models.CharField("原层级", max_length=20, choices=Tier.choices)
    to_tier = models.CharField("升级至", max_length=20, choices=Tier.choices)
    deadline = models.DateField("完成时限")
    escalated_on = models.DateField("升级日期")
    reason = models.TextField("原因", blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="操作人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "问题升级记录"
        verbose_name_plural = "问题升级记录"
        ordering = ["problem", "escalated_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "to_tier"], name="escalation_once_per_tier"),
        ]

    def __str__(self):
        return f"{self.problem}: {self.from_tier} → {self.to_tier}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="WarningNoticeEvent")
class WarningNotice(models.Model):
    """提示单: a warning notice to a county or a department, with its reason."""

    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="县区", null=True, blank=True, related_name="warning_notices"
    )
    department = models.ForeignKey(
        Department, models.PROTECT, verbose_name="市直部门", null=True, blank=True, related_name="warning_notices"
    )
    reason = models.TextField("原因")
    issued_on = models.DateField("下发日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="下发人", null=True, blank=True, related_name="+"
    )
    round = models.ForeignKey(
        DispatchRound, models.SET_NULL, verbose_name="调度轮次", null=True, blank=True, related_name="warning_notices"
    )
    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, verbose_name="季度考评", null=True, blank=True, related_name="warning_notices"
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="签收人", null=True, blank=True, related_name="+"
    )
    rectification = models.TextField("整改措施", blank=True)
    rectification_due = models.DateField("整改时限", null=True, blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    statement = models.TextField("表态发言", blank=True, help_text="在季度调度会上的表态发言要点。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提示单"
        verbose_name_plural = "提示单"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, department__isnull=True)
                | Q(region__isnull=True, department__isnull=False),
                name="warning_notice_one_recipient",
                violation_error_message="提示单须发给一个县区或一个市直部门(二选一)。",
            ),
            models.UniqueConstraint(
                fields=["evaluation", "region", "department"],
                condition=Q(evaluation__isnull=False),
                nulls_distinct=False,
                name="warning_notice_once_per_evaluation",
            ),
        ]

    def __str__(self):
        return f"提示单 · {self.recipient} · {self.issued_on}"

    @property
    def recipient(self):
        return self.region or self.department


# --- the quarterly evaluation's rules (三比三看): data an administrator edits -------------------------
class EvaluationIndicator(models.Model):
    """One scored indicator: which of the six points it serves, which measure of insights.definitions
    it reads, which way is better, how the value becomes a share of the weight, and the weight."""

    name = models.CharField("指标名称", max_length=60)
    point = models.CharField("考评维度", max_length=20, choices=EvaluationPoint.choices)
    measure = models.CharField("计算口径", max_length=30, choices=EvaluationMeasure.choices)
    direction = models.CharField("方向", max_length=10, choices=ScoreDirection.choices, default=ScoreDirection.HIGHER)
    normalisation = models.CharField(
        "折算方法", max_length=10, choices=Normalisation.choices, default=Normalisation.BEST
    )
    target = models.DecimalField(
        "目标值", max_digits=12, decimal_places=4, null=True, blank=True,
        help_text="折算方法为“与目标值相比”时使用,如周均照片数 1 张、完成率 0.75。",
    )  # fmt: skip
    parameter = models.PositiveSmallIntegerField(
        "口径参数", default=10, help_text="进度按时审核率:次月几日(含当日)前审核通过为按时(默认10日);其他口径不用。"
    )
    weight = models.DecimalField("权重(分)", max_digits=6, decimal_places=2)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考评指标"
        verbose_name_plural = "考评指标"
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="evaluation_indicator_weight"),
            models.CheckConstraint(
                condition=~Q(normalisation="target") | Q(target__gt=0),
                name="evaluation_indicator_target",
                violation_error_message="折算方法为“与目标值相比”时须填写大于零的目标值。",
            ),
        ]

    def __str__(self):
        return f"{self.get_point_display()} · {self.name}({self.weight}分)"


class EvaluationScore(models.Model):
    """One unit's value and points on one indicator; the indicator's rule is copied, so that editing
    the indicator later does not change a published quarter."""

    entry = models.ForeignKey(EvaluationEntry, models.CASCADE, verbose_name="考评结果", related_name="scores")
    indicator = models.ForeignKey(
        EvaluationIndicator, models.SET_NULL, verbose_name="考评指标", null=True, blank=True, related_name="+"
    )
    name = models.CharField("指标名称", max_length=60)
    point = models.CharField("考评维度", max_length=20, choices=EvaluationPoint.choices)
    measure = models.CharField("计算口径", max_length=30, choices=EvaluationMeasure.choices)
    value = models.DecimalField("指标值", max_digits=16, decimal_places=4, null=True, blank=True)
    normalised = models.DecimalField("折算比例", max_digits=6, decimal_places=4)
    weight = models.DecimalField("权重(分)", max_digits=6, decimal_places=2)
    score = models.DecimalField("得分", max_digits=8, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考评得分"
        verbose_name_plural = "考评得分"
        ordering = ["entry", "sort_order", "id"]

    def __str__(self):
        return f"{self.entry} · {self.name} {self.score}"


class HonourRule(models.Model):
    """Who gets what each quarter: the red flag to the first, awards with prize money to the first N,
    warning notices to the last; places count from the top (from the bottom for warnings: 1 = last)."""

    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=20, choices=HonourKind.choices)
    unit_kind = models.CharField(
        "适用单位", max_length=20, choices=UnitKind.choices, blank=True, help_text="留空:县区和市直部门都适用。"
    )
    place_from = models.PositiveSmallIntegerField("名次起", default=1)
    place_to = models.PositiveSmallIntegerField("名次止", default=1)
    prize = money_field("奖金(万元)", default=Decimal("0"))
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "表彰与提示规则"
        verbose_name_plural = "表彰与提示规则"
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(place_from__gte=1, place_to__gte=models.F("place_from")),
                name="honour_rule_places",
                violation_error_message="名次起须不小于 1,名次止须不小于名次起。",
            ),
            models.CheckConstraint(condition=Q(prize__gte=0), name="honour_rule_prize"),
        ]

    def __str__(self):
        return self.name


class EvaluationHonour(models.Model):
    """An honour one unit received in one quarter (red flag, an award and its prize)."""

    entry = models.ForeignKey(EvaluationEntry, models.CASCADE, verbose_name="考评结果", related_name="honours")
    rule = models.ForeignKey(HonourRule, models.SET_NULL, verbose_name="规则", null=True, blank=True, related_name="+")
    kind = models.CharField("类型", max_length=20, choices=HonourKind.choices)
    name = models.CharField("名称", max_length=60)
    prize = money_field("奖金(万元)", default=Decimal("0"))

    class Meta:
        verbose_name = "考评表彰"
        verbose_name_plural = "考评表彰"
        ordering = ["entry", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "name"], name="evaluation_honour_once")]

    def __str__(self):
        return f"{self.entry.unit} · {self.name}"
