from django.urls import reverse
from rest_framework import serializers

from ..choices import ReportFormat
from ..models import (
    DispatchGroup,
    DispatchRound,
    Evaluation,
    EvaluationEntry,
    ProblemEscalation,
    Report,
    WarningNotice,
)


class DispatchGroupSerializer(serializers.ModelSerializer):
    tier_label = serializers.CharField(source="get_tier_display", read_only=True)
    cadence_label = serializers.CharField(source="get_cadence_display", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    region_name = serializers.CharField(source="region.name", read_only=True, default=None)

    class Meta:
        model = DispatchGroup
        fields = [
            "id", "key", "name", "tier", "tier_label", "leader", "lead_unit", "cadence", "cadence_label",
            "run_hour", "weekday", "min_total_investment", "category", "category_name", "department",
            "department_name", "region", "region_name", "freezes_data", "is_active", "sort_order",
        ]  # fmt: skip
        read_only_fields = ["key", "tier"]


class DispatchRoundSerializer(serializers.ModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    tier = serializers.CharField(source="group.tier", read_only=True)

    class Meta:
        model = DispatchRound
        fields = [
            "id", "group", "group_name", "tier", "period_start", "period_end", "status", "project_count",
            "summary", "created_at", "issued_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    group = serializers.IntegerField(source="round.group_id", read_only=True, default=None)
    group_name = serializers.CharField(source="round.group.name", read_only=True, default=None)
    period_start = serializers.DateField(source="round.period_start", read_only=True, default=None)
    period_end = serializers.DateField(source="round.period_end", read_only=True, default=None)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "kind", "round", "evaluation", "group", "group_name", "period_start", "period_end", "format",
            "data_version", "status", "progress", "size", "error", "attempts", "created_at", "started_at",
            "finished_at", "duration_ms", "status_url", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status_url(self, report) -> str:
        return reverse("dispatch-report-detail", args=[report.pk])

    def get_download_url(self, report) -> str | None:
        if report.status != "done":
            return None
        return reverse("dispatch-report-download", args=[report.pk]) + f"?format={report.format}"


class ReportRequestSerializer(serializers.Serializer):
    round = serializers.IntegerField(required=False)
    evaluation = serializers.IntegerField(required=False)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=ReportFormat.choices), required=False, allow_empty=False
    )

    def validate(self, attrs):
        if ("round" in attrs) == ("evaluation" in attrs):
            raise serializers.ValidationError({"round": "请指定调度轮次(round)或季度考评(evaluation)之一。"})
        return attrs


class WarningNoticeSerializer(serializers.ModelSerializer):
    recipient = serializers.SerializerMethodField()
    issued_by_name = serializers.CharField(source="issued_by.__str__", read_only=True, default=None)

    class Meta:
        model = WarningNotice
        fields = [
            "id", "region", "department", "recipient", "reason", "issued_on", "issued_by_name", "round",
            "evaluation", "acknowledged_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["recipient", "issued_by_name", "evaluation", "acknowledged_at", "created_at"]
        extra_kwargs = {"issued_on": {"required": False}}

    def get_recipient(self, notice) -> str:
        return str(notice.recipient)


class EvaluationEntrySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.__str__", read_only=True)

    class Meta:
        model = EvaluationEntry
        fields = [
            "unit_kind", "region", "department", "unit", "rank", "project_count", "annual_plan", "completed",
            "completion_rate", "progress_score", "red_flag", "warned",
        ]  # fmt: skip


class EvaluationSerializer(serializers.ModelSerializer):
    entries = EvaluationEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "year", "quarter", "period_end", "created_at", "entries"]
        read_only_fields = ["period_end", "created_at", "entries"]


class ProblemEscalationSerializer(serializers.ModelSerializer):
    problem = serializers.IntegerField(source="problem_id", read_only=True)

    class Meta:
        model = ProblemEscalation
        fields = ["id", "problem", "from_tier", "to_tier", "deadline", "escalated_on", "reason", "created_at"]
        read_only_fields = fields


class EscalateRequestSerializer(serializers.Serializer):
    problem = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
