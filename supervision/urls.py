from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.light_list, name="lights"),
    path("map/", views.project_map, name="map"),
    path("projects/<int:pk>/lights/", views.project_light_history, name="project_lights"),
    path("orders/", views.order_list, name="orders"),
    path("orders/new/<int:project_pk>/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/reply/", views.order_reply, name="order_reply"),
    path("orders/<int:pk>/review/", views.order_review, name="order_review"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]

# A site-photo comment (批示) turned into an order (the gallery is portal's photo page).
urlpatterns += [path("photo-comments/<int:pk>/order/", views.photo_comment_order, name="photo-comment-order")]
