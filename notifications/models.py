"""Notifications: an in-app inbox row per recipient and event, and one delivery row per outside
channel (e-mail to the recipient, a post to a group robot). Unique keys make every send happen once."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import Channel, DeliveryStatus, Kind, WebhookKind


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name="接收人", related_name="notifications"
    )
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    event_key = models.CharField("事件标识", max_length=200, help_text="同一接收人、同一事件只通知一次。")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self):
        return self.title


def validate_webhook_url(value):
    """Robot URLs are https to a public address (notifications/webhooks.py says what is refused)."""
    from .webhooks import check_url

    check_url(value)


class WebhookEndpoint(models.Model):
    """A WeCom or DingTalk group robot of a group or unit. The URL carries the robot's secret key:
    it is shown nowhere but the administrator's edit form and never leaves through the API."""

    name = models.CharField("群/单位名称", max_length=100, unique=True)
    kind = models.CharField("机器人类型", max_length=20, choices=WebhookKind.choices)
    url = models.CharField("机器人地址(保密)", max_length=500, validators=[validate_webhook_url])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="群成员",
        blank=True,
        related_name="webhook_endpoints",
        help_text="选择“群机器人”渠道的成员,其消息发到本群。",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Every path that stores a robot URL (admin, code, shell) refuses a target we would not post to.
        validate_webhook_url(self.url)
        super().save(*args, **kwargs)


class ChannelPreference(models.Model):
    """Which outside channels a user wants besides the inbox (the inbox always gets everything)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name="用户", related_name="channel_preference"
    )
    email = models.BooleanField("电子邮件", default=True)
    webhook = models.BooleanField("群机器人", default=False)

    class Meta:
        verbose_name = "通知渠道设置"
        verbose_name_plural = "通知渠道设置"

    def __str__(self):
        return str(self.user)


class Delivery(models.Model):
    """One send over one channel. E-mail: one per notification. Webhook: one per robot and event,
    however many of its members the event concerns. Claimed with a conditional update, so a
    retried or duplicated task sends once."""

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification, models.CASCADE, verbose_name="消息", null=True, blank=True, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, models.CASCADE, verbose_name="群机器人", null=True, blank=True, related_name="deliveries"
    )
    event_key = models.CharField("事件标识", max_length=200)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    status = models.CharField("状态", max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "发送记录"
        verbose_name_plural = "发送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(notification__isnull=False),
                name="delivery_once_per_notification_channel",
            ),
            models.UniqueConstraint(
                fields=["endpoint", "event_key"],
                condition=Q(endpoint__isnull=False),
                name="delivery_once_per_robot_event",
            ),
            models.CheckConstraint(
                condition=(Q(channel=Channel.EMAIL) & Q(notification__isnull=False))
                | (Q(channel=Channel.WEBHOOK) & Q(endpoint__isnull=False)),
                name="delivery_target_matches_channel",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.title}"
