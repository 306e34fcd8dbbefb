from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from common import parsing
from common.api import StrictPagination
from projects.access import can_handle_service
from projects.selectors import people_all, project_get

from .. import selectors, services
from ..choices import TaskStatus
from .serializers import (
    ConfirmSerializer,
    ContactInputSerializer,
    FiguresSerializer,
    FinishSerializer,
    NoteSerializer,
    RefuseSerializer,
    ServiceKindSerializer,
    TaskDetailSerializer,
    TaskRequestSerializer,
    TaskSerializer,
    ToOrderSerializer,
    ToProblemSerializer,
)

BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
LIST_PARAMS = [
    OpenApiParameter("status", str, enum=TaskStatus.values),
    OpenApiParameter("kind", int, description="服务事项类型 id"),
    OpenApiParameter("region", int, description="县区 id"),
    OpenApiParameter("project", int, description="项目 id"),
    OpenApiParameter("overdue", bool, description="true:逾期未办结;false:其余"),
]


def _optional_id(params, name):
    return parsing.optional_object_id(params.get(name, ""), field=name)


class ServiceTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service tasks (帮办代办) in the caller's scope; request, accept, start, refuse, finish, record a
    contact, the enterprise's confirmation, turn into a problem or a supervision order."""

    filter_backends = []
    pagination_class = StrictPagination
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        return TaskDetailSerializer if self.action == "retrieve" else TaskSerializer

    def get_queryset(self):
        if self.action != "list":
            return (
                selectors.task_queryset(user=self.request.user)
                .select_related("project__region", "kind", "owner_unit")
                .prefetch_related("contacts__attachments", "contacts__recorded_by", "events__actor")
            )
        params = self.request.query_params
        status_ = params.get("status") or None
        if status_ is not None and status_ not in TaskStatus.values:
            raise ValidationError({"status": [f"应为 {', '.join(TaskStatus.values)} 之一。"]})
        overdue = params.get("overdue") or None
        if overdue is not None and overdue not in BOOLEAN:
            raise ValidationError({"overdue": ["应为 true 或 false。"]})
        project_id = _optional_id(params, "project")
        project = project_get(user=self.request.user, pk=project_id) if project_id else None
        return selectors.task_list(
            user=self.request.user,
            status=status_,
            kind=_optional_id(params, "kind"),
            region=_optional_id(params, "region"),
            overdue=None if overdue is None else BOOLEAN[overdue],
            project=project,
        )

    @extend_schema(parameters=LIST_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _task(self, pk):
        return selectors.task_get(user=self.request.user, pk=parsing.object_id(pk, field="id"))

    def _handled(self, pk):
        """A task the caller may move along: outside scope 404, visible but not theirs 403."""
        task = self._task(pk)
        if not can_handle_service(self.request.user, task):
            raise PermissionDenied("只有责任单位、责任人、项目管家或包保领导可以办理该事项。")
        return task

    def _detail(self, task, code=status.HTTP_200_OK):
        task = self.get_queryset().get(pk=task.pk)
        return Response(TaskDetailSerializer(task, context={"request": self.request}).data, status=code)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=TaskRequestSerializer, responses={201: TaskDetailSerializer})
    def create(self, request):
        data = dict(self._input(TaskRequestSerializer))
        project = project_get(user=request.user, pk=data.pop("project"))
        person_id = data.pop("owner_person", None)
        person = None
        if person_id:
            # Only among the people a task may be given to (the form's list): anybody else, another
            # county's staff included, reads as a made-up id (no existence oracle).
            person = people_all().filter(services.owner_candidates_q(project), pk=person_id).distinct().first()
            if person is None:
                raise ValidationError({"owner_person": ["责任人不存在。"]})
        task = services.task_request(user=request.user, project=project, owner_person=person, **data)
        return self._detail(task, status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        task = services.task_accept(user=request.user, task=self._handled(pk), **self._input(NoteSerializer))
        return self._detail(task)

    @extend_schema(request=NoteSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        task = services.task_start(user=request.user, task=self._handled(pk), **self._input(NoteSerializer))
        return self._detail(task)

    @extend_schema(request=RefuseSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        task = services.task_refuse(user=request.user, task=self._handled(pk), **self._input(RefuseSerializer))
        return self._detail(task)

    @extend_schema(request=FinishSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        task = services.task_finish(user=request.user, task=self._handled(pk), **self._input(FinishSerializer))
        return self._detail(task)

    @extend_schema(request={"multipart/form-data": ContactInputSerializer}, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def contacts(self, request, pk=None):
        task = self._handled(pk)
        data = dict(self._input(ContactInputSerializer))
        data.pop("attachments", None)
        files = request.FILES.getlist("attachments") if hasattr(request.FILES, "getlist") else []
        services.contact_record(user=request.user, task=task, attachments=files, **data)
        return self._detail(task, status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        task = services.task_confirm(user=request.user, task=self._handled(pk), **self._input(ConfirmSerializer))
        return self._detail(task)

    @extend_schema(request=ToProblemSerializer, responses={201: TaskDetailSerializer})
    @action(detail=True, methods=["post"], url_path="to-problem")
    def to_problem(self, request, pk=None):
        task = self._handled(pk)
        services.task_to_problem(user=request.user, task=task, **self._input(ToProblemSerializer))
        return self._detail(task, status.HTTP_201_CREATED)

    @extend_schema(request=ToOrderSerializer, responses={201: TaskDetailSerializer})
    @action(detail=True, methods=["post"], url_path="to-order")
    def to_order(self, request, pk=None):
        task = self._task(pk)
        services.task_to_order(user=request.user, task=task, **self._input(ToOrderSerializer))
        return self._detail(task, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=[*selectors.GROUPS], description="按项目管家、责任单位或县区"),
            OpenApiParameter("start", str, description="申请日期起 YYYY-MM-DD"),
            OpenApiParameter("end", str, description="申请日期止 YYYY-MM-DD"),
        ],
        responses=FiguresSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def figures(self, request):
        params = request.query_params
        by = params.get("by", "region")
        if by not in selectors.GROUPS:
            raise ValidationError({"by": [f"应为 {', '.join(selectors.GROUPS)} 之一。"]})
        start = parsing.optional_day(params.get("start", ""), field="start")
        end = parsing.optional_day(params.get("end", ""), field="end")
        rows, total = selectors.task_figures(user=request.user, by=by, start=start, end=end)
        return Response(FiguresSerializer({"rows": rows, "total": total}).data)


class ServiceKindViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The kinds of service (reference data an administrator edits)."""

    serializer_class = ServiceKindSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return selectors.kinds()
