from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("new/<int:project_pk>/", views.task_new, name="task_new"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/step/", views.task_step, name="task_step"),
    path("<int:pk>/finish/", views.task_finish, name="task_finish"),
    path("<int:pk>/contact/", views.task_contact, name="task_contact"),
    path("<int:pk>/confirm/", views.task_confirm, name="task_confirm"),
    path("<int:pk>/convert/", views.task_convert, name="task_convert"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
