from common.api import ApiRouter

from .views import NotificationViewSet

router = ApiRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
