from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "investment"
    verbose_name = "投资进度"

    def ready(self):
        from demo import extensions

        from .demo import seed_progress

        if seed_progress not in extensions.REGISTERED:
            extensions.register(seed_progress)

        # The project list (a lower app) shows this year's figures without importing this app.
        from projects.selectors import register_year_progress

        from . import selectors

        register_year_progress(annotate=selectors.annotate_year_progress, lagging=selectors.lagging_filter)
