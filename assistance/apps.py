from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "帮办代办"

    def ready(self):
        # Registered like investment's demo (issue 18 replaces this by discovery of <app>/demo.py).
        from demo import extensions

        from .demo import seed

        if seed not in extensions.REGISTERED:
            extensions.register(seed)
