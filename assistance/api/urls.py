from common.api import ApiRouter

from .views import ServiceKindViewSet, ServiceTaskViewSet

router = ApiRouter()
router.register("service-tasks", ServiceTaskViewSet, basename="service-task")
router.register("service-kinds", ServiceKindViewSet, basename="service-kind")

urlpatterns = router.urls
