from django.urls import path

from common.api import SimpleApiRouter

from . import procedure_views, views

router = SimpleApiRouter()
# Any project_pk segment reaches the view, which answers a JSON 404 for one that is not a visible
# project (a digits-only pattern would leave "abc" to Django's HTML 404 page).
router.register(r"projects/(?P<project_pk>[0-9]+)/progress", views.ProjectProgressViewSet, basename="project-progress")
router.register(r"amendments", views.AmendmentViewSet, basename="amendment")
router.register(r"photos", views.PhotoViewSet, basename="photo")
router.register(r"problems", views.ProblemViewSet, basename="problem")
router.register(r"procedures", views.ProcedureViewSet, basename="procedure")
router.register(r"funding", views.FundingViewSet, basename="funding")

urlpatterns = [
    path("progress/template/", views.ProgressTemplateView.as_view(), name="progress-template"),
    path("progress/import/", views.ProgressImportView.as_view(), name="progress-import"),
    path("progress/export/", views.ProgressExportView.as_view(), name="progress-export"),
    path(
        "projects/<str:project_pk>/procedure-plan/", procedure_views.ProcedurePlanView.as_view(), name="procedure-plan"
    ),
    path(
        "projects/<str:project_pk>/procedure-plan/freeze/",
        procedure_views.ProcedurePlanFreezeView.as_view(),
        name="procedure-plan-freeze",
    ),
    path("procedure-queues/<str:department_pk>/", procedure_views.ProcedureQueueView.as_view(), name="procedure-queue"),
    path(
        "procedures/<str:pk>/accept-with-deficiency/",
        procedure_views.ProcedureDeficiencyView.as_view(),
        name="procedure-accept-with-deficiency",
    ),
    path("procedures/<str:pk>/made-good/", procedure_views.ProcedureMadeGoodView.as_view(), name="procedure-made-good"),
    *router.urls,
]
