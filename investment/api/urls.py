from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register(r"projects/(?P<project_pk>\d+)/progress", views.ProjectProgressViewSet, basename="project-progress")
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
