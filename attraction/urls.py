from django.urls import path

from . import views

app_name = "attraction"

urlpatterns = [
    path("", views.board, name="board"),
    path("records/", views.record_list, name="records"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("events/", views.event_list, name="events"),
    path("events/<str:kind>/<int:pk>/", views.event_detail, name="event"),
    path("events/<str:kind>/<int:pk>/lines/<int:line_pk>/remove/", views.event_line_remove, name="event-line-remove"),
    path("capital/", views.capital, name="capital"),
    path("targets/", views.targets, name="targets"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/generate/", views.bulletin_generate, name="bulletin-generate"),
    path("bulletins/<int:pk>/<str:kind>/", views.bulletin_download, name="bulletin-download"),
]
