from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages at the top: the role-aware home and the city dashboard. Reads every app below it."""

    name = "portal"
    verbose_name = "门户"
