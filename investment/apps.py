from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "investment"
    verbose_name = "投资进度"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the receivers
