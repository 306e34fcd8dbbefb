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
    # chains, assessment, overdue follow-ups (helper "chains")
    path("chains/", views.chains, name="chains"),
    path("chains/<int:pk>/", views.chain_map, name="chain"),
    path("assessment/", views.assessment, name="assessment"),
    path("follow-ups/overdue/", views.follow_ups_overdue, name="follow-ups-overdue"),
]

# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
urlpatterns += [
    path("task-forces/", views.task_force_list, name="task-forces"),
    path("task-forces/<int:pk>/", views.task_force_detail, name="task-force"),
    path("zones/", views.zone_list, name="zones"),
    path("zones/<int:pk>/", views.zone_detail, name="zone"),
    path("funds/", views.fund_overview, name="funds"),
    path("funds/spending/<int:pk>/", views.spending_detail, name="spending"),
    path(
        "funds/spending/<int:pk>/attachments/<int:attachment_pk>/",
        views.spending_attachment,
        name="spending-attachment",
    ),
    path("investors/", views.investor_list, name="investors"),
    path("investors/<int:pk>/", views.investor_detail, name="investor"),
    path("outreach/", views.outreach_list, name="outreach"),
    path("outreach/<int:pk>/", views.outreach_detail, name="outreach-event"),
]
