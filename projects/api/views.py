"""API v1 for the project registry: reference data, projects, stage changes, export, open data.

Every read goes through projects.selectors with the caller; objects outside the caller's scope
answer 404. A project the caller may see but not change answers 403 to a write.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common import parsing
from common.api import EstimatedCountPagination, XlsxRenderer, xlsx_response
from common.counting import counter

from .. import opendata, selectors
from ..access import Action, can, may_register_somewhere
from ..filters import ProjectFilterSet
from ..services import project_stage_change
from .exports import write_projects_xlsx
from .serializers import (
    LIST_VALUES,
    CategorySerializer,
    DepartmentSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    ProjectWriteSerializer,
    RegionSerializer,
    SectorSerializer,
    StageChangeRequestSerializer,
    StageChangeSerializer,
    project_rows,
)


class ReferenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference lists are the same for every signed-in user; scope applies to the projects."""

    pagination_class = None
    selector = None

    def get_queryset(self):
        return type(self).selector()


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class RegionViewSet(ReferenceViewSet):
    serializer_class = RegionSerializer
    selector = staticmethod(lambda: selectors.regions_visible(user=None))


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class SectorViewSet(ReferenceViewSet):
    serializer_class = SectorSerializer
    selector = staticmethod(selectors.sectors_all)


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class DepartmentViewSet(ReferenceViewSet):
    serializer_class = DepartmentSerializer
    selector = staticmethod(selectors.departments_all)


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class CategoryViewSet(ReferenceViewSet):
    serializer_class = CategorySerializer
    selector = staticmethod(selectors.categories_all)


class CanRegisterProjects(BasePermission):
    """Creating needs the right to register somewhere (administrators, county staff, departments)."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        return may_register_somewhere(request.user)


@extend_schema_view(
    list=extend_schema(tags=["projects"], summary="项目列表(按调用者权限范围)"),
    retrieve=extend_schema(tags=["projects"]),
    create=extend_schema(tags=["projects"], request=ProjectWriteSerializer, responses={201: ProjectDetailSerializer}),
    update=extend_schema(tags=["projects"], request=ProjectWriteSerializer, responses={200: ProjectDetailSerializer}),
    partial_update=extend_schema(
        tags=["projects"], request=ProjectWriteSerializer, responses={200: ProjectDetailSerializer}
    ),
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = ProjectFilterSet
    pagination_class = EstimatedCountPagination
    replica_actions = ("list", "export")  # read from the replica when one is configured
    parser_classes = [JSONParser]  # integrations send JSON; one request format, one schema
    permission_classes = [*viewsets.GenericViewSet.permission_classes, CanRegisterProjects]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.projects_none()
        return selectors.project_list(user=self.request.user, thresholds_in_query=self.action == "list")

    def get_serializer_class(self):
        if self.action == "list":
            return ProjectListSerializer
        if self.action in ("create", "update", "partial_update"):
            return ProjectWriteSerializer
        return ProjectDetailSerializer

    def list(self, request, *args, **kwargs):
        """Rows read with ``.values()`` and built by ``project_rows``: the shape ProjectListSerializer
        documents (and the schema shows), without a model instance per row."""
        filtered = self.filter_queryset(self.get_queryset())
        queryset = filtered.values(*LIST_VALUES)
        # The page count comes from the filtered projects alone: the joins the row columns need (region,
        # sector, category, department: many-to-one, so they neither add nor drop rows) stay out of it.
        # Exact up to settings.LIST_EXACT_COUNT_UP_TO, then the planner's estimate (count_is_estimate).
        queryset.count = counter(filtered)
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(project_rows(queryset))
        return self.get_paginated_response(project_rows(page))

    def get_object(self):
        project = selectors.project_get(user=self.request.user, pk=self.kwargs["pk"])
        if self.request.method not in SAFE_METHODS and not can(self.request.user, Action.CHANGE, project):
            # Visible, so its existence is no secret: say that changing it is not allowed.
            raise exceptions.PermissionDenied("无权修改该项目。")
        return project

    def finalize_response(self, request, response, *args, **kwargs):
        # A client asking for xlsx still gets its errors (400 on a bad filter) as JSON.
        if isinstance(response, Response) and isinstance(getattr(request, "accepted_renderer", None), XlsxRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _detail(self, project, status_code=status.HTTP_200_OK):
        fresh = selectors.project_get(user=self.request.user, pk=project.pk)
        return Response(ProjectDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            project = serializer.save()
        except DjangoPermissionDenied:
            # No object exists yet: a refusal to register here (this county, this lead department) is a 403.
            raise exceptions.PermissionDenied(
                "无权在该县区登记该项目(县区登记本县区项目,部门登记本部门牵头的项目)。"
            ) from None
        return self._detail(project, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._detail(serializer.save())

    @extend_schema(
        methods=["GET"],
        tags=["projects"],
        summary="阶段变更记录",
        responses={200: StageChangeSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        tags=["projects"],
        summary="变更项目阶段",
        request=StageChangeRequestSerializer,
        responses={201: StageChangeSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="stage", pagination_class=None, filterset_class=None)
    def stage(self, request, pk=None):
        project = self.get_object()
        if request.method == "GET":
            history = selectors.stage_history(user=request.user, project=project)
            return Response(StageChangeSerializer(history, many=True).data)
        payload = StageChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = project_stage_change(project=project, user=request.user, **payload.validated_data)
        return Response(StageChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["projects"],
        summary="导出项目清单(xlsx,筛选条件同列表)",
        filters=True,
        responses={
            (200, XlsxRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="xlsx 文件"),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        pagination_class=None,
        renderer_classes=[JSONRenderer, XlsxRenderer],
    )
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        filename = f"projects-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(write_projects_xlsx(queryset), filename)


class OpenDataProjectsView(APIView):
    """The public fields of the key projects as an OC4IDS 0.9 project package (anonymous read)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["open-data"],
        summary="OC4IDS 项目包(公开数据)",
        auth=[],
        parameters=[OpenApiParameter("page", OpenApiTypes.INT, description="页码(从 1 起;links.next 给出下一页)")],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="OC4IDS 0.9 project package (one page)"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="页码无效"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="页码超出范围"),
        },
    )
    def get(self, request):
        page = parsing.integer(request.query_params.get("page", "1"), field="page", min_value=1, max_value=10**9)
        try:
            package = opendata.package_page(uri=request.build_absolute_uri(request.path), page=page)
        except opendata.PageOutOfRange:
            raise exceptions.NotFound("页码超出范围。") from None
        return JsonResponse(package, json_dumps_params={"ensure_ascii": False})
