from django.urls import path

from anshan_projects.api import SimpleApiRouter

from . import views

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
    *router.urls,
]
