from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "预警督办"

    def ready(self):
        # The project list (a lower app) filters and exports by this year's figures without importing
        # the higher apps: the measures are insights.definitions', on the lights.
        from projects.selectors import register_year_progress

        from . import selectors

        register_year_progress(annotate=selectors.year_progress, lagging=selectors.lagging_only)
