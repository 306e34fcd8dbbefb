from django.urls import path

from . import views

urlpatterns = [
    path("stats/summary/", views.SummaryView.as_view(), name="stats-summary"),
]
