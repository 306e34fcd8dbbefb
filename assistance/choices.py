from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    REFUSED = "refused", _("不予受理")
    TRANSFERRED = "transferred", _("已转协调问题/督办")

    @classmethod
    def open(cls):
        """Statuses whose deadline still runs (reminded, escalated when passed)."""
        return [cls.REQUESTED, cls.ACCEPTED, cls.IN_PROGRESS]


class ContactKind(models.TextChoices):
    VISIT = "visit", _("走访")
    CALL = "call", _("电话")
    MEETING = "meeting", _("会议")


class TaskAction(models.TextChoices):
    REQUESTED = "requested", _("企业提出申请")
    ACCEPTED = "accepted", _("受理")
    STARTED = "started", _("开始办理")
    DONE = "done", _("办结")
    REFUSED = "refused", _("不予受理")
    CONTACT = "contact", _("服务记录")
    CONFIRMED = "confirmed", _("企业确认")
    OVERDUE = "overdue", _("逾期")
    ESCALATED = "escalated", _("提级")
    TO_PROBLEM = "to_problem", _("转为协调问题")
    TO_ORDER = "to_order", _("转为督办单")
