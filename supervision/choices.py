from django.db import models
from django.utils.translation import gettext_lazy as _


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    NONE = "none", _("不亮灯")


# Separate warning lights (each either on or off), in display order.
FLAGS = {
    "start_overdue": _("逾期未开工"),
    "stale": _("连续未报进度"),
    "problem_overdue": _("问题超期未解决"),
    "cost_overrun": _("投资超概算"),
    "time_overrun": _("工期超期"),
    "deficiency_overdue": _("容缺补正超期"),
}


class UnitKind(models.TextChoices):
    REGION = "region", _("县区")
    DEPARTMENT = "department", _("市直部门")
    ENTERPRISE = "enterprise", _("企业联系人")


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("待回复")
    REPLIED = "replied", _("已回复待审核")
    RETURNED = "returned", _("退回重办")
    CLOSED = "closed", _("已销号")

    @classmethod
    def awaiting_reply(cls):
        return [cls.ISSUED, cls.RETURNED]


class OrderAction(models.TextChoices):
    ISSUED = "issued", _("下达")
    REPLIED = "replied", _("回复")
    ACCEPTED = "accepted", _("审核通过并销号")
    SENT_BACK = "sent_back", _("退回重办")
    OVERDUE = "overdue", _("逾期")
    ESCALATED = "escalated", _("提级督办")
