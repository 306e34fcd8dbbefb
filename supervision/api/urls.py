from django.urls import path

from common.api import ApiRouter

from .views import LightViewSet, MapView, MonthlyPlanView, OrderViewSet

router = ApiRouter()
router.register("lights", LightViewSet, basename="light")
router.register("supervision-orders", OrderViewSet, basename="supervision-order")

urlpatterns = [
    path("map/", MapView.as_view(), name="project-map"),
    path("monthly-plans/", MonthlyPlanView.as_view(), name="monthly-plan"),
    *router.urls,
]
