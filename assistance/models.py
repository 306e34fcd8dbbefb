"""Service tasks (帮办代办): what an enterprise asks the city to do for it on a project, who owes it,
by when (working days), what was done (the contact log) and whether the enterprise was satisfied."""

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from investment.models import Problem
from projects.access import RestrictedQuerySet, service_task_q
from projects.choices import Tier
from projects.models import Department, Project
from supervision.models import SingletonModel, SupervisionOrder

from .choices import ContactKind, TaskAction, TaskStatus


class ServiceKind(models.Model):
    """A kind of service (企业注册, 施工图审图, ...): data an administrator edits."""

    key = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    needs_text = models.BooleanField("须填写具体事项", default=False, help_text="“其他”类须写明具体事项。")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务事项类型"
        verbose_name_plural = "服务事项类型"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class AssistanceSettings(SingletonModel):
    """Deadlines and escalation of service tasks (data, not constants)."""

    default_deadline_days = models.PositiveSmallIntegerField(
        "默认办理时限(工作日)", default=10, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    escalation_interval_days = models.PositiveSmallIntegerField(
        "逾期后再次提级间隔(天)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="逾期未办结的事项按 县区 → 市直部门 → 专项推进组 → 市领导小组 逐级提级,同协调问题。",
    )

    class Meta:
        verbose_name = "帮办代办设置"
        verbose_name_plural = "帮办代办设置"

    def __str__(self):
        return "帮办代办设置"


class ServiceTaskQuerySet(RestrictedQuerySet):
    scope_path = "project__"

    def restrict(self, user, action="view"):
        return self.filter(service_task_q(user, action))

    def open(self):
        return self.filter(status__in=TaskStatus.open())

    def overdue(self, today):
        return self.open().filter(deadline__lt=today)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    model_name="ServiceTaskHistory",
    obj_field=pghistory.ObjForeignKey(related_name="audit_events"),
)
class ServiceTask(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="service_tasks")
    kind = models.ForeignKey(ServiceKind, models.PROTECT, verbose_name="服务事项类型", related_name="tasks")
    kind_text = models.CharField("具体事项", max_length=100, blank=True)
    request_text = models.TextField("企业诉求")
    enterprise_contact = models.CharField("企业联系人", max_length=100, blank=True)
    owner_unit = models.ForeignKey(Department, models.PROTECT, verbose_name="责任单位", related_name="service_tasks")
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        verbose_name="责任人",
        null=True,
        blank=True,
        related_name="service_tasks_owned",
    )
    requested_on = models.DateField("申请日期")
    deadline_days = models.PositiveSmallIntegerField(
        "办理时限(工作日)", validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    deadline = models.DateField("办结时限")
    status = models.CharField("状态", max_length=20, choices=TaskStatus.choices, default=TaskStatus.REQUESTED)
    refusal_reason = models.TextField("不予受理原因", blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    started_on = models.DateField("开始办理日期", null=True, blank=True)
    done_on = models.DateField("办结日期", null=True, blank=True)
    result = models.TextField("办理结果", blank=True)
    working_days_taken = models.PositiveSmallIntegerField("办结用时(工作日)", null=True, blank=True)
    tier = models.CharField("调度层级", max_length=20, choices=Tier.choices, default=Tier.COUNTY)
    overdue_on = models.DateField("逾期日期", null=True, blank=True)
    problem = models.ForeignKey(
        Problem, models.SET_NULL, verbose_name="转为协调问题", null=True, blank=True, related_name="service_tasks"
    )
    order = models.ForeignKey(
        SupervisionOrder,
        models.SET_NULL,
        verbose_name="转为督办单",
        null=True,
        blank=True,
        related_name="service_tasks",
    )
    confirmed_by = models.CharField("企业确认人", max_length=100, blank=True)
    confirmed_on = models.DateField("企业确认日期", null=True, blank=True)
    satisfied = models.BooleanField("企业是否满意", null=True, blank=True)
    confirmation_note = models.TextField("企业意见", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="登记人", related_name="service_tasks_created"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ServiceTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "帮办代办事项"
        verbose_name_plural = "帮办代办事项"
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["project", "status"]),
            models.Index(fields=["owner_unit", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("requested_on")), name="service_deadline_after"),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="service_refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False), name="service_done_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.kind_label}:{self.project}"

    @property
    def kind_label(self):
        return f"{self.kind.name}({self.kind_text})" if self.kind_text else self.kind.name

    @property
    def is_open(self):
        return self.status in TaskStatus.open()


class ScopedThroughTask(RestrictedQuerySet):
    """Rows hanging off a task: visible with their task."""

    task_path = "task__"

    def restrict(self, user, action="view"):
        return self.filter(service_task_q(user, action, self.task_path))


class ServiceContactQuerySet(ScopedThroughTask):
    scope_path = "task__project__"


class ServiceContact(models.Model):
    """One service contact: a visit, a call or a meeting, who took part and what was settled."""

    task = models.ForeignKey(ServiceTask, models.CASCADE, verbose_name="服务事项", related_name="contacts")
    kind = models.CharField("方式", max_length=20, choices=ContactKind.choices)
    contacted_on = models.DateField("日期")
    participants = models.CharField("参加人员", max_length=200)
    settled = models.TextField("商定事项")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="记录人", related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ServiceContactQuerySet.as_manager()

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["task", "contacted_on", "id"]

    def __str__(self):
        return f"{self.contacted_on} {self.get_kind_display()}"


class ServiceAttachmentQuerySet(ScopedThroughTask):
    scope_path = "contact__task__project__"
    task_path = "contact__task__"


class ServiceAttachment(models.Model):
    contact = models.ForeignKey(ServiceContact, models.CASCADE, verbose_name="服务记录", related_name="attachments")
    file = models.CharField("存储路径", max_length=300)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小(字节)")

    objects = ServiceAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "服务记录附件"
        verbose_name_plural = "服务记录附件"
        ordering = ["contact", "id"]

    def __str__(self):
        return self.original_name


class ServiceTaskEventQuerySet(ScopedThroughTask):
    scope_path = "task__project__"


class ServiceTaskEvent(models.Model):
    """One step in a task's life (who, when, what): its history, kept when it turns into a problem."""

    task = models.ForeignKey(ServiceTask, models.CASCADE, verbose_name="服务事项", related_name="events")
    action = models.CharField("操作", max_length=20, choices=TaskAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="操作人", null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    on = models.DateField("日期")
    note = models.TextField("说明", blank=True)
    from_status = models.CharField("原状态", max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=TaskStatus.choices)
    tier = models.CharField("层级", max_length=20, choices=Tier.choices)

    objects = ServiceTaskEventQuerySet.as_manager()

    class Meta:
        verbose_name = "服务事项记录"
        verbose_name_plural = "服务事项记录"
        ordering = ["task", "at", "id"]
        constraints = [
            # A task reaches each tier by escalation once (like dispatch's ProblemEscalation).
            models.UniqueConstraint(
                fields=["task", "tier"], condition=Q(action="escalated"), name="service_escalation_once_per_tier"
            ),
        ]

    def __str__(self):
        return f"{self.task_id} {self.get_action_display()}"
