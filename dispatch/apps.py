from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "项目调度"

    def ready(self):
        from . import tasks  # noqa: F401  (tasks: registers the worker-ready catch-up)
