from django.db import models


class Light(models.TextChoices):
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    NONE = "none", "不亮灯"


# Separate warning lights (each either on or off), in display order.
FLAGS = {
    "start_overdue": "逾期未开工",
    "stale": "连续未报进度",
    "problem_overdue": "问题超期未解决",
    "cost_overrun": "投资超概算",
    "time_overrun": "工期超期",
    "deficiency_overdue": "容缺补正超期",
}


class UnitKind(models.TextChoices):
    REGION = "region", "县区"
    DEPARTMENT = "department", "市直部门"
    ENTERPRISE = "enterprise", "企业联系人"


class OrderStatus(models.TextChoices):
    ISSUED = "issued", "待回复"
    REPLIED = "replied", "已回复待审核"
    RETURNED = "returned", "退回重办"
    CLOSED = "closed", "已销号"

    @classmethod
    def awaiting_reply(cls):
        return [cls.ISSUED, cls.RETURNED]


class OrderAction(models.TextChoices):
    ISSUED = "issued", "下达"
    REPLIED = "replied", "回复"
    ACCEPTED = "accepted", "审核通过并销号"
    SENT_BACK = "sent_back", "退回重办"
    OVERDUE = "overdue", "逾期"
    ESCALATED = "escalated", "提级督办"
