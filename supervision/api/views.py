from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common import parsing
from common.api import StrictPagination
from projects.access import Action
from projects.filters import ProjectFilterSet
from projects.selectors import project_get, project_queryset

from .. import selectors, services
from ..choices import FLAGS, Light, OrderStatus
from .serializers import (
    LightCountSerializer,
    MapSerializer,
    MonthlyPlanSerializer,
    OrderDetailSerializer,
    OrderIssueSerializer,
    OrderReplyInputSerializer,
    OrderReviewSerializer,
    OrderSerializer,
    ProjectLightSerializer,
)

BOOLEAN_VALUES = ("true", "false", "1", "0")


def _period(value):
    if value in (None, ""):
        return selectors.current_period()
    return parsing.month(value, field="period")


def _choice(params, name, values):
    value = params.get(name)
    if value not in (None, "") and value not in values:
        raise ValidationError({name: [f"应为 {', '.join(values)} 之一。"]})
    return value or None


PERIOD = OpenApiParameter("period", str, description="月份 YYYY-MM,默认本月")
LIGHT_PARAMS = [
    PERIOD,
    OpenApiParameter("light", str, enum=Light.values, description="序时进度灯"),
    OpenApiParameter("overall", str, enum=Light.values, description="综合灯"),
    OpenApiParameter("flag", str, enum=list(FLAGS), description="预警"),
]


