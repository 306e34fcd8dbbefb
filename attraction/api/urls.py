from django.urls import path

from common.api import ApiRouter

from . import views

router = ApiRouter()
router.register("attraction/records", views.RecordViewSet, basename="attraction-record")
router.register("attraction/follow-ups", views.FollowUpViewSet, basename="attraction-follow-up")
router.register("signing-events", views.SigningEventViewSet, basename="signing-event")
router.register("start-events", views.StartEventViewSet, basename="start-event")
router.register("capital", views.CapitalViewSet, basename="capital")
router.register("targets", views.TargetViewSet, basename="attraction-target")
router.register("bulletins", views.BulletinViewSet, basename="bulletin")

urlpatterns = [
    path("attraction/pools/", views.PoolsView.as_view(), name="attraction-pools"),
    path("attraction/flows/", views.FlowsView.as_view(), name="attraction-flows"),
    # chains, assessment, overdue follow-ups (helper "chains")
    path("attraction/chains/", views.ChainRollupView.as_view(), name="attraction-chains"),
    path("attraction/assessment/", views.AssessmentView.as_view(), name="attraction-assessment"),
    path("attraction/follow-ups-overdue/", views.OverdueFollowUpsView.as_view(), name="attraction-follow-ups-overdue"),
    *router.urls,
]

# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
org_router = ApiRouter()
org_router.register("attraction/task-forces", views.TaskForceViewSet, basename="task-force")
org_router.register("attraction/zones", views.ZoneViewSet, basename="zone")
org_router.register("attraction/fund-budgets", views.BudgetViewSet, basename="fund-budget")
org_router.register("attraction/fund-spendings", views.SpendingViewSet, basename="fund-spending")
org_router.register("attraction/outreach", views.OutreachViewSet, basename="outreach")
org_router.register("attraction/investors", views.InvestorViewSet, basename="investor")
org_router.register("attraction/investor-visits", views.VisitViewSet, basename="investor-visit")
org_router.register("attraction/phases", views.PhaseViewSet, basename="project-phase")
urlpatterns += [url for url in org_router.urls if url.name != "api-root"]
