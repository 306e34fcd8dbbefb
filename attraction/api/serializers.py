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
    foreign_amount = serializers.DecimalField(**MONEY, min_value=0, required=False, help_text="其中外资(万元)")
    recorded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = CapitalInPlace
        fields = ["id", "project", "project_name", "region", "month", "amount", "foreign_amount", "recorded_by",
                  "updated_at"]  # fmt: skip
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


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
from decimal import Decimal  # noqa: E402

from ..choices import (  # noqa: E402  (one block appended for merges)
    TASK_FORCE_LEVELS,
    InvestorKind,
    OrgLevel,
    OutreachKind,
    SpendingPurpose,
    VisitOutcome,
)
from ..models import (  # noqa: E402
    DevelopmentZone,
    FundBudget,
    FundSpending,
    Investor,
    InvestorVisit,
    OutreachEvent,
    ProjectPhase,
    TaskForce,
    TaskForceMeeting,
)


def id_list(**kwargs):
    """A list of object ids (a fresh child field each time: DRF binds a child to its list)."""
    return serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list, **kwargs)


class RegionNameMixin(serializers.Serializer):
    region_name = serializers.SerializerMethodField()

    def get_region_name(self, obj) -> str:
        return obj.region.name if obj.region_id else "市本级"


class TaskForceSerializer(RegionNameMixin, serializers.ModelSerializer):
    leads = serializers.IntegerField(read_only=True)
    signed = serializers.IntegerField(read_only=True)
    landed = serializers.IntegerField(read_only=True)
    capital = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = TaskForce
        fields = ["id", "name", "level", "region", "region_name", "leader", "coordinator", "notes", "leads", "signed",
                  "landed", "capital"]  # fmt: skip


class TaskForceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=TASK_FORCE_LEVELS)
    region = serializers.IntegerField(required=False, allow_null=True, default=None)
    leader = serializers.CharField(max_length=100)
    coordinator = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    notes = serializers.CharField(required=False, default="", allow_blank=True)
    members = id_list()
    sectors = id_list()
    projects = id_list()


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskForceMeeting
        fields = ["id", "held_on", "title", "minutes"]
        read_only_fields = ["id"]


class ZoneSerializer(RegionNameMixin, serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True)
    investment = serializers.DecimalField(**MONEY, read_only=True)
    leads = serializers.IntegerField(read_only=True)
    signed = serializers.IntegerField(read_only=True)
    landed = serializers.IntegerField(read_only=True)
    capital = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = DevelopmentZone
        fields = ["id", "name", "region", "region_name", "is_region", "operator", "company_run", "leading_industries",
                  "project_count", "investment", "leads", "signed", "landed", "capital"]  # fmt: skip


class ZoneInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    region = serializers.IntegerField()
    is_region = serializers.BooleanField(default=False)
    operator = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    company_run = serializers.BooleanField(default=True)
    leading_industries = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    sectors = id_list()
    projects = id_list()


class BudgetSerializer(RegionNameMixin, serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, min_value=0)
    region = serializers.IntegerField(source="region_id", required=False, allow_null=True, default=None)
    spent = serializers.DecimalField(**MONEY, read_only=True)
    pending = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = FundBudget
        fields = ["id", "year", "region", "region_name", "amount", "spent", "pending"]
        read_only_fields = ["id"]


class FundSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)
    spent = serializers.DecimalField(**MONEY)
    share = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    floor = serializers.DecimalField(**MONEY, allow_null=True)
    floor_met = serializers.BooleanField(allow_null=True, help_text="仅对全市范围的用户给出")
    budgets = BudgetSerializer(many=True)


class SpendingSerializer(serializers.ModelSerializer):
    budget = serializers.IntegerField(source="budget_id")
    event = serializers.IntegerField(source="event_id", required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    purpose = serializers.ChoiceField(choices=SpendingPurpose.choices)
    approver = serializers.StringRelatedField(read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = FundSpending
        fields = ["id", "budget", "spent_on", "amount", "purpose", "description", "event", "status", "approver",
                  "decided_at", "decision_note", "attachments"]  # fmt: skip
        read_only_fields = ["id", "status", "approver", "decided_at", "decision_note", "attachments"]

    def get_attachments(self, obj) -> list[str]:
        return [a.name for a in obj.attachments.all()]


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ParticipantInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=OrgLevel.choices)
    region = serializers.IntegerField(required=False, allow_null=True, default=None)
    zone = serializers.IntegerField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200)


