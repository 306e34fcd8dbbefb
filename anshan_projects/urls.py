from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from common.limits import metrics
from portal import views as portal_views

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The schema and its documentation are for signed-in users (token or session), not the public.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[IsAuthenticated])),
        name="swagger-ui",
    ),
    path("api/v1/", include("anshan_projects.api_urls")),
    path("metrics", metrics, name="prometheus-django-metrics"),
]

# Language comes from the switcher (cookie) or the browser, not from the URL.
urlpatterns += [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", portal_views.home, name="home"),
    path("dashboard/", include("portal.urls")),
    path("projects/", include("projects.urls")),
    path("progress/", include("investment.urls")),
    path("attraction/", include("attraction.urls")),
    path("supervision/", include("supervision.urls")),
    path("inbox/", include("notifications.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("assistance/", include("assistance.urls")),
]
