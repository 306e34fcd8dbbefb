from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("lagging/", views.lagging_list, name="lagging"),
    path("started/", views.started_list, name="started"),
    path("definitions/", views.definitions_page, name="definitions"),
    path("procedures/time-saved/", views.procedure_time_saved, name="procedure-time-saved"),
    path("problems/", views.problem_list, name="problems"),
    path("projects/<int:pk>/investment.json", views.project_investment, name="project-investment"),
]
