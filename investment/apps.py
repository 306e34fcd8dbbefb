from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "investment"
    verbose_name = "投资进度"

    def ready(self):
        from demo import extensions

        from . import receivers  # noqa: F401 - connects the receivers
        from .demo import seed_progress

        if seed_progress not in extensions.REGISTERED:
            extensions.register(seed_progress)
