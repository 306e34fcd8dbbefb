"""What every API endpoint shares: errors, pagination, and the scoped viewset base."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter, SimpleRouter
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """Someone else saved the same entry first (optimistic concurrency)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "该记录已被他人修改,请刷新后重试。"
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "任务队列暂不可用,请稍后再试。"
    default_code = "queue_unavailable"


def exception_handler(exc, context):
    """Services raise Django's ValidationError / PermissionDenied; the API answers 400 with a
    field -> messages object, and 404 for anything outside the caller's scope."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = Http404()
    return drf_exception_handler(exc, context)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class StrictPagination(Pagination):
    """The shared pagination, refusing a page_size that is not a positive whole number (400)
    instead of silently falling back to the default."""

    def get_page_size(self, request):
        from . import parsing

        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        try:
            size = parsing.integer(raw, field=self.page_size_query_param, min_value=1, max_value=10**9)
        except parsing.ParseError:
            raise exceptions.ValidationError({self.page_size_query_param: ["应为正整数。"]}) from None
        return min(size, self.max_page_size)


class AsciiLookupMixin:
    """Object ids in API paths are ASCII digits. The routers' default (``[^/.]+``, and ``\\d``, which
    matches any Unicode digit) let ``１２`` through, and ``int()`` reads it as 12: a second name for
    the same object. Anything else in the id's place is an unknown path (the API's JSON 404)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>[0-9]+)"


class ApiRouter(AsciiLookupMixin, DefaultRouter):
    pass


class SimpleApiRouter(AsciiLookupMixin, SimpleRouter):
    pass


class EstimatedCountPagination(Pagination):
    """Pagination for lists that reach a million rows: ``count`` is exact up to
    settings.LIST_EXACT_COUNT_UP_TO matching rows and the planner's estimate above it, said by
    ``count_is_estimate`` (common.counting). The view sets ``queryset.count`` to a callable
    returning that count (``counter(filtered)``)."""

    def get_paginated_response(self, data):
        count = self.page.paginator.count
        return Response(
            {
                "count": int(count),
                "count_is_estimate": bool(getattr(count, "is_estimate", False)),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = (
            "匹配的记录数:不超过阈值(LIST_EXACT_COUNT_UP_TO)时为精确值,超过时为数据库的估算值(见 count_is_estimate)。"
        )
        schema["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "count 为估算值(约数)时为 true。",
        }
        schema["required"] = [*schema.get("required", []), "count_is_estimate"]
        schema["properties"] = {
            key: schema["properties"][key] for key in ("count", "count_is_estimate", "next", "previous", "results")
        }
        return schema


def created(data):
    return Response(data, status=status.HTTP_201_CREATED)


class XlsxRenderer(BaseRenderer):
    """Lets clients ask for xlsx (Accept header or ?format=xlsx); the view returns the file itself."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only reached for errors (the file itself is a FileResponse): serialise them as JSON.
        return JSONRenderer().render(data)


def xlsx_response(path_or_file, filename):
    """A streamed download of a finished xlsx file (a temporary file is deleted once sent)."""
    return FileResponse(path_or_file, as_attachment=True, filename=filename, content_type=XlsxRenderer.media_type)
