from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from projects.access import RestrictedQuerySet, problem_q, procedure_item_q
from projects.choices import Tier
from projects.models import Department, Project, Region, money_field

from .choices import (
    AmendmentStatus,
    EntryStatus,
    FundingKind,
    MediaKind,
    ProblemKind,
    ProblemStatus,
    ProcedureChangeKind,
    ProcedureProjectType,
    ProcedureStatus,
)


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
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="提交人", null=True, blank=True, related_name="+"
    )
    amount_flag = models.TextField(
        "金额异常提示",
        blank=True,
        db_default="",  # bulk loaders (demo, imports) that COPY rows without it get "no flag"
        help_text="填报人确认过的异常金额及其原因(超过计划总投资或远超年度计划),提醒审核人核实;空表示无异常。",
    )
    amended_amount = money_field(
        "修正后本月完成投资(万元)",
        null=True,
        blank=True,
        help_text="冻结后经审核批准的修正数额;原数保留在本月完成投资中,待审核的修正不在此。",
    )
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
        indexes = [
            # A month's entries with their status in the index alone (the sheet's and the to-do's status
            # counts: month_status_counts), where the plain (period, project) index visited every row.
            models.Index(fields=["period", "project"], include=["status"], name="progress_period_project"),
            # The to-do lists (drafts, returned, waiting for verification), newest first: without it
            # each scans every entry of the city (portal.selectors.county_todo; bench "county to-do").
            models.Index(fields=["status", "-period"], name="progress_status_period_idx"),
            # The county to-do page's lists in their exact order (period, then id), so that LIMIT 21 stops
            # after a few index entries even when a whole month's entries share one period (national bench:
            # 380,000 drafts of one month sorted for 21 rows took 0.6 s). Partial: only entries not yet verified.
            models.Index(
                fields=["status", "-period", "id"],
                name="progress_todo_order_idx",
                condition=Q(status__in=[EntryStatus.DRAFT, EntryStatus.RETURNED]),
            ),
            models.Index(
                fields=["period", "id"], name="progress_verify_queue_idx", condition=Q(status=EntryStatus.SUBMITTED)
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.period:%Y-%m}"

    @property
    def effective_amount(self):
        """The figure reports use: the latest approved amendment if any, else the original."""
        return self.amended_amount if self.amended_amount is not None else self.amount_completed

    @property
    def is_amended(self):
        return self.amended_amount is not None


class EntryLimits(models.Model):
    """How large a month's amount may be before the filer must confirm it (one row, edited in admin).

    A month beyond the project's planned total, or beyond ``year_plan_factor`` times its year plan,
    is saved only when the filer confirms it, and is then flagged for the reviewer."""

    year_plan_factor = models.DecimalField(
        "年度计划倍数",
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text="单月完成投资超过本年计划投资的该倍数时,须填报人确认并提醒审核人。",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "填报金额校验"
        verbose_name_plural = "填报金额校验"
        constraints = [models.CheckConstraint(condition=Q(year_plan_factor__gt=0), name="entry_limits_factor_positive")]

    def __str__(self):
        return f"单月超过年度计划 {self.year_plan_factor} 倍须确认"

    @classmethod
    def current(cls):
        """The administrator's row, or the defaults while none is saved."""
        return cls.objects.order_by("pk").first() or cls()


class CountedMonthQuerySet(RestrictedQuerySet):
    scope_path = "project__"

    def current(self):
        return self.filter(valid_to__isnull=True)

    def known_at(self, moment):
        """The rows as they stood at ``moment`` (an aware datetime): opened by then, not yet closed."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=moment), valid_from__lte=moment)


class CountedMonth(models.Model):
    """The counted figure of one project for one month (its verified entry, at the approved amended figure),
    kept over time: a change closes the current row (``valid_to``) and opens a new one, so that a figure
    can be rebuilt as it was known at any moment (a frozen round's report).

    Maintained by the database trigger ``investment_counted_month_sync`` on ``investment_progressentry``
    (migration 0005), in the same transaction as every write of an entry, whoever writes it (services,
    imports, admin, queryset updates). Seeds that disable triggers call ``services.counted_months_sync``.
    Read it through ``selectors.counted_month_rows``.
    """

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="counted_months")
    period = models.DateField("月份", help_text="月份的第一天")
    amount = money_field("计入完成投资(万元)")
    valid_from = models.DateTimeField("生效时间")
    valid_to = models.DateTimeField("失效时间", null=True, blank=True)

    objects = CountedMonthQuerySet.as_manager()

    class Meta:
        verbose_name = "计入月度完成投资"
        verbose_name_plural = "计入月度完成投资"
        ordering = ["project", "period", "valid_from"]
        constraints = [
            # One current row per project and month; also the index of the current rows by period
            # (amount included, so sums read the index only).
            models.UniqueConstraint(
                fields=["period", "project"],
                condition=Q(valid_to__isnull=True),
                include=["amount", "valid_from"],
                name="counted_month_current",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="counted_month_period_is_month_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="counted_month_valid_order"
            ),
        ]
        indexes = [
            # As-of reads: the closed rows still valid at a past moment (current rows come from the index above).
            models.Index(
                fields=["valid_to", "period"],
                condition=Q(valid_to__isnull=False),
                include=["project", "amount", "valid_from"],
                name="counted_month_closed_idx",
            ),
            # One project's months (the lights' and reports' per-project sums, common.lateral), now or as
            # of a moment, from the index alone.
            models.Index(
                fields=["project", "period"],
                include=["amount", "valid_from", "valid_to"],
                name="counted_month_by_project",
            ),
        ]

    def __str__(self):
        return f"{self.project_id} {self.period:%Y-%m} {self.amount}"


class CountedYearQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class CountedYear(models.Model):
    """A project's counted investment of one year so far: the sum of its current ``CountedMonth`` rows of
    that year (one row per project and year instead of one per month), for the figures computed fresh
    over a whole city (the summary, the dashboard) that need this year to date and nothing older.
    Kept by the same trigger as CountedMonth, in the same transaction; no history (as-of figures read
    CountedMonth)."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="counted_years")
    year = models.PositiveSmallIntegerField("年度")
    amount = money_field("本年计入完成投资(万元)")
    months = models.PositiveSmallIntegerField("计入月数")
    last_period = models.DateField("最近计入月份")

    objects = CountedYearQuerySet.as_manager()

    class Meta:
        verbose_name = "计入年度完成投资"
        verbose_name_plural = "计入年度完成投资"
        ordering = ["project", "year"]
        constraints = [
            # Also the index the whole-city sums read (amount included: index-only).
            models.UniqueConstraint(fields=["year", "project"], include=["amount"], name="counted_year_one_per_year"),
        ]

    def __str__(self):
        return f"{self.project_id} {self.year} {self.amount}"


class ProblemQuerySet(RestrictedQuerySet):
    scope_path = "project__"

    def restrict(self, user, action="view"):
        """Project scope, plus (for viewing) the problems assigned to the user's department (access.problem_q)."""
        return self.filter(problem_q(user, action, self.scope_path))


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
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = "协调问题"
        verbose_name_plural = "协调问题"
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["project", "status"]),
            # Unresolved problems by deadline, in the to-do page's exact order (portal.selectors.county_todo):
            # read in order and stopped after 21 rows instead of sorting all 54,000 open ones (national bench).
            models.Index(
                fields=["deadline", "id"],
                name="problem_unresolved_deadline",
                condition=Q(status__in=ProblemStatus.unresolved()),
            ),
        ]

    def __str__(self):
        return self.description[:40]


class PeriodFreeze(models.Model):
    """A reporting month whose dispatch report has been issued: its entries no longer change in place."""

    period = models.DateField("冻结月份", unique=True, help_text="月份的第一天")
    frozen_at = models.DateTimeField("冻结时间", auto_now_add=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="操作人", null=True, blank=True, related_name="+"
    )
    reason = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "冻结月份"
        verbose_name_plural = "冻结月份"
        ordering = ["-period"]
        constraints = [models.CheckConstraint(condition=Q(period__day=1), name="freeze_period_is_month_start")]

    def __str__(self):
        return f"{self.period:%Y-%m}"


class ProgressAmendmentQuerySet(RestrictedQuerySet):
    scope_path = "entry__project__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="ProgressAmendmentEvent")
class ProgressAmendment(models.Model):
    """A proposed correction to a verified entry of a frozen month, kept beside the original (never a
    silent edit). County staff propose it; it counts only once the county's reviewer approves it (the
    entry's ``amended_amount`` is then set, in the same transaction); a rejection keeps it, with why."""

    entry = models.ForeignKey(ProgressEntry, models.CASCADE, verbose_name="月度进度", related_name="amendments")
    old_amount = money_field("修正前(万元)")
    new_amount = money_field("修正后(万元)")
    old_image_progress = models.TextField("修正前形象进度", blank=True)
    new_image_progress = models.TextField("修正后形象进度", blank=True)
    reason = models.TextField("修正原因")
    status = models.CharField(
        "审核状态", max_length=20, choices=AmendmentStatus.choices, default=AmendmentStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="修正人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("修正时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="审核人", null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)

    objects = ProgressAmendmentQuerySet.as_manager()

    class Meta:
        verbose_name = "进度修正"
        verbose_name_plural = "进度修正"
        ordering = ["entry", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_needs_reason"),
            # One open proposal per month at a time: the reviewer decides on one figure, not a race.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status=AmendmentStatus.PENDING), name="amendment_one_pending_per_entry"
            ),
            models.CheckConstraint(
                condition=Q(status=AmendmentStatus.PENDING) | Q(decided_at__isnull=False),
                name="amendment_decision_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=AmendmentStatus.REJECTED) | ~Q(decision_reason=""),
                name="amendment_rejection_has_reason",
            ),
        ]
        indexes = [
            # The reports' "更正" list: approved amendments decided after a round was issued.
            models.Index(
                fields=["decided_at"], condition=Q(status=AmendmentStatus.APPROVED), name="amendment_approved_idx"
            ),
            models.Index(
                fields=["created_at"], condition=Q(status=AmendmentStatus.PENDING), name="amendment_pending_idx"
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.old_amount} → {self.new_amount}"

    @property
    def is_pending(self):
        return self.status == AmendmentStatus.PENDING


class SitePhotoQuerySet(RestrictedQuerySet):
    scope_path = "project__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="SitePhotoEvent")
class SitePhoto(models.Model):
    """A weekly site photo or short video (形象调度). The file lives in default_storage under a random name
    and is served only through views that check access."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="photos")
    kind = models.CharField("类型", max_length=10, choices=MediaKind.choices, default=MediaKind.IMAGE)
    file = models.CharField("文件", max_length=200)
    thumbnail = models.CharField("缩略图", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveBigIntegerField("大小(字节)")
    caption = models.CharField("说明", max_length=200)
    taken_on = models.DateField("拍摄日期")
    taken_on_from_exif = models.BooleanField("拍摄日期取自EXIF", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="上传人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    # 形象调度: the week (its Monday, common.periods.week) the upload counts for.
    week = models.DateField("调度周(周一)", null=True, blank=True, db_index=True)
    latitude = models.DecimalField("拍摄纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("拍摄经度", max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField("距项目位置(米)", null=True, blank=True)
    original_type = models.CharField("原始文件类型", max_length=50, blank=True)
    far_from_site = models.BooleanField("远离项目位置", default=False)
    warning = models.TextField("提示", blank=True, help_text="拍摄位置远离项目或拍摄日期早于调度周时的提示。")

    objects = SitePhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"
        ordering = ["-taken_on", "-id"]
        indexes = [
            models.Index(fields=["project", "-taken_on"]),
            # The weekly gallery and completeness: a week's photos, newest first.
            models.Index(fields=["week", "-created_at", "-id"], name="photo_week_newest"),
            models.Index(fields=["project", "week"], name="photo_project_week"),
            # The dashboard's latest photos: read newest first and stopped after a few rows.
            models.Index(fields=["-taken_on", "-id"], condition=Q(kind="image"), name="photo_image_newest"),
        ]

    def __str__(self):
        return self.caption

    def warning_messages(self):
        """The stored warning in the reader's language (the ``warning`` text keeps the Chinese record)."""
        from django.utils.translation import gettext

        messages = []
        if self.far_from_site and self.distance_m is not None:
            messages.append(gettext("拍摄位置距项目约 %(km)s 公里。") % {"km": f"{self.distance_m / 1000:.1f}"})
        if self.week and self.taken_on and self.taken_on < self.week:
            messages.append(
                gettext("拍摄日期 %(day)s 早于本调度周(%(week)s 起)。")
                % {"day": f"{self.taken_on:%Y-%m-%d}", "week": f"{self.week:%Y-%m-%d}"}
            )
        return messages


class PhotoCommentQuerySet(RestrictedQuerySet):
    scope_path = "photo__project__"


class PhotoComment(models.Model):
    photo = models.ForeignKey(SitePhoto, models.CASCADE, verbose_name="照片", related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="批示人", related_name="+")
    text = models.TextField("批示内容")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    # A comment turned into a coordination problem or a supervision order (one step from the gallery).
    problem = models.ForeignKey(
        Problem, models.SET_NULL, verbose_name="转为协调问题", null=True, blank=True, related_name="photo_comments"
    )
    order_number = models.CharField("转为督办单(编号)", max_length=40, blank=True)

    objects = PhotoCommentQuerySet.as_manager()

    class Meta:
        verbose_name = "照片批示"
        verbose_name_plural = "照片批示"
        ordering = ["photo", "created_at", "id"]

    def __str__(self):
        return self.text[:40]


class ProcedureItemQuerySet(RestrictedQuerySet):
    scope_path = "project__"

    def restrict(self, user, action="view"):
        """Project scope, plus the items the user's department owes (see access.procedure_item_q)."""
        return self.filter(procedure_item_q(user, action))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="ProcedureItemEvent")
