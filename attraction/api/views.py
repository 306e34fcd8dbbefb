"""API for investment attraction. Reads through selectors (scoped to the user), writes through services."""

from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from anshan_projects import parsing, periods
from projects.access import Action

from .. import selectors, services
from ..choices import BulletinStatus
from . import serializers as s

MONTH_PARAM = OpenApiParameter("month", str, description="YYYY-MM(默认上月)")
REGION_PARAM = OpenApiParameter("region", str, description="县区标识、区划代码或ID")


def _region(request):
    key = request.query_params.get("region")
    return selectors.region_get(user=request.user, key=key) if key else None


def _region_ref(region):
    return {"id": region.pk, "key": region.key, "name": region.name}


class PoolsView(APIView):
    @extend_schema(parameters=[REGION_PARAM], responses=s.BoardSerializer, summary="“四个一批”项目库")
    def get(self, request):
        board = selectors.pool_board(user=request.user, region=_region(request))
        data = {"city": board["city"], "regions": [{"region": _region_ref(r["region"]), "pools": r["pools"]}
                                                   for r in board["regions"]]}  # fmt: skip
        return Response(s.BoardSerializer(data).data)


class FlowsView(APIView):
    @extend_schema(parameters=[MONTH_PARAM, REGION_PARAM], responses=s.FlowsSerializer, summary="项目库流转")
    def get(self, request):
        raw = request.query_params.get("month")
        month = periods.parse_month(raw) if raw else periods.previous_month(timezone.localdate())
        flows = selectors.pool_flows(user=request.user, month=month, region=_region(request))
        data = {"month": month, "transitions": flows["transitions"],
                "pools": [{"stage": stage, **values} for stage, values in flows["pools"].items()]}  # fmt: skip
        return Response(s.FlowsSerializer(data).data)


