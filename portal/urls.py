from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("lagging/", views.lagging_list, name="lagging"),
    path("started/", views.started_list, name="started"),
    path("definitions/", views.definitions_page, name="definitions"),
    path("lagging/export.xlsx", views.lagging_export, name="lagging-export"),
    path("procedures/time-saved/", views.procedure_time_saved, name="procedure-time-saved"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/export.xlsx", views.problem_export, name="problems-export"),
    path("projects/<int:pk>/investment.json", views.project_investment, name="project-investment"),
    path("my-projects/", views.my_projects, name="my-projects"),
]

# Weekly site photos (形象调度).
from . import photo_views  # noqa: E402

urlpatterns += [
    path("photos/", photo_views.photo_gallery, name="photo-gallery"),
    path("photos/week/", photo_views.photo_week, name="photo-week"),
]