class LightViewSet(viewsets.GenericViewSet):
    """Projects in the caller's scope with their lights for a period; the project list's filters apply."""

    serializer_class = ProjectLightSerializer
    filter_backends = []
    pagination_class = StrictPagination

    def get_queryset(self):
        params = self.request.query_params
        period = _period(params.get("period"))
        _choice(params, "light", Light.values)
        _choice(params, "overall", Light.values)
        _choice(params, "flag", list(FLAGS))
        filterset, qs = selectors.filtered_lights(user=self.request.user, params=params, period=period)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return qs.order_by("-behind", "-total_investment", "id")

    @extend_schema(parameters=LIGHT_PARAMS)
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[
            PERIOD,
            OpenApiParameter("by", str, enum=[*selectors.GROUP_BY], description="分组:县区、产业、类别、部门"),
            OpenApiParameter("field", str, enum=["light", "overall"], description="按序时进度灯或综合灯计数"),
        ],
        responses=LightCountSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request):
        period = _period(request.query_params.get("period"))
        by = request.query_params.get("by", "region")
        field = request.query_params.get("field", "light")
        if by not in selectors.GROUP_BY:
            return Response({"by": [f"应为 {', '.join(selectors.GROUP_BY)} 之一。"]}, status=400)
        if field not in ("light", "overall"):
            return Response({"field": ["应为 light 或 overall。"]}, status=400)
        rows = selectors.light_counts(user=request.user, period=period, by=by, field=field)
        return Response(LightCountSerializer(rows, many=True).data)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Supervision orders (督办单) in the caller's scope; issue, reply, accept (销号), send back."""

    filter_backends = []
    pagination_class = StrictPagination
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OrderDetailSerializer
        if self.action == "create":
            return OrderIssueSerializer
        if self.action == "reply":
            return OrderReplyInputSerializer
        if self.action in ("accept", "send_back"):
            return OrderReviewSerializer
        return OrderSerializer

    def get_queryset(self):
        params = self.request.query_params
        status_ = _choice(params, "status", OrderStatus.values) if self.action == "list" else None
        overdue = _choice(params, "overdue", BOOLEAN_VALUES) if self.action == "list" else None
        qs = selectors.order_list(
            user=self.request.user,
            status=status_,
            overdue=None if overdue is None else overdue in ("1", "true"),
        )
        if self.action == "retrieve":
            qs = qs.prefetch_related("replies__attachments", "replies__author", "history__actor")
        return qs

    def _order(self, pk):
        return selectors.order_get(user=self.request.user, pk=pk)

    def _detail(self, order, code=status.HTTP_200_OK):
        order = (
            self.get_queryset()
            .prefetch_related("replies__attachments", "replies__author", "history__actor")
            .get(pk=order.pk)
        )
        return Response(OrderDetailSerializer(order, context={"request": self.request}).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=OrderStatus.values),
            OpenApiParameter("overdue", bool, description="只看曾逾期的(true)或从未逾期的(false)"),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=OrderIssueSerializer, responses={201: OrderDetailSerializer})
    def create(self, request):
        serializer = OrderIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = project_get(user=request.user, pk=data["project"])
        problem = None
        if data.get("problem"):
            problem = selectors.problems_for(user=request.user, project=project).filter(pk=data["problem"]).first()
            if problem is None:
                return Response({"problem": ["该项目没有这个待解决问题。"]}, status=400)
        contact = None
        if data.get("unit_contact"):
            contact = selectors.contact_by_username(data["unit_contact"], project=project)
            if contact is None:
                return Response({"unit_contact": [selectors.CONTACT_REFUSED]}, status=400)
        if not services.can_issue(request.user):
            raise PermissionDenied
        order = services.order_issue(
            user=request.user,
            project=project,
            problem=problem,
            requirement=data["requirement"],
            unit_kind=data["unit_kind"],
            unit_region=data.get("unit_region"),
            unit_department=data.get("unit_department"),
            unit_contact=contact,
            deadline=data.get("deadline"),
        )
        return self._detail(order, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": OrderReplyInputSerializer}, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def reply(self, request, pk=None):
        order = self._order(pk)
        text = request.data.get("text", "")
        files = request.FILES.getlist("attachments") if hasattr(request.FILES, "getlist") else []
        services.order_reply(user=request.user, order=order, text=text, attachments=files)
        return self._detail(order)

    @extend_schema(request=OrderReviewSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        order = self._order(pk)
        serializer = OrderReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_accept(user=request.user, order=order, note=serializer.validated_data.get("note", ""))
        return self._detail(order)

    @extend_schema(request=OrderReviewSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        order = self._order(pk)
        serializer = OrderReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_send_back(
            user=request.user,
            order=order,
            note=serializer.validated_data.get("note", ""),
            deadline=serializer.validated_data.get("deadline"),
        )
        return self._detail(order)


class MapView(APIView):
    """The project map's data in the caller's scope: per region count and planned total, and each
    project with coordinates as a point with its light. The project list's filters apply."""

    @extend_schema(
        parameters=[PERIOD, OpenApiParameter("metric", str, enum=["count", "investment"])],
        responses=MapSerializer,
    )
    def get(self, request):
        period = _period(request.query_params.get("period"))
        metric = _choice(request.query_params, "metric", ["count", "investment"]) or "count"
        filterset = ProjectFilterSet(request.query_params, queryset=project_queryset(user=request.user))
        if not filterset.is_valid():
            return Response(filterset.errors, status=400)
        data = selectors.map_data(user=request.user, queryset=filterset.qs, period=period, metric=metric)
        base = QueryDict(mutable=True)
        for key, values in request.query_params.lists():
            if key not in ("region", "metric", "page"):
                base.setlist(key, values)
        light_list = reverse("supervision:lights")
        for region in data["regions"]:
            query = base.copy()
            query["region"] = str(region["id"])
            region["list_url"] = f"{light_list}?{query.urlencode()}"
        for point in data["points"]:
            point["url"] = reverse("supervision:project_lights", args=[point["id"]])
        return Response(MapSerializer(data).data)


class MonthlyPlanView(APIView):
    """A project's monthly plan (序时进度) for a year: GET ?project=&year=, PUT replaces it."""

    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[OpenApiParameter("project", int, required=True), OpenApiParameter("year", int, required=True)],
        responses=MonthlyPlanSerializer,
    )
    def get(self, request):
        params = request.query_params
        if not params.get("project") or not params.get("year"):
            return Response({"project": ["须提供 project 与 year。"]}, status=400)
        project_id = parsing.object_id(params["project"], field="project")
        year = parsing.year(params["year"])
        project = project_get(user=request.user, pk=project_id)
        plans = selectors.monthly_plans(user=request.user, project=project, year=year)
        data = {"project": project.pk, "year": year, "percents": {str(p.month): p.cumulative_percent for p in plans}}
        return Response(MonthlyPlanSerializer(data).data)

    @extend_schema(request=MonthlyPlanSerializer, responses=MonthlyPlanSerializer)
    def put(self, request):
        serializer = MonthlyPlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = project_get(user=request.user, pk=data["project"], action=Action.CHANGE)
        plans = services.monthly_plan_set(
            user=request.user, project=project, year=data["year"], percents=data["percents"]
        )
        result = {
            "project": project.pk,
            "year": data["year"],
            "percents": {str(p.month): p.cumulative_percent for p in plans},
        }
        return Response(MonthlyPlanSerializer(result).data)