def _project(request, pk, action=Action.CHANGE):
    return selectors.attraction_project_get(user=request.user, pk=pk, action=action)


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Investment-attraction records, one per project (the id is the project's id). POST creates or updates."""

    serializer_class = s.RecordSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.record_list(user=self.request.user)

    def perform_create(self, serializer):
        self._save(serializer, serializer.validated_data.pop("project_id"))

    def perform_update(self, serializer):
        serializer.validated_data.pop("project_id", None)
        self._save(serializer, serializer.instance.project_id)

    def _save(self, serializer, project_id):
        data = serializer.validated_data
        current = serializer.instance
        fields = {f: data.get(f, getattr(current, f, "")) for f in ("investor_region", "contacts_visited", "notes")}
        serializer.instance = services.record_save(
            user=self.request.user,
            project=_project(self.request, project_id),
            lead_source=data.get("lead_source", getattr(current, "lead_source", None)),
            **fields,
        )


@extend_schema(parameters=[OpenApiParameter("project", int)])
class FollowUpViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.FollowUpSerializer

    def get_queryset(self):
        qs = selectors.follow_up_list(user=self.request.user)
        project = parsing.optional_object_id(self.request.query_params.get("project"), field="project")
        return qs.filter(project_id=project) if project else qs

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.follow_up_add(
            user=self.request.user,
            project=_project(self.request, data["project_id"], Action.VIEW),
            level=data["level"],
            leader=data["leader"],
            followed_on=data["followed_on"],
            summary=data["summary"],
        )


class _EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):  # fmt: skip
    """City-wide events; the projects listed on them are those in the caller's scope."""

    def get_serializer_class(self):
        return self.detail_serializer if self.action == "retrieve" else self.list_serializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve":
            context["lines"] = self.lines(user=self.request.user, event=self.get_object())
        return context

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        return Response(self.detail_serializer(event, context=self.get_serializer_context()).data)

    def _lines(self, serializer):
        return [(_project(self.request, line["project"]), line["amount"])
                for line in serializer.validated_data.pop("lines", [])]  # fmt: skip

    @extend_schema(request=s.EventLineSerializer, responses={201: s.EventLineSerializer})
    @action(detail=True, methods=["post"], url_path="lines")
    def lines_add(self, request, pk=None):
        event = self.get_object()
        serializer = s.EventLineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        extra = {"move_stage": data["move_stage"]}
        if self.kind == "start":
            extra["start_type"] = data["start_type"]
        line = self.add_line(user=request.user, event=event, project=_project(request, data["project_id"]),
                             amount=data["amount"], **extra)  # fmt: skip
        return Response(s.EventLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EventLineRemoveSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path=r"lines/(?P<line_pk>[0-9]+)/remove")
    def lines_remove(self, request, pk=None, line_pk=None):
        """Take a project off the event; ``undo_stage`` (with ``reason``) undoes the stage change it recorded."""
        event = self.get_object()
        line = self.lines(user=request.user, event=event).filter(pk=line_pk).select_related("event").first()
        if line is None:
            raise Http404
        payload = s.EventLineRemoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.event_line_remove(user=request.user, line=line, **payload.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SigningEventViewSet(_EventViewSet):
    list_serializer = s.SigningEventSerializer
    detail_serializer = s.SigningEventDetailSerializer
    lines = staticmethod(selectors.signing_lines)
    add_line = staticmethod(services.signing_line_add)
    kind = "signing"

    def get_queryset(self):
        return selectors.signing_event_list(user=self.request.user)

    def perform_create(self, serializer):
        lines = self._lines(serializer)
        event = services.signing_event_create(user=self.request.user, lines=lines, **serializer.validated_data)
        serializer.instance = selectors.signing_event_get(user=self.request.user, pk=event.pk)


class StartEventViewSet(_EventViewSet):
    list_serializer = s.StartEventSerializer
    detail_serializer = s.StartEventDetailSerializer
    lines = staticmethod(selectors.start_lines)
    add_line = staticmethod(services.start_line_add)
    kind = "start"

    def get_queryset(self):
        return selectors.start_event_list(user=self.request.user)

    def perform_create(self, serializer):
        lines = self._lines(serializer)
        event = services.start_event_create(user=self.request.user, lines=lines, **serializer.validated_data)
        serializer.instance = selectors.start_event_get(user=self.request.user, pk=event.pk)


@extend_schema(parameters=[OpenApiParameter("project", int), OpenApiParameter("year", int), REGION_PARAM,
                           MONTH_PARAM])  # fmt: skip
class CapitalViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Capital actually in place per project and month. POST sets the month's figure (creates or corrects)."""

    serializer_class = s.CapitalSerializer

    def get_queryset(self):
        qs = selectors.capital_list(user=self.request.user)
        params = self.request.query_params
        project = parsing.optional_object_id(params.get("project"), field="project")
        if project:
            qs = qs.filter(project_id=project)
        year = parsing.optional_year(params.get("year"))
        if year:
            qs = qs.filter(month__year=year)
        if params.get("month"):
            qs = qs.filter(month=periods.parse_month(params["month"]))
        if params.get("region"):
            qs = qs.filter(project__region=_region(self.request))
        return qs

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row, created = services.capital_record(user=request.user, project=_project(request, data["project_id"]),
                                               month=data["month"], amount=data["amount"])  # fmt: skip
        return Response(
            self.get_serializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(parameters=[OpenApiParameter("year", int)])
class TargetViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Annual targets per county: everyone sees those of their scope; administrators set them (POST upserts)."""

    serializer_class = s.TargetSerializer

    def get_queryset(self):
        year = parsing.optional_year(self.request.query_params.get("year"))
        return selectors.target_list(user=self.request.user, year=year)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if not selectors.is_admin(self.request.user):
            raise Http404
        region = selectors.region_get(user=self.request.user, key=data.pop("region"))
        serializer.instance = services.target_set(user=self.request.user, region=region, **data)


class BulletinViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monthly bulletins for the mayor: leadership, administrators and report managers only (others: 404)."""

    serializer_class = s.BulletinSerializer

    def get_queryset(self):
        return selectors.bulletin_list(user=self.request.user)

    @extend_schema(request=s.BulletinRequestSerializer, responses={202: s.BulletinSerializer})
    def create(self, request):
        if not selectors.can_use_bulletins(request.user):
            raise Http404
        serializer = s.BulletinRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        month = periods.parse_month(serializer.validated_data["month"])
        run, _ = services.bulletin_request(user=request.user, month=month)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    def _download(self, kind):
        run = self.get_object()
        field = getattr(run, kind)
        if run.status != BulletinStatus.DONE or not field:
            raise Http404("月报尚未生成。")
        return FileResponse(field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1])

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiResponse(OpenApiTypes.BINARY)})  # fmt: skip
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk=None):
        return self._download("xlsx")

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return self._download("pdf")
