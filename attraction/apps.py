from django.apps import AppConfig


class AttractionConfig(AppConfig):
    name = "attraction"
    verbose_name = "招商引资"
