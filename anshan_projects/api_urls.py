"""API v1: each app contributes its routes; paths here are a stable contract."""

from django.urls import include, path

urlpatterns = [
    path("", include("projects.api.urls")),
    path("", include("investment.api.urls")),
    path("", include("attraction.api.urls")),
    path("", include("supervision.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("dispatch.api.urls")),
]
