"""Early warning and supervision: traffic-light rules and snapshots, projects' monthly plans
(序时进度), the working-day calendar, and supervision orders (督办单) with their history."""

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from investment.models import Problem
from projects.access import RestrictedQuerySet, order_q
from projects.choices import Tier
from projects.models import Department, Project, Region

from .choices import Light, OrderAction, OrderStatus, UnitKind

percent_validators = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class SingletonModel(models.Model):
    """A settings row an administrator edits (always pk 1)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls):
        """The stored row, or the defaults while an administrator has not saved one (one query)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class LightRule(SingletonModel):
    """The traffic-light thresholds, in percentage points behind the time-proportional target.

    behind < yellow_behind: green; yellow_behind <= behind <= red_behind: yellow; behind > red_behind: red.
    """

    yellow_behind = models.DecimalField(
        "黄灯:落后序时进度不少于(百分点)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=percent_validators,
    )
    red_behind = models.DecimalField(
        "红灯:落后序时进度超过(百分点)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=percent_validators,
    )
    stale_periods = models.PositiveSmallIntegerField(
        "连续未报进度(期数)", default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )

    class Meta:
        verbose_name = "亮灯规则"
        verbose_name_plural = "亮灯规则"
        constraints = [
            models.CheckConstraint(condition=Q(red_behind__gte=models.F("yellow_behind")), name="light_rule_order"),
        ]

    def __str__(self):
        return f"黄灯 ≥ {self.yellow_behind} 个百分点,红灯 > {self.red_behind} 个百分点"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.yellow_behind is not None and self.red_behind is not None and self.red_behind < self.yellow_behind:
            raise ValidationError({"red_behind": "红灯阈值不能小于黄灯阈值。"})


