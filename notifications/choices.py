from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ENTRY_DUE = "entry_due", _("月度填报提醒")
    ENTRY_SUBMITTED = "entry_submitted", _("进度已提交待审核")
    ENTRY_VERIFIED = "entry_verified", _("进度已审核通过")
    ENTRY_RETURNED = "entry_returned", _("进度被退回")
    ORDER_ISSUED = "order_issued", _("督办单下达")
    ORDER_DUE = "order_due", _("督办单临近时限")
    ORDER_OVERDUE = "order_overdue", _("督办单逾期")
    ORDER_REPLIED = "order_replied", _("督办单已回复")
    ORDER_CLOSED = "order_closed", _("督办单已销号")
    ORDER_RETURNED = "order_returned", _("督办单退回重办")
    PROBLEM_DUE = "problem_due", _("问题临近时限")
    REPORT_READY = "report_ready", _("调度报告已生成")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无需发送")


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
