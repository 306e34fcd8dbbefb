from django.urls import path

from . import procedure_views, views

app_name = "investment"

urlpatterns = [
    path("", views.month, name="month"),
    path("entry/<int:project_pk>/save/", views.entry_save, name="entry-save"),
    path("entry/verify/", views.entry_verify_many, name="entry-verify-many"),
    path("entry/<int:pk>/<str:action>/", views.entry_action, name="entry-action"),
    path("amendment/<int:pk>/<str:action>/", views.amendment_decide, name="amendment-decide"),
    path("project/<int:pk>/", views.project, name="project"),
    path("project/<int:pk>/photos/", views.photo_create, name="photo-create"),
    path("project/<int:pk>/problems/", views.problem_create, name="problem-create"),
    path("project/<int:pk>/procedures/", views.procedure_create, name="procedure-create"),
    path("project/<int:pk>/funding/", views.funding_create, name="funding-create"),
    path("photos/<int:pk>/file/", views.photo_file, name="photo-file"),
    path("photos/<int:pk>/thumbnail/", views.photo_file, {"thumb": True}, name="photo-thumbnail"),
    path("photos/<int:pk>/comment/", views.photo_comment, name="photo-comment"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/<int:pk>/", views.problem_edit, name="problem-edit"),
    path("procedures/<int:pk>/", views.procedure_edit, name="procedure-edit"),
    path("funding/<int:pk>/", views.funding_edit, name="funding-edit"),
    path("template/", views.template_download, name="template"),
    path("import/", views.import_upload, name="import"),
    path("export/", views.export, name="export"),
    path("procedures/queue/", procedure_views.queue, name="procedure-queue"),
    path("procedures/item/<int:pk>/", procedure_views.item, name="procedure-item"),
    path("procedures/item/<int:pk>/<str:action>/", procedure_views.item_action, name="procedure-item-action"),
    path("project/<int:pk>/procedures/template/", procedure_views.template_apply, name="procedure-template-apply"),
    path("project/<int:pk>/procedures/freeze/", procedure_views.plan_freeze, name="procedure-plan-freeze"),
    path("project/<int:pk>/procedures/green/", procedure_views.green_channel, name="procedure-green-channel"),
]

# Weekly site photos (形象调度): several at once from the phone camera; a comment becomes a problem.
urlpatterns += [
    path("project/<int:pk>/photos/upload/", views.photos_upload, name="photos-upload"),
    path("photo-comments/<int:pk>/problem/", views.photo_comment_problem, name="photo-comment-problem"),
]
