from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import LightViewSet, MapView, OrderViewSet

router = DefaultRouter()
router.register("lights", LightViewSet, basename="light")
router.register("supervision-orders", OrderViewSet, basename="supervision-order")

urlpatterns = [path("map/", MapView.as_view(), name="project-map"), *router.urls]
