"""API for investment attraction. Reads through selectors (scoped to the user), writes through services."""

from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common import parsing, periods
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
                                               month=data["month"], amount=data["amount"],
                                               foreign_amount=data.get("foreign_amount"))  # fmt: skip
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


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: E402


def _ref(get, value, field, what):
    """An id in the request body: missing or outside scope is the same 400 naming the field."""
    if value is None:
        return None
    try:
        return get(value)
    except Http404:
        raise DjangoValidationError({field: f"{what}不存在。"}) from None


def _region_ref_by_id(request, value, field="region"):
    return _ref(lambda pk: selectors.region_by_id(user=request.user, pk=pk), value, field, "县区")


def _projects(request, ids, field="projects"):
    return [
        _ref(lambda pk: _project(request, pk, Action.VIEW), pk, f"{field}[{i}]", "项目") for i, pk in enumerate(ids)
    ]


def _year_param(request):
    raw = request.query_params.get("year")
    return parsing.year(raw, field="year") if raw else timezone.localdate().year


YEAR_PARAM = OpenApiParameter("year", int, description="年度(默认今年)")


class _OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Reads through selectors (scoped), writes through one service; the answer is the created row re-read."""

    def create(self, request, *args, **kwargs):
        serializer = (self.input_serializer or self.get_serializer_class())(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform(serializer.validated_data)
        return Response(self.output(obj), status=status.HTTP_201_CREATED)

    input_serializer = None

    def output(self, obj):
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        return self.get_serializer(fresh).data


@extend_schema(parameters=[YEAR_PARAM])
class TaskForceViewSet(_OrgViewSet):
    serializer_class = s.TaskForceSerializer
    input_serializer = s.TaskForceInputSerializer

    def get_queryset(self):
        return selectors.task_force_list(user=self.request.user, year=_year_param(self.request))

    @extend_schema(request=s.TaskForceInputSerializer, responses={201: s.TaskForceSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform(self, data):
        from projects.selectors import people_all, sectors_all

        members = list(people_all().filter(pk__in=data["members"]))
        if len(members) != len(set(data["members"])):
            raise DjangoValidationError({"members": "用户不存在。"})
        sectors = list(sectors_all().filter(pk__in=data["sectors"]))
        if len(sectors) != len(set(data["sectors"])):
            raise DjangoValidationError({"sectors": "产业不存在。"})
        return services.task_force_create(
            user=self.request.user, name=data["name"], level=data["level"],
            region=_region_ref_by_id(self.request, data["region"]), leader=data["leader"],
            coordinator=data["coordinator"], notes=data["notes"], members=members, sectors=sectors,
            projects=_projects(self.request, data["projects"]),
        )  # fmt: skip

    @extend_schema(
        request=s.MeetingSerializer, responses={200: s.MeetingSerializer(many=True), 201: s.MeetingSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def meetings(self, request, pk=None):
        task_force = self.get_object()
        if request.method == "GET":
            rows = selectors.task_force_meetings(user=request.user, task_force=task_force)[:500]
            return Response(s.MeetingSerializer(rows, many=True).data)
        serializer = s.MeetingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.task_force_meeting_add(user=request.user, task_force=task_force, **serializer.validated_data)
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[YEAR_PARAM])
class ZoneViewSet(_OrgViewSet):
    serializer_class = s.ZoneSerializer
    input_serializer = s.ZoneInputSerializer

    def get_queryset(self):
        return selectors.zone_list(user=self.request.user, year=_year_param(self.request))

    @extend_schema(request=s.ZoneInputSerializer, responses={201: s.ZoneSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform(self, data):
        from projects.selectors import sectors_all

        sectors = list(sectors_all().filter(pk__in=data["sectors"]))
        if len(sectors) != len(set(data["sectors"])):
            raise DjangoValidationError({"sectors": "产业不存在。"})
        region = _region_ref_by_id(self.request, data["region"])
        return services.zone_create(
            user=self.request.user, name=data["name"], region=region, operator=data["operator"],
            company_run=data["company_run"], is_region=data["is_region"],
            leading_industries=data["leading_industries"], sectors=sectors,
            projects=_projects(self.request, data["projects"]),
        )  # fmt: skip


@extend_schema(parameters=[YEAR_PARAM])
class BudgetViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Budgets per year and unit (city: region null). POST sets a unit's budget (administrators)."""

    serializer_class = s.BudgetSerializer

    def get_queryset(self):
        year = self.request.query_params.get("year")
        return selectors.budget_list(user=self.request.user, year=parsing.year(year) if year else None)

    def create(self, request, *args, **kwargs):
        serializer = s.BudgetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        budget = services.budget_set(user=request.user, year=data["year"], amount=data["amount"],
                                     region=_region_ref_by_id(request, data.get("region_id")))  # fmt: skip
        fresh = selectors.budget_list(user=request.user).get(pk=budget.pk)
        return Response(s.BudgetSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.FundSummarySerializer, summary="招商经费:预算、支出进度与保底")
    @action(detail=False, methods=["get"])
    def summary(self, request):
        return Response(
            s.FundSummarySerializer(selectors.fund_summary(user=request.user, year=_year_param(request))).data
        )


