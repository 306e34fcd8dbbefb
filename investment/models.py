import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from projects.access import RestrictedQuerySet, project_q, user_roles
from projects.choices import Role, Tier
from projects.models import Department, Project, Region, money_field

from .choices import AmendmentStatus, EntryStatus, FundingKind, MediaKind, ProblemKind, ProblemStatus, ProcedureStatus


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
            models.Index(fields=["period", "project"]),
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
            models.Index(fields=["project", "period"], name="counted_month_project_idx"),
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

    objects = SitePhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["project", "-taken_on"])]

    def __str__(self):
        return self.caption


class PhotoCommentQuerySet(RestrictedQuerySet):
    scope_path = "photo__project__"


class PhotoComment(models.Model):
    photo = models.ForeignKey(SitePhoto, models.CASCADE, verbose_name="照片", related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="批示人", related_name="+")
    text = models.TextField("批示内容")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = PhotoCommentQuerySet.as_manager()

    class Meta:
        verbose_name = "照片批示"
        verbose_name_plural = "照片批示"
        ordering = ["photo", "created_at", "id"]

    def __str__(self):
        return self.text[:40]


class ProcedureItemQuerySet(RestrictedQuerySet):
    scope_path = "project__"


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
    sort_order = models.PositiveIntegerField("排序", default=0)
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
