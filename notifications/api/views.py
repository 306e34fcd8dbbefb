from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api import StrictPagination

from .. import selectors, services
from .serializers import MarkedSerializer, NotificationSerializer

ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own inbox."""

    serializer_class = NotificationSerializer
    filter_backends = []
    pagination_class = StrictPagination

    def get_queryset(self):
        value = self.request.query_params.get("unread", "")
        if value not in ("", "true", "false", "1", "0"):
            raise ValidationError({"unread": ["应为 true 或 false。"]})
        unread = value in ("1", "true")
        return selectors.inbox(user=self.request.user, unread_only=unread)

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="只看未读")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=MarkedSerializer, parameters=[ID])
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.notification_get(user=request.user, pk=pk)
        marked = services.notification_mark_read(user=request.user, notification_ids=[notification.pk])
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notification_mark_read(user=request.user)
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})
