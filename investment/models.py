import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.access import RestrictedQuerySet, project_q, user_roles
from projects.choices import Role, Tier
from projects.models import Department, Project, Region, money_field

from .choices import EntryStatus, ProblemKind, ProblemStatus


class ProgressEntryQuerySet(RestrictedQuerySet):
    scope_path = "project__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="ProgressEntryEvent")
class ProgressEntry(models.Model):
    """What a county reports for one project for one month (the period is the month's first day).

    Year-to-date and since-start totals are derived from these rows, never typed.
    """

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="progress_entries")
    period = models.DateField("填报月份", help_text="月份的第一天")
    amount_completed = money_field("本月完成投资(万元)")
    image_progress = models.TextField("形象进度", blank=True)
    next_steps = models.TextField("下步计划", blank=True)
    overrun_reason = models.TextField("超概算说明", blank=True)
    status = models.CharField("状态", max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="填报人", null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="审核人", null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField("审核时间", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProgressEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "月度进度"
        verbose_name_plural = "月度进度"
        ordering = ["project", "period"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="progress_one_entry_per_month"),
            models.CheckConstraint(condition=Q(amount_completed__gte=0), name="progress_amount_non_negative"),
            models.CheckConstraint(condition=Q(period__day=1), name="progress_period_is_month_start"),
        ]
        indexes = [models.Index(fields=["period", "project"])]

    def __str__(self):
        return f"{self.project} {self.period:%Y-%m}"


class ProblemQuerySet(RestrictedQuerySet):
    scope_path = "project__"

    def restrict(self, user, action="view"):
        """Project scope, plus (for viewing) the problems assigned to the user's department."""
        q = project_q(user, action, self.scope_path)
        if action == "view":
            departments = [r.department_id for r in user_roles(user) if r.role == Role.DEPARTMENT]
            if departments:
                q |= Q(responsible_department_id__in=departments)
        return self.filter(q)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="ProblemEvent")
class Problem(models.Model):
    """A coordination problem raised on a project; escalates one tier up when unsolved by its deadline."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="problems")
    description = models.TextField("问题描述")
    kind = models.CharField("问题类型", max_length=20, choices=ProblemKind.choices)
    responsible_unit = models.CharField("责任单位", max_length=100)
    responsible_department = models.ForeignKey(
        Department, models.SET_NULL, verbose_name="责任部门", null=True, blank=True, related_name="problems"
    )
    responsible_region = models.ForeignKey(
        Region, models.SET_NULL, verbose_name="责任县区", null=True, blank=True, related_name="problems"
    )
    leader = models.CharField("责任领导", max_length=50, blank=True)
    deadline = models.DateField("完成时限")
    status = models.CharField("状态", max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    resolution = models.TextField("解决情况", blank=True)
    tier = models.CharField("调度层级", max_length=20, choices=Tier.choices, default=Tier.COUNTY)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="提出人", null=True, blank=True, related_name="+"
    )
    solved_on = models.DateField("解决日期", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = "协调问题"
        verbose_name_plural = "协调问题"
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["project", "status"])]

    def __str__(self):
        return self.description[:40]
