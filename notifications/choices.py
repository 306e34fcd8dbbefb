from django.db import models


class Kind(models.TextChoices):
    ENTRY_DUE = "entry_due", "月度填报提醒"
    ENTRY_SUBMITTED = "entry_submitted", "进度已提交待审核"
    ENTRY_VERIFIED = "entry_verified", "进度已审核通过"
    ENTRY_RETURNED = "entry_returned", "进度被退回"
    ORDER_ISSUED = "order_issued", "督办单下达"
    ORDER_DUE = "order_due", "督办单临近时限"
    ORDER_OVERDUE = "order_overdue", "督办单逾期"
    ORDER_REPLIED = "order_replied", "督办单已回复"
    ORDER_CLOSED = "order_closed", "督办单已销号"
    ORDER_RETURNED = "order_returned", "督办单退回重办"
    PROBLEM_DUE = "problem_due", "问题临近时限"
    REPORT_READY = "report_ready", "调度报告已生成"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    WEBHOOK = "webhook", "群机器人"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "无需发送"


class WebhookKind(models.TextChoices):
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
