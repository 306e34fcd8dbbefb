from django.urls import path

from common.api import ApiRouter

from . import views

router = ApiRouter()
router.include_root_view = False
router.register("regions", views.RegionViewSet, basename="region")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("projects", views.ProjectViewSet, basename="project")

urlpatterns = [
    path("open-data/projects/", views.OpenDataProjectsView.as_view(), name="open-data-projects"),
    *router.urls,
]
