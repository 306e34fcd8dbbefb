from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the receivers
