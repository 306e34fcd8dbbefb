"""API v1: each app contributes its routes; paths here are a stable contract."""

from django.urls import include, path

urlpatterns = [
    path("", include("projects.api.urls")),
]