class OutreachSerializer(RegionNameMixin, serializers.ModelSerializer):
    region = serializers.IntegerField(source="region_id", required=False, allow_null=True, default=None)
    task_force = serializers.IntegerField(source="task_force_id", required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=OutreachKind.choices)
    projects = id_list(write_only=True)
    participants = ParticipantInputSerializer(many=True, required=False, default=list, write_only=True)

    class Meta:
        model = OutreachEvent
        fields = ["id", "kind", "name", "held_on", "place", "counterpart", "region", "region_name", "task_force",
                  "outcome", "projects", "participants"]  # fmt: skip
        read_only_fields = ["id"]


class OutreachMonthRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class OutreachLevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    events = serializers.IntegerField()


class OutreachMonthlySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.IntegerField()
    rows = OutreachMonthRowSerializer(many=True)
    levels = OutreachLevelSerializer(many=True)


class InvestorSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=InvestorKind.choices)
    group = serializers.IntegerField(source="group_id", required=False, allow_null=True, default=None)
    project_count = serializers.IntegerField(read_only=True)
    visit_count = serializers.IntegerField(read_only=True)
    projects = id_list(write_only=True)

    class Meta:
        model = Investor
        fields = ["id", "name", "kind", "group", "home", "notes", "project_count", "visit_count", "projects"]
        read_only_fields = ["id"]


class VisitSerializer(serializers.ModelSerializer):
    investor = serializers.IntegerField(source="investor_id")
    region = serializers.IntegerField(source="region_id", required=False, allow_null=True, default=None)
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)

    class Meta:
        model = InvestorVisit
        fields = ["id", "investor", "visited_on", "region", "visitors", "outcome", "summary"]
        read_only_fields = ["id"]


class PhaseSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    phase_one = serializers.IntegerField(source="phase_one_id")
    investor = serializers.IntegerField(source="investor_id", required=False, allow_null=True, default=None)
    visit = serializers.IntegerField(source="visit_id", required=False, allow_null=True, default=None)
    project_name = serializers.CharField(source="project.name", read_only=True)
    total_investment = serializers.DecimalField(source="project.total_investment", **MONEY, read_only=True)

    class Meta:
        model = ProjectPhase
        fields = ["project", "project_name", "total_investment", "phase_one", "investor", "visit", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if getattr(instance, "phase_one_visible", True) is False:
            data["phase_one"] = None  # outside the caller's scope: not even its id
        return data


class ReinvestmentSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    investment = serializers.DecimalField(**MONEY)


# --- chains, assessment, overdue follow-ups (helper "chains") ---------------------------------------
class SectorRollupRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="sector.pk")
    name = serializers.CharField(source="sector.name")
    chain = serializers.IntegerField(source="sector.chain_id", allow_null=True)
    cluster = serializers.IntegerField(source="sector.cluster_id", allow_null=True)
    project_count = serializers.IntegerField()
    total_investment = serializers.DecimalField(**MONEY)
    lead_count = serializers.IntegerField()
    lead_investment = serializers.DecimalField(**MONEY)


class SectorKindRollupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    rows = SectorRollupRowSerializer(many=True)


class AssessmentRowSerializer(serializers.Serializer):
    region = RegionRefSerializer()
    score_rank = serializers.IntegerField()
    signed_rate = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    landed_rate = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    capital_rate = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    grade = serializers.CharField(allow_null=True)


class AssessmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    through = serializers.DateField()
    rows = AssessmentRowSerializer(many=True)


class OverdueFollowUpSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_name = serializers.CharField(source="project.name")
    region = serializers.CharField(source="project.region.name")
    level = serializers.CharField()
    last = serializers.DateField()
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
