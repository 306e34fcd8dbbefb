from django.urls import path

from . import views

app_name = "attraction"

urlpatterns = [
    path("", views.board, name="board"),
    path("records/", views.record_list, name="records"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("events/", views.event_list, name="events"),
    path("events/<str:kind>/<int:pk>/", views.event_detail, name="event"),
    path("capital/", views.capital, name="capital"),
    path("targets/", views.targets, name="targets"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/generate/", views.bulletin_generate, name="bulletin-generate"),
    path("bulletins/<int:pk>/<str:kind>/", views.bulletin_download, name="bulletin-download"),
    # chains, assessment, overdue follow-ups (helper "chains")
    path("chains/", views.chains, name="chains"),
    path("chains/<int:pk>/", views.chain_map, name="chain"),
    path("assessment/", views.assessment, name="assessment"),
    path("follow-ups/overdue/", views.follow_ups_overdue, name="follow-ups-overdue"),
]