class SupervisionSettings(SingletonModel):
    """Cadences of supervision and reminders (data, not constants)."""

    order_reply_days = models.PositiveSmallIntegerField(
        "督办单回复时限(工作日)", default=3, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    entry_due_day = models.PositiveSmallIntegerField(
        "月度填报提醒日(每月几号)", default=25, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        "临近时限提醒(提前工作日)", default=1, validators=[MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = "督办设置"
        verbose_name_plural = "督办设置"

    def __str__(self):
        return "督办设置"


class CalendarDay(models.Model):
    """An exception to Monday-Friday: a holiday on a weekday, or a make-up working day (调休) on a weekend."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日", help_text="勾选:调休上班;不勾选:节假日。")
    note = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}".strip()


class MonthlyPlanQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class MonthlyPlan(models.Model):
    """A project's own schedule: the share of this year's plan due by the end of each month (序时进度)."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="monthly_plans")
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    cumulative_percent = models.DecimalField(
        "累计应完成年度计划(%)", max_digits=5, decimal_places=2, validators=percent_validators
    )

    objects = MonthlyPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "月度计划(序时进度)"
        verbose_name_plural = "月度计划(序时进度)"
        ordering = ["project", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="monthly_plan_once"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="monthly_plan_month"),
            models.CheckConstraint(
                condition=Q(cumulative_percent__gte=0, cumulative_percent__lte=100), name="monthly_plan_percent"
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.year}-{self.month:02d} {self.cumulative_percent}%"


class LightSnapshotQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class LightSnapshot(models.Model):
    """A project's lights for one period as they stood when computed (the history on the project page)."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="light_snapshots")
    period = models.DateField("月份", help_text="月份的第一天")
    light = models.CharField("序时进度灯", max_length=10, choices=Light.choices)
    overall = models.CharField("综合灯", max_length=10, choices=Light.choices)
    expected_percent = models.DecimalField("序时进度(%)", max_digits=7, decimal_places=2, null=True)
    completion_percent = models.DecimalField("年度计划完成率(%)", max_digits=9, decimal_places=2, null=True)
    start_overdue = models.BooleanField("逾期未开工", default=False)
    stale = models.BooleanField("连续未报进度", default=False)
    problem_overdue = models.BooleanField("问题超期", default=False)
    cost_overrun = models.BooleanField("投资超概算", default=False)
    time_overrun = models.BooleanField("工期超期", default=False)
    deficiency_overdue = models.BooleanField("容缺补正超期", default=False)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    objects = LightSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = "亮灯记录"
        verbose_name_plural = "亮灯记录"
        ordering = ["project", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="light_snapshot_once"),
            models.CheckConstraint(condition=Q(period__day=1), name="light_snapshot_month_start"),
        ]
        indexes = [models.Index(fields=["period", "overall"])]

    def __str__(self):
        return f"{self.project} {self.period:%Y-%m} {self.get_overall_display()}"


class OrderQuerySet(RestrictedQuerySet):
    scope_path = "project__"

    def restrict(self, user, action="view"):
        """Project scope, plus (for viewing) the orders addressed to the user's unit or to the user (access.order_q)."""
        return self.filter(order_q(user, action, self.scope_path))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="SupervisionOrderEvent")
class SupervisionOrder(models.Model):
    """A supervision order (督办单): a unit is told what to do about a project or problem, by a deadline."""

    number = models.CharField("编号", max_length=30, unique=True)
    project = models.ForeignKey(Project, models.PROTECT, verbose_name="项目", related_name="supervision_orders")
    problem = models.ForeignKey(
        Problem, models.SET_NULL, verbose_name="协调问题", null=True, blank=True, related_name="supervision_orders"
    )
    requirement = models.TextField("督办事项与要求")
    unit_kind = models.CharField("责任单位类型", max_length=20, choices=UnitKind.choices)
    unit_region = models.ForeignKey(
        Region, models.PROTECT, verbose_name="责任县区", null=True, blank=True, related_name="+"
    )
    unit_department = models.ForeignKey(
        Department, models.PROTECT, verbose_name="责任部门", null=True, blank=True, related_name="+"
    )
    unit_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        verbose_name="企业联系人",
        null=True,
        blank=True,
        related_name="supervision_orders_received",
    )
    unit_name = models.CharField("责任单位", max_length=100)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="督办人", related_name="supervision_orders_issued"
    )
    issued_on = models.DateField("下达日期")
    deadline = models.DateField("回复时限")
    tier = models.CharField("督办层级", max_length=20, choices=Tier.choices, default=Tier.COUNTY)
    status = models.CharField("状态", max_length=20, choices=OrderStatus.choices, default=OrderStatus.ISSUED)
    first_replied_on = models.DateField("首次回复日期", null=True, blank=True)
    replied_on_time = models.BooleanField("按时回复", null=True, blank=True)
    was_overdue = models.BooleanField("曾逾期", default=False)
    overdue_on = models.DateField("逾期日期", null=True, blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["unit_kind", "unit_region", "unit_department"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("issued_on")), name="order_deadline_after_issue"),
            models.CheckConstraint(
                condition=(Q(unit_kind=UnitKind.REGION) & Q(unit_region__isnull=False))
                | (Q(unit_kind=UnitKind.DEPARTMENT) & Q(unit_department__isnull=False))
                | (Q(unit_kind=UnitKind.ENTERPRISE) & Q(unit_contact__isnull=False)),
                name="order_unit_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.project}"

    @property
    def is_open(self):
        return self.status != OrderStatus.CLOSED


class OrderEventQuerySet(RestrictedQuerySet):
    scope_path = "order__project__"


class OrderEvent(models.Model):
    """One step in an order's life: who did what, when, and what they wrote."""

    order = models.ForeignKey(SupervisionOrder, models.CASCADE, verbose_name="督办单", related_name="history")
    action = models.CharField("操作", max_length=20, choices=OrderAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="操作人", null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)
    from_status = models.CharField("原状态", max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=OrderStatus.choices)
    tier = models.CharField("层级", max_length=20, choices=Tier.choices)
    deadline = models.DateField("时限", null=True, blank=True)

    objects = OrderEventQuerySet.as_manager()

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["order", "at", "id"]

    def __str__(self):
        return f"{self.order.number} {self.get_action_display()}"


class OrderReplyQuerySet(RestrictedQuerySet):
    scope_path = "order__project__"


class OrderReply(models.Model):
    order = models.ForeignKey(SupervisionOrder, models.CASCADE, verbose_name="督办单", related_name="replies")
    text = models.TextField("回复内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="回复人", related_name="+")
    replied_on = models.DateField("回复日期")
    on_time = models.BooleanField("按时")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = OrderReplyQuerySet.as_manager()

    class Meta:
        verbose_name = "督办回复"
        verbose_name_plural = "督办回复"
        ordering = ["order", "created_at", "id"]

    def __str__(self):
        return f"{self.order.number} {self.replied_on}"


class OrderAttachmentQuerySet(RestrictedQuerySet):
    scope_path = "reply__order__project__"


class OrderAttachment(models.Model):
    reply = models.ForeignKey(OrderReply, models.CASCADE, verbose_name="回复", related_name="attachments")
    file = models.CharField("存储路径", max_length=300)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小(字节)")

    objects = OrderAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "回复附件"
        verbose_name_plural = "回复附件"
        ordering = ["reply", "id"]

    def __str__(self):
        return self.original_name