class SpendingViewSet(_OrgViewSet):
    serializer_class = s.SpendingSerializer

    def get_queryset(self):
        return selectors.spending_list(user=self.request.user).prefetch_related("attachments")

    def perform(self, data):
        budget = _ref(
            lambda pk: selectors.budget_get(user=self.request.user, pk=pk), data["budget_id"], "budget", "预算"
        )
        event = _ref(lambda pk: selectors.outreach_get(user=self.request.user, pk=pk), data.get("event_id"), "event",
                     "招商活动")  # fmt: skip
        return services.spending_submit(user=self.request.user, budget=budget, spent_on=data["spent_on"],
                                        amount=data["amount"], purpose=data["purpose"],
                                        description=data["description"], event=event)  # fmt: skip

    @extend_schema(request=s.DecisionSerializer, responses=s.SpendingSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        spending = self.get_object()
        serializer = s.DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.spending_decide(user=request.user, spending=spending, **serializer.validated_data)
        return Response(self.output(spending))

    @extend_schema(request={"multipart/form-data": s.AttachmentUploadSerializer}, responses={201: s.SpendingSerializer})
    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        spending = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise DjangoValidationError({"file": "请选择文件。"})
        services.spending_attach(user=request.user, spending=spending, upload=upload)
        return Response(self.output(spending), status=status.HTTP_201_CREATED)


@extend_schema(parameters=[YEAR_PARAM, OpenApiParameter("kind", str)])
class OutreachViewSet(_OrgViewSet):
    serializer_class = s.OutreachSerializer

    def get_queryset(self):
        params = self.request.query_params
        year = parsing.year(params["year"]) if params.get("year") else None
        return selectors.outreach_list(user=self.request.user, year=year, kind=params.get("kind") or None)

    def perform(self, data):
        zones = {z.pk: z for z in selectors.zone_list(user=self.request.user)}
        participants = []
        for i, p in enumerate(data.get("participants", [])):
            zone = None
            if p["zone"] is not None:
                zone = zones.get(p["zone"])
                if zone is None:
                    raise DjangoValidationError({f"participants[{i}]": "开发区不存在。"})
            region = _region_ref_by_id(self.request, p["region"], f"participants[{i}]")
            participants.append((p["level"], region, zone, p["name"]))
        task_force = _ref(lambda pk: selectors.task_force_get(user=self.request.user, pk=pk), data.get("task_force_id"),
                          "task_force", "招商专班")  # fmt: skip
        return services.outreach_create(
            user=self.request.user, kind=data["kind"], name=data["name"], held_on=data["held_on"],
            place=data.get("place", ""), counterpart=data.get("counterpart", ""),
            region=_region_ref_by_id(self.request, data.get("region_id")), task_force=task_force,
            outcome=data.get("outcome", ""), projects=_projects(self.request, data.get("projects", [])),
            participants=participants,
        )  # fmt: skip

    @extend_schema(parameters=[YEAR_PARAM], responses=s.OutreachMonthlySerializer, summary="招商活动按月次数")
    @action(detail=False, methods=["get"])
    def monthly(self, request):
        return Response(s.OutreachMonthlySerializer(selectors.outreach_monthly(user=request.user,
                                                                                year=_year_param(request))).data)  # fmt: skip


class InvestorViewSet(_OrgViewSet):
    serializer_class = s.InvestorSerializer

    def get_queryset(self):
        return selectors.investor_list(user=self.request.user)

    def perform(self, data):
        group = _ref(lambda pk: selectors.investor_get(user=self.request.user, pk=pk), data.get("group_id"), "group",
                     "投资方")  # fmt: skip
        return services.investor_create(user=self.request.user, name=data["name"], kind=data["kind"],
                                        home=data.get("home", ""), group=group, notes=data.get("notes", ""),
                                        projects=_projects(self.request, data.get("projects", [])))  # fmt: skip


@extend_schema(parameters=[OpenApiParameter("investor", int)])
class VisitViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.VisitSerializer

    def get_queryset(self):
        qs = selectors.visit_list(user=self.request.user)
        investor = parsing.optional_object_id(self.request.query_params.get("investor"), field="investor")
        return qs.filter(investor_id=investor) if investor else qs

    def perform_create(self, serializer):
        data = serializer.validated_data
        investor = _ref(lambda pk: selectors.investor_get(user=self.request.user, pk=pk), data["investor_id"],
                        "investor", "投资方")  # fmt: skip
        serializer.instance = services.visit_add(
            user=self.request.user, investor=investor, visited_on=data["visited_on"], visitors=data["visitors"],
            outcome=data["outcome"], summary=data["summary"], region=_region_ref_by_id(self.request, data["region_id"]),
        )  # fmt: skip


class PhaseViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Phase-2 projects (增资扩产) linked to their phase 1; ``reinvestment`` gives the count and investment."""

    serializer_class = s.PhaseSerializer

    def get_queryset(self):
        return selectors.phase_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        project = _ref(lambda pk: _project(self.request, pk, Action.CHANGE), data["project_id"], "project", "项目")
        phase_one = _ref(lambda pk: _project(self.request, pk, Action.VIEW), data["phase_one_id"], "phase_one", "项目")
        investor = _ref(lambda pk: selectors.investor_get(user=self.request.user, pk=pk), data.get("investor_id"),
                        "investor", "投资方")  # fmt: skip
        visit = _ref(lambda pk: selectors.visit_get(user=self.request.user, pk=pk), data.get("visit_id"), "visit",
                     "回访记录")  # fmt: skip
        link = services.phase_link(user=self.request.user, project=project, phase_one=phase_one, investor=investor,
                                   visit=visit)  # fmt: skip
        serializer.instance = selectors.phase_list(user=self.request.user).get(pk=link.pk)

    @extend_schema(responses=s.ReinvestmentSerializer, summary="增资扩产(二期)项目数与投资")
    @action(detail=False, methods=["get"])
    def reinvestment(self, request):
        return Response(s.ReinvestmentSerializer(selectors.reinvestment(user=request.user)).data)


# --- chains, assessment, overdue follow-ups (helper "chains") ---------------------------------------
class ChainRollupView(APIView):
    @extend_schema(responses=s.SectorKindRollupSerializer(many=True), summary="产业链、产业集群、特色产业汇总")
    def get(self, request):
        kinds = selectors.chain_rollup(user=request.user)
        return Response(s.SectorKindRollupSerializer([{**k, "kind": str(k["kind"]), "label": str(k["label"])}
                                                      for k in kinds], many=True).data)  # fmt: skip


class AssessmentView(APIView):
    @extend_schema(parameters=[OpenApiParameter("year", int, description="年度(默认今年)")],
                   responses=s.AssessmentSerializer, summary="招商引资专项考核(得分、档次)")  # fmt: skip
    def get(self, request):
        year = parsing.year(request.query_params.get("year"), default=timezone.localdate().year)
        result = selectors.assessment(user=request.user, year=year)
        rows = [{**r, "region": _region_ref(r["region"])} for r in result["rows"]]
        return Response(s.AssessmentSerializer({**result, "rows": rows}).data)


class OverdueFollowUpsView(APIView):
    @extend_schema(responses=s.OverdueFollowUpSerializer(many=True), summary="“四调法”逾期未调度")
    def get(self, request):
        rows = selectors.overdue_follow_up_list(user=request.user)
        return Response(s.OverdueFollowUpSerializer(rows, many=True).data)
