import pghistory
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from projects.access import RestrictedQuerySet, region_ids
from projects.choices import StartType
from projects.models import Project, Region, StageChange, money_field

from .choices import BulletinStatus, CadenceLevel, LeadSource, SigningEventKind


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
