"""API v1 serializers for supervision. Money as decimal strings (万元), percentages as decimals."""

from rest_framework import serializers

from projects.selectors import departments_all, regions_visible

from ..choices import Light, UnitKind
from ..models import OrderAttachment, OrderEvent, OrderReply, SupervisionOrder

PERCENT = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True, "read_only": True}
MONEY = {"max_digits": 16, "decimal_places": 2, "coerce_to_string": True, "read_only": True}


class ProjectLightSerializer(serializers.Serializer):
    """One project's lights for the period (flat: read from the annotated row)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    region = serializers.IntegerField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    stage = serializers.CharField(read_only=True)
    annual_plan = serializers.DecimalField(**MONEY)
    total_investment = serializers.DecimalField(**MONEY)
    ytd_completed = serializers.DecimalField(**MONEY)
    since_start_completed = serializers.DecimalField(**MONEY)
    expected_percent = serializers.DecimalField(**PERCENT)
    completion_percent = serializers.DecimalField(allow_null=True, **PERCENT)
    light = serializers.ChoiceField(choices=Light.choices, read_only=True)
    overall = serializers.CharField(read_only=True, help_text="综合灯:green/yellow/red/none")
    start_overdue = serializers.BooleanField(read_only=True)
    stale = serializers.BooleanField(read_only=True)
    problem_overdue = serializers.BooleanField(read_only=True)
    cost_overrun = serializers.BooleanField(read_only=True)
    time_overrun = serializers.BooleanField(read_only=True)
    deficiency_overdue = serializers.BooleanField(read_only=True)


class LightCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    total = serializers.IntegerField()
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    none = serializers.IntegerField()
    start_overdue = serializers.IntegerField()
    stale = serializers.IntegerField()
    problem_overdue = serializers.IntegerField()
    cost_overrun = serializers.IntegerField()
    time_overrun = serializers.IntegerField()
    deficiency_overdue = serializers.IntegerField()


class OrderAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = OrderAttachment
        fields = ["id", "original_name", "content_type", "size", "url"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("supervision:attachment", args=[obj.pk])


class OrderReplySerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    attachments = OrderAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = OrderReply
        fields = ["id", "text", "author", "author_name", "replied_on", "on_time", "created_at", "attachments"]


class OrderEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["id", "action", "actor", "actor_name", "at", "note", "from_status", "to_status", "tier", "deadline"]

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else "系统"


ORDER_FIELDS = [
    "id",
    "number",
    "project",
    "project_name",
    "problem",
    "requirement",
    "unit_kind",
    "unit_region",
    "unit_department",
    "unit_contact",
    "unit_name",
    "issued_by",
    "issued_by_name",
    "issued_on",
    "deadline",
    "tier",
    "status",
    "status_display",
    "first_replied_on",
    "replied_on_time",
    "was_overdue",
    "overdue_on",
    "closed_on",
]


class OrderSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    issued_by_name = serializers.CharField(source="issued_by.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SupervisionOrder
        fields = ORDER_FIELDS
        read_only_fields = ORDER_FIELDS


class OrderDetailSerializer(OrderSerializer):
    replies = OrderReplySerializer(many=True, read_only=True)
    events = OrderEventSerializer(many=True, read_only=True, source="history")

    class Meta(OrderSerializer.Meta):
        fields = [*ORDER_FIELDS, "replies", "events"]
        read_only_fields = fields


class OrderIssueSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    problem = serializers.IntegerField(required=False, allow_null=True)
    requirement = serializers.CharField()
    unit_kind = serializers.ChoiceField(choices=UnitKind.choices)
    unit_region = serializers.PrimaryKeyRelatedField(
        queryset=regions_visible(user=None), required=False, allow_null=True
    )
    unit_department = serializers.PrimaryKeyRelatedField(queryset=departments_all(), required=False, allow_null=True)
    unit_contact = serializers.CharField(required=False, allow_blank=True, help_text="企业联系人的用户名")
    deadline = serializers.DateField(required=False, allow_null=True)


class OrderReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    attachments = serializers.ListField(child=serializers.FileField(), required=False)


class OrderReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)


class MapRegionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    division_code = serializers.CharField(allow_null=True)
    is_zone = serializers.BooleanField()
    count = serializers.IntegerField()
    investment = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    list_url = serializers.CharField()


class MapPointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=True)
    light = serializers.CharField()
    overall = serializers.CharField()
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    region = serializers.CharField(source="region__name")
    url = serializers.CharField()


class MapSerializer(serializers.Serializer):
    period = serializers.DateField()
    metric = serializers.ChoiceField(choices=[("count", "项目数"), ("investment", "计划总投资")])
    regions = MapRegionSerializer(many=True)
    points = MapPointSerializer(many=True)


class MonthlyPlanSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    percents = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True),
        help_text='月份 -> 累计应完成年度计划的百分比,如 {"3": "10.00", "6": "45.00", "12": "100.00"}',
    )