class ProcedureItem(models.Model):
    """One approval procedure (手续) of a project's checklist; sub-items point at their item."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="procedures")
    parent = models.ForeignKey(
        "self", models.CASCADE, verbose_name="所属大项", null=True, blank=True, related_name="children"
    )
    name = models.CharField("手续名称", max_length=200)
    responsible_unit = models.CharField("责任单位", max_length=100, blank=True)
    planned_date = models.DateField("计划办结日期", null=True, blank=True)
    actual_date = models.DateField("实际办结日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=ProcedureStatus.choices, default=ProcedureStatus.PENDING)
    accepted_with_deficiency = models.BooleanField("容缺受理", default=False)
    deficiency_note = models.TextField("待补正材料", blank=True)
    deficiency_deadline = models.DateField("补正期限", null=True, blank=True)
    deficiency_made_good_on = models.DateField("补正完成日期", null=True, blank=True)
    deficiency_reminded_on = models.DateField("补正提醒日期", null=True, blank=True)
    deficiency_escalated_on = models.DateField("补正超期上报日期", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    template_item = models.ForeignKey(
        "ProcedureTemplateItem", models.SET_NULL, verbose_name="模板手续", null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Department, models.SET_NULL, verbose_name="责任部门", null=True, blank=True, related_name="procedure_items"
    )
    duration_days = models.PositiveIntegerField("办理时限(工作日)", default=0)
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name="前置手续(串联)", related_name="dependents"
    )
    planned_start = models.DateField("计划开始日期", null=True, blank=True)
    started_on = models.DateField("实际开始日期", null=True, blank=True)
    is_critical = models.BooleanField("关键路径", default=False)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProcedureItemQuerySet.as_manager()

    class Meta:
        verbose_name = "审批手续"
        verbose_name_plural = "审批手续"
        ordering = ["project", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(actual_date__isnull=False), name="procedure_done_has_date"
            ),
            models.CheckConstraint(
                condition=Q(accepted_with_deficiency=False) | ~Q(deficiency_note=""),
                name="procedure_deficiency_has_note",
            ),
        ]
        indexes = [
            # A unit's work queue: what it owes, by due date.
            models.Index(fields=["department", "status", "planned_date"], name="procedure_queue"),
        ]

    def __str__(self):
        return self.name

    @property
    def days_saved(self):
        """Days finished ahead of plan (negative: late), for items done with both dates."""
        if self.planned_date and self.actual_date:
            return (self.planned_date - self.actual_date).days
        return None


class FundingSourceQuerySet(RestrictedQuerySet):
    scope_path = "project__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="FundingSourceEvent")
class FundingSource(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="funding_sources")
    kind = models.CharField("资金类型", max_length=30, choices=FundingKind.choices)
    amount_applied = money_field("申请金额(万元)", default=0)
    amount_approved = money_field("批复金额(万元)", default=0)
    amount_in_place = money_field("到位金额(万元)", default=0)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = FundingSourceQuerySet.as_manager()

    class Meta:
        verbose_name = "资金来源"
        verbose_name_plural = "资金来源"
        ordering = ["project", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="funding_one_row_per_kind"),
            models.CheckConstraint(
                condition=Q(amount_applied__gte=0) & Q(amount_approved__gte=0) & Q(amount_in_place__gte=0),
                name="funding_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.get_kind_display()}"


# --- procedure engine: templates, plans and baselines ------------------------------------------


class ProcedureTemplate(models.Model):
    """The standard procedures (手续) of one kind of project; an administrator edits it."""

    name = models.CharField("模板名称", max_length=100, unique=True)
    project_type = models.CharField("项目类型", max_length=30, choices=ProcedureProjectType.choices)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "手续模板"
        verbose_name_plural = "手续模板"
        ordering = ["project_type", "name"]

    def __str__(self):
        return self.name


class ProcedureTemplateItem(models.Model):
    """One item (大项) or sub-item (子项) of a template, its unit, its standard duration and what it waits for."""

    template = models.ForeignKey(ProcedureTemplate, models.CASCADE, verbose_name="模板", related_name="items")
    parent = models.ForeignKey(
        "self", models.CASCADE, verbose_name="所属大项", null=True, blank=True, related_name="children"
    )
    name = models.CharField("手续名称", max_length=200)
    department = models.ForeignKey(
        Department, models.SET_NULL, verbose_name="责任部门", null=True, blank=True, related_name="+"
    )
    responsible_unit = models.CharField("责任单位", max_length=100, blank=True)
    standard_days = models.PositiveIntegerField("标准办理时限(工作日)")
    green_channel_days = models.PositiveIntegerField(
        "绿色通道时限(工作日)", null=True, blank=True, help_text="留空:与标准时限相同。"
    )
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name="前置手续(串联)", related_name="dependents"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "模板手续"
        verbose_name_plural = "模板手续"
        ordering = ["template", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(green_channel_days__isnull=True) | Q(green_channel_days__lte=F("standard_days")),
                name="template_green_not_longer",
            )
        ]

    def __str__(self):
        return self.name


class ProcedureScheduleQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class ProcedureSchedule(models.Model):
    """A project's procedure engine: its template, when procedures start, the green channel and the
    construction start the current plan and the forecast lead to (kept here, recomputed by the services)."""

    project = models.OneToOneField(Project, models.CASCADE, verbose_name="项目", related_name="procedure_schedule")
    template = models.ForeignKey(
        ProcedureTemplate, models.PROTECT, verbose_name="手续模板", null=True, blank=True, related_name="+"
    )
    start_on = models.DateField("手续启动日期")
    original_construction_start = models.DateField(
        "原计划开工日期",
        null=True,
        blank=True,
        help_text="引擎启用前的原计划(如传统串联办理),无基线时用于计算节省时间。",
    )
    planned_construction_start = models.DateField("计划开工日期(当前计划)", null=True, blank=True)
    forecast_construction_start = models.DateField("预计开工日期(按实际进度)", null=True, blank=True)
    parallel_items = models.PositiveIntegerField("并联办理大项数", default=0)
    green_channel = models.BooleanField("绿色通道", default=False)
    green_channel_reason = models.CharField("绿色通道依据", max_length=200, blank=True)
    green_channel_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="批准人", null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProcedureScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = "手续计划"
        verbose_name_plural = "手续计划"
        ordering = ["project"]
        constraints = [
            models.CheckConstraint(
                condition=Q(green_channel=False) | ~Q(green_channel_reason=""), name="green_channel_has_reason"
            )
        ]

    def __str__(self):
        return str(self.project)


class ProcedurePlanQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class ProcedurePlan(models.Model):
    """A frozen version of a project's procedure plan. Version 1 is the baseline and never changes;
    each later version records why the plan changed."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="procedure_plans")
    number = models.PositiveIntegerField("版本号")
    is_baseline = models.BooleanField("基线", default=False)
    reason = models.TextField("调整原因", blank=True)
    construction_start = models.DateField("计划开工日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="冻结人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("冻结时间", auto_now_add=True)

    objects = ProcedurePlanQuerySet.as_manager()

    class Meta:
        verbose_name = "手续计划版本"
        verbose_name_plural = "手续计划版本"
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="procedure_plan_number_once"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_baseline=True), name="procedure_plan_one_baseline"
            ),
            models.CheckConstraint(
                condition=Q(is_baseline=True) | ~Q(reason=""), name="procedure_plan_change_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.project} V{self.number}"


class ProcedurePlanLine(models.Model):
    """One item's planned dates in a frozen version (the name is copied: a dropped item stays readable)."""

    plan = models.ForeignKey(ProcedurePlan, models.CASCADE, verbose_name="计划版本", related_name="lines")
    item = models.ForeignKey(
        "ProcedureItem", models.SET_NULL, verbose_name="手续", null=True, blank=True, related_name="plan_lines"
    )
    name = models.CharField("手续名称", max_length=200)
    planned_start = models.DateField("计划开始")
    planned_finish = models.DateField("计划办结")
    is_critical = models.BooleanField("关键路径", default=False)

    class Meta:
        verbose_name = "计划版本明细"
        verbose_name_plural = "计划版本明细"
        ordering = ["plan", "planned_start", "id"]

    def __str__(self):
        return self.name


class ProcedureChangeQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class ProcedureChange(models.Model):
    """Why a project's procedures differ from its template or its plan changed (who, when, why)."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="procedure_changes")
    item = models.ForeignKey(
        "ProcedureItem", models.SET_NULL, verbose_name="手续", null=True, blank=True, related_name="changes"
    )
    item_name = models.CharField("手续名称", max_length=200, blank=True)
    kind = models.CharField("变更类型", max_length=20, choices=ProcedureChangeKind.choices)
    reason = models.TextField("原因")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="操作人", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = ProcedureChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "手续变更记录"
        verbose_name_plural = "手续变更记录"
        ordering = ["project", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="procedure_change_has_reason")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item_name}"


class WeeklyPhotoRule(models.Model):
    """形象调度's cadence (one row, edited in admin): which projects post site photos each week and how
    many, and when an uploaded photo is flagged (taken far from the project, or before the week)."""

    active = models.BooleanField("启用", default=True)
    stages = models.CharField(
        "项目阶段",
        max_length=100,
        default="construction",
        help_text="逗号分隔的阶段代码,默认只有在建(construction)。",
    )
    min_total_investment = money_field("计划总投资不低于(万元)", default=Decimal("5000"))
    photos_per_week = models.PositiveSmallIntegerField("每周每项目照片数", default=2)
    max_distance_km = models.DecimalField(
        "拍摄位置偏离上限(公里)", max_digits=6, decimal_places=2, default=Decimal("2.00")
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "形象调度规则"
        verbose_name_plural = "形象调度规则"
        constraints = [
            models.CheckConstraint(condition=Q(photos_per_week__gte=1), name="photo_rule_at_least_one"),
            models.CheckConstraint(condition=Q(max_distance_km__gt=0), name="photo_rule_distance_positive"),
        ]

    def __str__(self):
        return f"计划总投资≥{self.min_total_investment}万元的在建项目每周{self.photos_per_week}张"

    @classmethod
    def current(cls):
        """The administrator's row, or the defaults while none is saved (one query)."""
        return cls.objects.order_by("pk").first() or cls()

    def stage_list(self):
        return [s.strip() for s in self.stages.split(",") if s.strip()]

    def clean(self):
        from django.core.exceptions import ValidationError

        from projects.choices import Stage

        unknown = [s for s in self.stage_list() if s not in Stage.values]
        if unknown or not self.stage_list():
            raise ValidationError(
                {"stages": f"未知的阶段代码:{','.join(unknown) or '(空)'};可用:{','.join(Stage.values)}。"}
            )

    def projects_q(self, prefix=""):
        """The projects that owe site photos each week, as a Q on Project (through ``prefix``)."""
        if not self.active:
            return Q(pk__in=[])
        return Q(
            **{f"{prefix}stage__in": self.stage_list(), f"{prefix}total_investment__gte": self.min_total_investment}
        )


# --- physical indicators (helper "chains"): programmes such as 老旧小区改造 measure in units, not money -------
class IndicatorUnit(models.TextChoices):
    COMMUNITY = "community", "个(小区)"
    BUILDING = "building", "栋"
    HOUSEHOLD = "household", "户"
    KILOMETRE = "km", "公里"
    SQUARE_METRE = "m2", "平方米"
    OTHER = "other", "其他"


class PhysicalIndicatorQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class PhysicalIndicator(models.Model):
    """A physical quantity a project delivers (改造小区数、楼栋数、惠及户数、管网公里数) and its planned total."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="physical_indicators")
    name = models.CharField("指标名称", max_length=50, help_text="如 改造小区、改造楼栋、惠及居民、改造管网")
    unit = models.CharField("单位", max_length=20, choices=IndicatorUnit.choices)
    planned_total = models.DecimalField("计划总量", max_digits=14, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = PhysicalIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "实物量指标"
        verbose_name_plural = "实物量指标"
        ordering = ["project", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="indicator_one_name_per_project"),
            models.CheckConstraint(condition=Q(planned_total__gte=0), name="indicator_planned_non_negative"),
        ]

    def __str__(self):
        return f"{self.project} · {self.name}"


class IndicatorMonthQuerySet(RestrictedQuerySet):
    scope_path = "indicator__project__"


class IndicatorMonth(models.Model):
    """Plan and progress of one physical indicator in one month (the month's first day)."""

    indicator = models.ForeignKey(PhysicalIndicator, models.CASCADE, verbose_name="指标", related_name="months")
    month = models.DateField("月份", help_text="月份的第一天")
    planned = models.DecimalField("本月计划量", max_digits=14, decimal_places=2, default=Decimal("0"))
    completed = models.DecimalField("本月完成量", max_digits=14, decimal_places=2, default=Decimal("0"))

    objects = IndicatorMonthQuerySet.as_manager()

    class Meta:
        verbose_name = "实物量月度进度"
        verbose_name_plural = "实物量月度进度"
        ordering = ["indicator", "month"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "month"], name="indicator_one_row_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="indicator_month_is_month_start"),
            models.CheckConstraint(condition=Q(planned__gte=0, completed__gte=0), name="indicator_month_non_negative"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.month:%Y-%m}"


# --- counted figures per scope (the whole-city and scoped figures computed fresh) ------------------
SCOPE_KINDS = ("all", "region", "category", "department")  # who a figure is for: projects.access scopes
SCOPE_DIMENSIONS = ("total", "region", "stage", "sector", "category", "department", "key")  # what it is grouped by


class ScopeTotal(models.Model):
    """Projects, total and year plan of every project in one scope (``scope``: all, a region, a category
    or a department, ``scope_key`` its id, 0 for all) with one value (``value``) of one dimension
    (``dimension``: total, region, stage, sector, category, department, key flag): the dashboard's and
    the summary's breakdowns read a few of these rows instead of every project.

    Kept by database triggers (migration 0009) in the same transaction as every write of a project or a
    counted month, whoever writes; ``services.counted_months_sync`` rebuilds it after a load without
    triggers. A row is removed when its last project leaves it. Values: ids as text, the stage code,
    "" for no sector or department (and for the total), "1"/"0" for key projects (city threshold)."""

    scope = models.CharField("范围", max_length=12)
    scope_key = models.BigIntegerField("范围编号")
    dimension = models.CharField("分组", max_length=12)
    value = models.CharField("分组值", max_length=32, blank=True)
    projects = models.IntegerField("项目数")
    total_investment = models.DecimalField("计划总投资(万元)", max_digits=20, decimal_places=2)
    annual_plan = models.DecimalField("本年计划投资(万元)", max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = "范围项目合计"
        verbose_name_plural = "范围项目合计"
        constraints = [
            # Written only by the triggers, under one transaction lock (pg_advisory_xact_lock): no race.
            models.UniqueConstraint(
                fields=["scope", "scope_key", "dimension", "value"],
                include=["projects", "total_investment", "annual_plan"],
                name="scope_total_cell",
            )
        ]

    def __str__(self):
        return f"{self.scope}:{self.scope_key} {self.dimension}={self.value}"


class ProjectStart(models.Model):
    """Each key project's 开复工 days as ``ScopeStart`` counts them (one per year: the first day it started
    or entered construction that year), with the scope fields they were counted under: what the
    triggers take out of ScopeStart before counting the project again after a write."""

    project_id = models.BigIntegerField("项目")
    day = models.DateField("开复工日期")
    region_id = models.BigIntegerField("区县", null=True)
    category_id = models.BigIntegerField("类别", null=True)
    department_id = models.BigIntegerField("部门", null=True)
    total_investment = models.DecimalField("计划总投资(万元)", max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = "项目开复工日期"
        verbose_name_plural = "项目开复工日期"
        constraints = [models.UniqueConstraint(fields=["project_id", "day"], name="project_start_day")]

    def __str__(self):
        return f"{self.project_id} {self.day}"


class ScopeStart(models.Model):
    """开复工 per scope and day (insights.definitions.started_or_resumed_q): how many key projects now
    building, and their total investment, started or entered construction for the first time in a year
    on ``day``. A project counts once per year, on its first such day of that year; the count for a
    period from a year's first day to a day of that year is the sum of its days, a few hundred rows
    whatever the number of projects.

    Kept by row triggers (migration 0014) on projects and stage changes, in the same transaction,
    whoever writes; rebuilt by ``services.counted_months_sync`` after a load without triggers and when
    the city threshold changes. Cells that fall to zero stay (they add nothing)."""

    scope = models.CharField("范围", max_length=12)
    scope_key = models.BigIntegerField("范围编号")
    day = models.DateField("开复工日期")
    projects = models.IntegerField("项目数")
    total_investment = models.DecimalField("计划总投资(万元)", max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = "范围开复工合计"
        verbose_name_plural = "范围开复工合计"
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_key", "day"], include=["projects", "total_investment"], name="scope_start_cell"
            )
        ]

    def __str__(self):
        return f"{self.scope}:{self.scope_key} {self.day}"


class ScopeMonth(models.Model):
    """The counted investment of one month (current ``CountedMonth`` rows, ``months`` of them) of the
    projects of one ScopeTotal cell, kept by the same triggers in the same transaction."""

    scope = models.CharField("范围", max_length=12)
    scope_key = models.BigIntegerField("范围编号")
    dimension = models.CharField("分组", max_length=12)
    value = models.CharField("分组值", max_length=32, blank=True)
    period = models.DateField("月份", help_text="月份的第一天")
    months = models.IntegerField("计入项目月数")
    amount = models.DecimalField("计入完成投资(万元)", max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = "范围月度完成投资"
        verbose_name_plural = "范围月度完成投资"
        constraints = [
            # Written only by the triggers, under one transaction lock (pg_advisory_xact_lock): no race.
            models.UniqueConstraint(
                fields=["scope", "scope_key", "dimension", "value", "period"],
                include=["months", "amount"],
                name="scope_month_cell",
            )
        ]

    def __str__(self):
        return f"{self.scope}:{self.scope_key} {self.dimension}={self.value} {self.period:%Y-%m}"
