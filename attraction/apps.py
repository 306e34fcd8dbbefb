from django.apps import AppConfig


class AttractionConfig(AppConfig):
    name = "attraction"
    verbose_name = "招商引资"

    def ready(self):
        from demo import extensions

        from .demo import seed_attraction

        if seed_attraction not in extensions.REGISTERED:
            extensions.register(seed_attraction)
