from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import LightViewSet, MapView, MonthlyPlanView, OrderViewSet

router = DefaultRouter()
router.register("lights", LightViewSet, basename="light")
router.register("supervision-orders", OrderViewSet, basename="supervision-order")

urlpatterns = [
    path("map/", MapView.as_view(), name="project-map"),
    path("monthly-plans/", MonthlyPlanView.as_view(), name="monthly-plan"),
    *router.urls,
]
