"""API v1: each app contributes its routes; paths here are a stable contract."""

from django.urls import include, path, re_path

from common.api_views import TokenView, api_not_found

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("projects.api.urls")),
    path("", include("investment.api.urls")),
    path("", include("attraction.api.urls")),
    path("", include("supervision.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("dispatch.api.urls")),
    path("", include("insights.api.urls")),
    path("", include("assistance.api.urls")),
    # Anything else under /api/v1/ answers a JSON 404, like the rest of the API.
    re_path(r"^.*$", api_not_found),
]
