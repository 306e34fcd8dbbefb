from common.api import ApiRouter

from . import views

router = ApiRouter()
router.register("dispatch-groups", views.DispatchGroupViewSet, basename="dispatch-group")
router.register("dispatch-rounds", views.DispatchRoundViewSet, basename="dispatch-round")
router.register("reports", views.ReportViewSet, basename="dispatch-report")
router.register("warning-notices", views.WarningNoticeViewSet, basename="dispatch-warning-notice")
router.register("evaluations", views.EvaluationViewSet, basename="dispatch-evaluation")
router.register("problem-escalations", views.ProblemEscalationViewSet, basename="dispatch-problem-escalation")

urlpatterns = router.urls
