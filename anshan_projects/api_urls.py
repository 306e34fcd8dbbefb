"""API v1: each app contributes its routes; paths here are a stable contract."""

from django.urls import include, path

from .api_views import TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("projects.api.urls")),
    path("", include("investment.api.urls")),
    path("", include("attraction.api.urls")),
    path("", include("supervision.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("dispatch.api.urls")),
    path("", include("insights.api.urls")),
]
