"""API v1 for dispatch. Reads go through dispatch.selectors with the caller (outside scope: 404);
writes call one service each."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from common.api import ServiceUnavailable, created

from .. import selectors, services
from ..choices import ReportFormat, ReportStatus
from ..services import QueueUnavailable
from .serializers import (
    DispatchGroupSerializer,
    DispatchRoundSerializer,
    EscalateRequestSerializer,
    EvaluationSerializer,
    ProblemEscalationSerializer,
    ReportRequestSerializer,
    ReportSerializer,
    WarningNoticeSerializer,
)


@extend_schema_view(list=extend_schema(tags=["dispatch"]), retrieve=extend_schema(tags=["dispatch"]),
                    partial_update=extend_schema(tags=["dispatch"]), update=extend_schema(tags=["dispatch"]))  # fmt: skip
class DispatchGroupViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The 1+3+N+10 groups the caller may see. Leadership and administrators edit scope and cadence
    (the beat schedule follows)."""

    serializer_class = DispatchGroupSerializer
    filterset_fields = ["tier", "cadence", "is_active"]

    def get_queryset(self):
        return selectors.group_list(user=self.request.user)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.group_update(user=self.request.user, group=serializer.instance, **data)


@extend_schema_view(list=extend_schema(tags=["dispatch"]), retrieve=extend_schema(tags=["dispatch"]))
class DispatchRoundViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DispatchRoundSerializer
    filterset_fields = ["group", "status", "period_start"]

    def get_queryset(self):
        return selectors.round_list(user=self.request.user)

    @extend_schema(tags=["dispatch"], request=None, responses=DispatchRoundSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue (印发) the round: its period's progress data is frozen from now on."""
        round = services.round_issue(user=request.user, round=self.get_object())
        return Response(DispatchRoundSerializer(round).data)


class FileFormatNegotiation(DefaultContentNegotiation):
    """``?format=xlsx|pdf`` names the file's format here, not an API renderer (DRF's default reading)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(list=extend_schema(tags=["dispatch"]), retrieve=extend_schema(tags=["dispatch"]))
class ReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reports kept per group and period. POST asks for a fresh one (202 with status URLs); an
    unchanged round keeps its reports. GET /reports/{id}/ is the status (progress) of one."""

    serializer_class = ReportSerializer
    filterset_fields = ["round", "evaluation", "round__group", "round__period_start", "status", "format", "kind"]

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    @extend_schema(tags=["dispatch"], request=ReportRequestSerializer, responses={202: ReportSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        params = ReportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = request.user
        subject = {}
        if "round" in params.validated_data:
            subject["round"] = selectors.round_get(user=user, pk=params.validated_data["round"])
        else:
            subject["evaluation"] = selectors.evaluation_get(user=user, pk=params.validated_data["evaluation"])
        formats = params.validated_data.get("formats") or list(services.FORMATS)
        try:
            reports = services.report_request(user=user, formats=formats, **subject)
        except PermissionDenied:  # who may ask is the service's rule (projects.access); outside it, 404
            raise Http404 from None
        except QueueUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc
        return Response(ReportSerializer(reports, many=True).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        tags=["dispatch"],
        parameters=[OpenApiParameter("format", str, enum=ReportFormat.values, required=False)],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), 404: None},
    )
    @action(detail=True, methods=["get"], url_path="download", content_negotiation_class=FileFormatNegotiation)
    def download(self, request, pk=None):
        """The file, in the report's own format or (``?format=``) the same data version in another one."""
        report = selectors.report_get(user=request.user, pk=pk)
        wanted = request.query_params.get("format") or report.format
        if wanted not in ReportFormat.values:
            raise Http404
        report = selectors.report_sibling(user=request.user, report=report, format=wanted)
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404("报告尚未生成。")
        return report_file_response(report)


def report_file_response(report):
    content_type = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }[report.format]
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename, content_type=content_type)


@extend_schema_view(list=extend_schema(tags=["dispatch"]), retrieve=extend_schema(tags=["dispatch"]),
                    create=extend_schema(tags=["dispatch"]))  # fmt: skip
class WarningNoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """提示单: leadership issues them to a county or a department; the recipient sees and signs them."""

    serializer_class = WarningNoticeSerializer
    filterset_fields = ["region", "department", "evaluation"]

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notice = services.warning_notice_issue(
            user=request.user,
            reason=data.get("reason", ""),
            region=data.get("region"),
            department=data.get("department"),
            issued_on=data.get("issued_on"),
            round=data.get("round"),
        )
        return created(WarningNoticeSerializer(notice).data)

    @extend_schema(tags=["dispatch"], request=None, responses=WarningNoticeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        notice = services.warning_notice_acknowledge(user=request.user, notice=self.get_object())
        return Response(WarningNoticeSerializer(notice).data)


@extend_schema_view(list=extend_schema(tags=["dispatch"]), retrieve=extend_schema(tags=["dispatch"]),
                    create=extend_schema(tags=["dispatch"]))  # fmt: skip
class EvaluationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Quarterly ranking of counties and departments (red flag, warning notice). POST runs a quarter."""

    serializer_class = EvaluationSerializer

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            evaluation, _ = services.evaluation_run(
                user=request.user, year=serializer.validated_data["year"], quarter=serializer.validated_data["quarter"]
            )
        except QueueUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc
        return created(EvaluationSerializer(selectors.evaluation_get(user=request.user, pk=evaluation.pk)).data)


@extend_schema_view(list=extend_schema(tags=["dispatch"]), retrieve=extend_schema(tags=["dispatch"]))
class ProblemEscalationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Escalation history of the problems in the caller's scope; POST escalates one problem a tier up."""

    serializer_class = ProblemEscalationSerializer
    filterset_fields = ["problem", "to_tier"]

    def get_queryset(self):
        return selectors.escalation_list(user=self.request.user)

    @extend_schema(tags=["dispatch"], request=EscalateRequestSerializer, responses={201: ProblemEscalationSerializer})
    def create(self, request, *args, **kwargs):
        params = EscalateRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        problem = selectors.problem_get(user=request.user, pk=params.validated_data["problem"])
        step = services.problem_escalate(problem=problem, user=request.user, reason=params.validated_data["reason"])
        return created(ProblemEscalationSerializer(step).data)
