from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.xlsx", views.project_export, name="export"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/stage/", views.project_stage_change, name="stage-change"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/people/", views.project_people, name="people"),
    path("assignments/", views.assignments, name="assignments"),
]
