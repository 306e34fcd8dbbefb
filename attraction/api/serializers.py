from rest_framework import serializers

from projects.choices import Stage, StartType

from ..choices import CadenceLevel, LeadSource, SigningEventKind
from ..models import (
    AnnualTarget,
    AttractionRecord,
    BulletinRun,
    CapitalInPlace,
    FollowUp,
    SigningEvent,
    StartEvent,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class RegionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class PoolSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)


class PoolsSerializer(serializers.Serializer):
    planning = PoolSerializer()
    negotiating = PoolSerializer()
    signed = PoolSerializer()
    landed = PoolSerializer()


class RegionPoolsSerializer(serializers.Serializer):
    region = RegionRefSerializer()
    pools = PoolsSerializer()


class BoardSerializer(serializers.Serializer):
    city = PoolsSerializer()
    regions = RegionPoolsSerializer(many=True)


class TransitionSerializer(serializers.Serializer):
    from_stage = serializers.CharField(allow_blank=True)
    to_stage = serializers.CharField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)


class PoolFlowSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.pools())
    inflow = serializers.IntegerField()
    inflow_total = serializers.DecimalField(**MONEY)
    outflow = serializers.IntegerField()
    exits = serializers.IntegerField(help_text="近12个月离开该库的项目数")
    avg_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    median_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    current = serializers.IntegerField(help_text="月末仍在库的项目数")
    current_avg_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class FlowsSerializer(serializers.Serializer):
    month = serializers.DateField()
    transitions = TransitionSerializer(many=True)
    pools = PoolFlowSerializer(many=True)


class RecordSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project.name", read_only=True)
    region = serializers.CharField(source="project.region.name", read_only=True)
    stage = serializers.CharField(source="project.stage", read_only=True)
    lead_source = serializers.ChoiceField(choices=LeadSource.choices)

    class Meta:
        model = AttractionRecord
        fields = ["project", "project_name", "region", "stage", "lead_source", "investor_region",
                  "contacts_visited", "notes", "updated_at"]  # fmt: skip
        read_only_fields = ["updated_at"]


class FollowUpSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    level = serializers.ChoiceField(choices=CadenceLevel.choices)
    recorded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "project", "level", "leader", "followed_on", "summary", "recorded_by", "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]


class LineSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    project_name = serializers.CharField(read_only=True, source="project.name")
    region = serializers.CharField(read_only=True, source="project.region.name")
    amount = serializers.DecimalField(**MONEY, min_value=0)


class SigningEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=SigningEventKind.choices)
    project_count = serializers.IntegerField(read_only=True, help_text="您权限范围内的项目数")
    amount_total = serializers.DecimalField(**MONEY, read_only=True, help_text="您权限范围内的签约金额")
    lines = LineSerializer(many=True, write_only=True, required=False)

    class Meta:
        model = SigningEvent
        fields = ["id", "name", "kind", "held_on", "place", "organiser", "notes", "project_count", "amount_total",
                  "lines"]  # fmt: skip


class StartEventSerializer(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True)
    amount_total = serializers.DecimalField(**MONEY, read_only=True)
    lines = LineSerializer(many=True, write_only=True, required=False)

    class Meta:
        model = StartEvent
        fields = ["id", "name", "held_on", "place", "organiser", "notes", "project_count", "amount_total", "lines"]


class EventLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(read_only=True, source="project.name")
    region = serializers.CharField(read_only=True, source="project.region.name")
    amount = serializers.DecimalField(**MONEY, min_value=0)
    move_stage = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="明确确认:项目尚未到达活动对应阶段时,按活动日期记录阶段变更(签约活动→签约,集中开工→在建)",
    )  # fmt: skip
    start_type = serializers.ChoiceField(
        choices=StartType.choices, required=False, allow_blank=True, default="", help_text="集中开工:开工类型"
    )
    stage_change = serializers.IntegerField(read_only=True, source="stage_change_id", allow_null=True)


class EventLineRemoveSerializer(serializers.Serializer):
    undo_stage = serializers.BooleanField(required=False, default=False, help_text="同时撤销加入时记录的阶段变更")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="撤销阶段变更时必填")


class SigningEventDetailSerializer(SigningEventSerializer):
    projects = serializers.SerializerMethodField()

    class Meta(SigningEventSerializer.Meta):
        model = SigningEvent
        fields = [*SigningEventSerializer.Meta.fields, "projects"]

    def get_projects(self, obj) -> list[dict]:
        return EventLineSerializer(self.context["lines"], many=True).data


class StartEventDetailSerializer(StartEventSerializer):
    projects = serializers.SerializerMethodField()

    class Meta(StartEventSerializer.Meta):
        model = StartEvent
        fields = [*StartEventSerializer.Meta.fields, "projects"]

    def get_projects(self, obj) -> list[dict]:
        return EventLineSerializer(self.context["lines"], many=True).data


class CapitalSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project.name", read_only=True)
    region = serializers.CharField(source="project.region.name", read_only=True)
    month = serializers.DateField(help_text="该月任一天,保存为月初")
    amount = serializers.DecimalField(**MONEY, min_value=0)
    recorded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = CapitalInPlace
        fields = ["id", "project", "project_name", "region", "month", "amount", "recorded_by", "updated_at"]
        read_only_fields = ["id", "recorded_by", "updated_at"]


class TargetSerializer(serializers.ModelSerializer):
    region = serializers.CharField(help_text="县区标识、区划代码或ID")
    region_name = serializers.CharField(source="region.name", read_only=True)
    signed_amount = serializers.DecimalField(**MONEY, min_value=0)
    capital_amount = serializers.DecimalField(**MONEY, min_value=0)

    class Meta:
        model = AnnualTarget
        fields = ["id", "region", "region_name", "year", "signed_amount", "landed_count", "capital_amount"]
        read_only_fields = ["id"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["region"] = instance.region.key
        return data


class BulletinSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = BulletinRun
        fields = ["id", "month", "data_version", "status", "error", "build_seconds", "created_at", "finished_at",
                  "xlsx_url", "pdf_url"]  # fmt: skip

    def get_month(self, obj) -> str:
        return f"{obj.month:%Y-%m}"

    def _url(self, obj, kind):
        if obj.status != "done":
            return None
        request = self.context.get("request")
        path = f"/api/v1/bulletins/{obj.pk}/{kind}/"
        return request.build_absolute_uri(path) if request else path

    def get_xlsx_url(self, obj) -> str | None:
        return self._url(obj, "xlsx")

    def get_pdf_url(self, obj) -> str | None:
        return self._url(obj, "pdf")


class BulletinRequestSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
