from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "运维"

    def ready(self):
        from . import checks, metrics  # noqa: F401 (registers the system checks and Celery signal handlers)
