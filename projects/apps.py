from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目库"

    def ready(self):
        from demo import extensions

        from .demo import seed

        if seed not in extensions.REGISTERED:
            extensions.register(seed)
