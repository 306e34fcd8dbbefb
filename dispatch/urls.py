from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("", views.group_list, name="groups"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:pk>/issue/", views.round_issue, name="round-issue"),
    path("reports/", views.report_centre, name="reports"),
    path("rounds/<int:round_pk>/reports/", views.report_request, name="report-request"),
    path("rounds/<int:pk>/history/", views.round_history, name="round-history"),
    path("reports/zip/", views.report_zip, name="report-zip"),
    path("reports/<int:pk>/download/", views.report_download, name="report-download"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice-acknowledge"),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("escalations/", views.escalation_list, name="escalations"),
    path("notices/<int:pk>/follow-up/", views.notice_follow_up, name="notice-follow-up"),
    path("evaluations/<int:pk>/reports/", views.evaluation_report_request, name="evaluation-report-request"),
]
