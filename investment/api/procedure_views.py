"""API of the procedure engine: a project's plan, a department's queue, freezing the plan, 容缺受理 and
补正. Reads through investment.procedure_selectors (the user's scope, or the items a unit owes), writes
through investment.procedure_services; one view per action. Outside scope: 404, the same as missing."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import created
from projects.access import Action
from projects.selectors import project_get

from .. import procedure_selectors as selectors
from .. import procedure_services as services


class PlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    name = serializers.CharField()
    responsible_unit = serializers.CharField()
    department = serializers.IntegerField(source="department_id", allow_null=True)
    status = serializers.CharField()
    planned_start = serializers.DateField(allow_null=True)
    planned_finish = serializers.DateField(source="planned_date", allow_null=True)
    actual_start = serializers.DateField(source="started_on", allow_null=True)
    actual_finish = serializers.DateField(source="actual_date", allow_null=True)
    critical = serializers.BooleanField(source="is_critical")
    depends_on = serializers.SerializerMethodField()
    accepted_with_deficiency = serializers.BooleanField()
    deficiency_note = serializers.CharField()
    deficiency_deadline = serializers.DateField(allow_null=True)
    deficiency_made_good_on = serializers.DateField(allow_null=True)

    def get_depends_on(self, item) -> list[int]:
        return [d.pk for d in item.waits_for]


class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project.name")
    region = serializers.CharField(source="project.region.name")
    name = serializers.CharField()
    status = serializers.CharField()
    planned_start = serializers.DateField(allow_null=True)
    due = serializers.DateField(source="planned_date", allow_null=True)
    critical = serializers.BooleanField(source="is_critical")
    green_channel = serializers.BooleanField()
    deficiency_deadline = serializers.DateField(allow_null=True)
    blocks = serializers.SerializerMethodField()

    def get_blocks(self, item) -> list[str]:
        return [b.name for b in item.blocks]


class FreezeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PlanVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    is_baseline = serializers.BooleanField()
    construction_start = serializers.DateField(allow_null=True)


class DeficiencySerializer(serializers.Serializer):
    missing = serializers.CharField()
    deadline = serializers.DateField()


class MadeGoodSerializer(serializers.Serializer):
    on = serializers.DateField()


@contextmanager
def _refusals():
    """A service's refusal on an object the caller can see: 403 (outside scope the load answered 404)."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


class ProcedurePlanView(APIView):
    @extend_schema(
        responses=PlanItemSerializer(many=True),
        description="项目审批手续计划:事项、计划与实际日期、关键路径、前置事项。",
    )
    def get(self, request, project_pk):
        project = project_get(user=request.user, pk=project_pk)
        items = selectors.procedure_plan_items(user=request.user, project=project)
        return Response(PlanItemSerializer(items, many=True).data)


class ProcedurePlanFreezeView(APIView):
    @extend_schema(
        request=FreezeSerializer, responses={201: PlanVersionSerializer}, description="冻结当前计划(首次为基线)。"
    )
    def post(self, request, project_pk):
        project = project_get(user=request.user, pk=project_pk)
        data = FreezeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _refusals():
            plan = services.procedure_plan_freeze(user=request.user, project=project, **data.validated_data)
        return created(PlanVersionSerializer(plan).data)


class ProcedureQueueView(APIView):
    @extend_schema(responses=QueueItemSerializer(many=True), description="部门待办手续:绿色通道优先,按期限排序。")
    def get(self, request, department_pk):
        department = selectors.queue_department_get(user=request.user, pk=department_pk)
        items = selectors.procedure_queue(user=request.user, department=department)[:500]
        return Response(QueueItemSerializer(items, many=True).data)


class ProcedureDeficiencyView(APIView):
    @extend_schema(
        request=DeficiencySerializer, responses=PlanItemSerializer, description="容缺受理:写明待补正材料和补正期限。"
    )
    def post(self, request, pk):
        item = selectors.procedure_item_get(user=request.user, pk=pk)  # outside scope: 404 first
        data = DeficiencySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _refusals():
            services.procedure_accept_with_deficiency(user=request.user, item=item, **data.validated_data)
        return Response(_one(request.user, item))


class ProcedureMadeGoodView(APIView):
    @extend_schema(request=MadeGoodSerializer, responses=PlanItemSerializer, description="补正完成。")
    def post(self, request, pk):
        item = selectors.procedure_item_get(user=request.user, pk=pk)
        data = MadeGoodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _refusals():
            services.procedure_deficiency_made_good(user=request.user, item=item, **data.validated_data)
        return Response(_one(request.user, item))


def _one(user, item):
    fresh = selectors.procedure_item_get(user=user, pk=item.pk, action=Action.VIEW)
    fresh.waits_for = list(fresh.depends_on.only("id"))
    return PlanItemSerializer(fresh).data
