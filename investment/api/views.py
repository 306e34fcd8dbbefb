"""Progress reporting API. Reads go through investment.selectors (scoped to the user), writes through
investment.services; a stale ``version`` answers 409.

Access follows the projects API: a project (or record) outside the caller's view scope answers 404;
a write to one the caller can see but may not change (or verify) answers 403, since its existence is
no secret to that caller. Every write below loads its object through a view-scoped selector first,
so a service's refusal after that load can only mean "visible, not allowed".
"""

import io
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common import parsing
from common.api import Conflict, created
from common.writes import region_named
from projects.access import Action, can
from projects.selectors import departments_all, project_get, regions_visible

from .. import selectors, services
from ..choices import AmendmentStatus
from ..excel import export_progress, export_projects, progress_import, progress_template
from ..uploads import read_limited
from . import serializers as s

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@contextmanager
def write_errors():
    """A service's refusals as API answers: a stale version 409, a refused write 403.

    Only around service calls on objects already loaded through a view-scoped selector (outside
    that scope the load answered 404 first).
    """
    try:
        yield
    except services.ConflictError as exc:
        raise Conflict() from exc
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


def require(user, project, action, *alternatives):
    """403 unless the user may perform the action (or one of the alternatives) on this visible project.

    Checked before the request body is validated, as the projects API does; the services check again.
    """
    if not any(can(user, a, project) for a in (action, *alternatives)):
        raise exceptions.PermissionDenied(services.REFUSALS.get(action, "无权操作该项目。"))


def _xlsx_response(buffer, filename):
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _clean(data):
    return {k: v for k, v in data.items() if k not in ("version", "project")}


class ProjectProgressViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Monthly entries of one project: list, create or update (by month), submit, verify, return, amend."""

    serializer_class = s.ProgressEntrySerializer

    def get_project(self):
        if not hasattr(self, "_project"):
            self._project = project_get(user=self.request.user, pk=self.kwargs["project_pk"])
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.entry_queryset(user=self.request.user).none()
        return (
            selectors.entry_queryset(user=self.request.user)
            .filter(project=self.get_project())
            .prefetch_related(selectors.pending_amendments_prefetch())
            .order_by("-period")
        )

    @extend_schema(request=s.ProgressEntryWriteSerializer, responses={201: s.ProgressEntrySerializer})
    def create(self, request, project_pk=None):
        project = self.get_project()  # outside view scope: 404 before anything else
        require(request.user, project, Action.CHANGE)
        data = s.ProgressEntryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        with write_errors():
            entry = services.progress_save(
                user=request.user,
                project=project,
                period=values.pop("period"),
                version=values.pop("version", None),
                **values,
            )
        return created(s.ProgressEntrySerializer(entry).data)

    def _act(self, request, fn, action, serializer_class=s.VersionSerializer, **extra):
        entry = self.get_object()  # outside view scope: 404 before anything else
        require(request.user, entry.project, action)
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        with write_errors():
            result = fn(user=request.user, entry=entry, **dict(data.validated_data), **extra)
        return result

    @extend_schema(request=s.VersionSerializer, responses=s.ProgressEntrySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, project_pk=None, pk=None):
        return Response(s.ProgressEntrySerializer(self._act(request, services.progress_submit, Action.CHANGE)).data)

    @extend_schema(request=s.VersionSerializer, responses=s.ProgressEntrySerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, project_pk=None, pk=None):
        return Response(s.ProgressEntrySerializer(self._act(request, services.progress_verify, Action.VERIFY)).data)

    @extend_schema(request=s.ReturnSerializer, responses=s.ProgressEntrySerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, project_pk=None, pk=None):
        return Response(
            s.ProgressEntrySerializer(
                self._act(request, services.progress_return, Action.VERIFY, s.ReturnSerializer)
            ).data
        )

    @extend_schema(
        request=s.AmendSerializer,
        responses={201: s.AmendmentSerializer},
        description="提出修正(冻结月份的已审核进度):待县区审核人批准后才计入统计。",
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, project_pk=None, pk=None):
        amendment = self._act(request, services.amendment_propose, Action.CHANGE, s.AmendSerializer)
        return created(s.AmendmentSerializer(amendment).data)


class AmendmentViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Proposed, approved and rejected amendments in the caller's scope (``?status=pending``,
    ``?project=<id>``); the county reviewer approves or rejects a pending one."""

    serializer_class = s.AmendmentSerializer

    def get_queryset(self):
        qs = selectors.amendment_list(user=self.request.user)
        params = self.request.query_params
        status_ = parsing.choice(params.get("status"), field="status", choices=AmendmentStatus.values, default="")
        if status_:
            qs = qs.filter(status=status_)
        project = parsing.optional_object_id(params.get("project"), field="project")
        if project:
            qs = qs.filter(entry__project_id=project)
        return qs

    def get_object(self):
        return selectors.amendment_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=None, responses=s.AmendmentSerializer, description="批准修正:修正数自此计入统计。")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        amendment = self.get_object()  # outside view scope: 404 before anything else
        require(request.user, amendment.entry.project, Action.VERIFY)
        with write_errors():
            amendment = services.amendment_approve(user=request.user, amendment=amendment)
        return Response(s.AmendmentSerializer(amendment).data)

    @extend_schema(request=s.RejectSerializer, responses=s.AmendmentSerializer, description="驳回修正(须说明原因)。")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        amendment = self.get_object()
        require(request.user, amendment.entry.project, Action.VERIFY)
        data = s.RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with write_errors():
            amendment = services.amendment_reject(
                user=request.user, amendment=amendment, reason=data.validated_data["reason"]
            )
        return Response(s.AmendmentSerializer(amendment).data)


class PhotoViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.SitePhotoSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = selectors.photo_list(user=self.request.user)
        project = parsing.optional_object_id(self.request.query_params.get("project"), field="project")
        return qs.filter(project_id=project) if project else qs

    @extend_schema(request={"multipart/form-data": s.PhotoUploadSerializer}, responses={201: s.SitePhotoSerializer})
    def create(self, request):
        data = s.PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        project = project_get(user=request.user, pk=values["project"])
        require(request.user, project, Action.CHANGE)
        with write_errors():
            photo = services.photo_upload(
                user=request.user,
                project=project,
                upload=values["file"],
                caption=values["caption"],
                taken_on=values.get("taken_on"),
            )
        return created(s.SitePhotoSerializer(photo).data)

    def _serve(self, path, content_type):
        response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
        response["Content-Disposition"] = "inline"
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        photo = selectors.photo_get(user=request.user, pk=pk)
        return self._serve(photo.file, photo.content_type)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request, pk=None):
        photo = selectors.photo_get(user=request.user, pk=pk)
        if not photo.thumbnail:
            return self._serve(photo.file, photo.content_type)
        return self._serve(photo.thumbnail, "image/jpeg")

    @extend_schema(request=s.CommentWriteSerializer, responses={201: s.PhotoCommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        photo = selectors.photo_get(user=request.user, pk=pk)
        require(request.user, photo.project, Action.COMMENT, Action.CHANGE)
        data = s.CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with write_errors():
            comment = services.photo_comment_create(user=request.user, photo=photo, text=data.validated_data["text"])
        return created(s.PhotoCommentSerializer(comment).data)


class _ScopedCrud(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """List/create/update of a project's records through its selectors and services."""

    write_serializer = None
    list_selector = None
    get_selector = None
    create_service = None
    update_service = None
    object_kwarg = None

    def get_queryset(self):
        qs = type(self).list_selector(user=self.request.user)
        project = parsing.optional_object_id(self.request.query_params.get("project"), field="project")
        return qs.filter(project_id=project) if project else qs

    def get_object(self):
        return type(self).get_selector(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        data = self.write_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "project" not in values:
            return Response({"project": ["必须指定项目。"]}, status=status.HTTP_400_BAD_REQUEST)
        project = project_get(user=request.user, pk=values.pop("project"))
        require(request.user, project, Action.CHANGE)
        values.pop("version", None)
        with write_errors():
            obj = type(self).create_service(user=request.user, project=project, **self._resolve(values))
        return created(self.get_serializer(obj).data)

    def partial_update(self, request, pk=None):
        obj = self.get_object()  # outside view scope: 404 before anything else
        require(request.user, obj.project, Action.CHANGE)
        data = self.write_serializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("project", None)
        version = values.pop("version", None)
        with write_errors():
            obj = type(self).update_service(
                user=request.user, version=version, **{self.object_kwarg: obj}, **self._resolve(values)
            )
        return Response(self.get_serializer(obj).data)

    def _resolve(self, values):
        return values


class ProblemViewSet(_ScopedCrud):
    serializer_class = s.ProblemSerializer
    write_serializer = s.ProblemWriteSerializer
    list_selector = staticmethod(selectors.problem_list)
    get_selector = staticmethod(selectors.problem_get)
    create_service = staticmethod(services.problem_create)
    update_service = staticmethod(services.problem_update)
    object_kwarg = "problem"

    def _resolve(self, values):
        for field, choices in (
            ("responsible_department", departments_all()),
            ("responsible_region", regions_visible(user=self.request.user)),
        ):
            if values.get(field) is not None:
                found = choices.filter(pk=values[field]).first()
                if found is None:
                    raise ValidationError({field: "不存在。"})
                values[field] = found
        return values

    @extend_schema(request=s.ProblemWriteSerializer, responses={201: s.ProblemSerializer})
    def create(self, request):
        return super().create(request)

    @extend_schema(request=s.ProblemWriteSerializer, responses=s.ProblemSerializer)
    def partial_update(self, request, pk=None):
        return super().partial_update(request, pk)


class ProcedureViewSet(_ScopedCrud):
    serializer_class = s.ProcedureSerializer
    write_serializer = s.ProcedureWriteSerializer
    list_selector = staticmethod(selectors.procedure_list)
    get_selector = staticmethod(selectors.procedure_get)
    create_service = staticmethod(services.procedure_create)
    update_service = staticmethod(services.procedure_update)
    object_kwarg = "item"

    def _resolve(self, values):
        if values.get("parent"):
            values["parent"] = selectors.procedure_get(user=self.request.user, pk=values["parent"])
        return values

    @extend_schema(request=s.ProcedureWriteSerializer, responses={201: s.ProcedureSerializer})
    def create(self, request):
        return super().create(request)

    @extend_schema(request=s.ProcedureWriteSerializer, responses=s.ProcedureSerializer)
    def partial_update(self, request, pk=None):
        return super().partial_update(request, pk)


class FundingViewSet(_ScopedCrud):
    serializer_class = s.FundingSerializer
    write_serializer = s.FundingWriteSerializer
    list_selector = staticmethod(selectors.funding_list)
    get_selector = staticmethod(selectors.funding_get)
    create_service = staticmethod(services.funding_create)
    update_service = staticmethod(services.funding_update)
    object_kwarg = "funding"

    @extend_schema(request=s.FundingWriteSerializer, responses={201: s.FundingSerializer})
    def create(self, request):
        return super().create(request)

    @extend_schema(request=s.FundingWriteSerializer, responses=s.FundingSerializer)
    def partial_update(self, request, pk=None):
        return super().partial_update(request, pk)


def _region(user, value):
    return region_named(regions_visible(user=user), value)


class ProgressTemplateView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, required=True, description="县区标识、区划代码或ID"),
            OpenApiParameter("period", str, required=True, description="YYYY-MM"),
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        region = _region(request.user, request.query_params.get("region"))
        if region is None:
            return Response({"region": ["未知县区。"]}, status=status.HTTP_400_BAD_REQUEST)
        period = parsing.month(request.query_params.get("period") or f"{timezone.localdate():%Y-%m}")
        buffer = io.BytesIO()
        progress_template(user=request.user, region=region, period=period, target=buffer)
        return _xlsx_response(buffer, f"progress-{region.key}-{period:%Y-%m}.xlsx")


class ProgressImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        parameters=[OpenApiParameter("dry_run", bool, description="1: 只校验并返回预览,不写入")],
        request={"multipart/form-data": s.ImportSerializer},
        responses={
            200: s.ImportResultSerializer,
            400: PolymorphicProxySerializer(
                component_name="ProgressImportError",
                serializers=[s.ImportResultSerializer, s.FileErrorSerializer],
                resource_type_field_name=None,
            ),
        },
    )
    def post(self, request):
        data = s.ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dry_run = parsing.text(request.query_params.get("dry_run"), field="dry_run").lower() in ("1", "true", "yes")
        content = read_limited(data.validated_data["file"])
        result = progress_import(user=request.user, data=content, dry_run=dry_run)
        code = status.HTTP_200_OK if result.valid else status.HTTP_400_BAD_REQUEST
        return Response(s.ImportResultSerializer(result.as_dict()).data, status=code)


class ProgressExportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["progress", "projects"], description="进度表或项目清单"),
            OpenApiParameter("region", str),
            OpenApiParameter("period", str, description="YYYY-MM"),
            OpenApiParameter("project", int),
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        params = request.query_params
        buffer = io.BytesIO()
        if params.get("kind") == "projects":
            export_projects(user=request.user, target=buffer, params=params)
            return _xlsx_response(buffer, "projects.xlsx")
        region = _region(request.user, params.get("region")) if params.get("region") else None
        period = parsing.optional_month(params.get("period"))
        project_id = parsing.optional_object_id(params.get("project"), field="project")
        project = project_get(user=request.user, pk=project_id) if project_id else None
        export_progress(user=request.user, target=buffer, region=region, period=period, project=project)
        return _xlsx_response(buffer, "progress.xlsx")
