from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import AmendmentStatus, FundingKind, ProblemKind, ProblemStatus, ProcedureStatus
from ..models import FundingSource, PhotoComment, Problem, ProcedureItem, ProgressAmendment, ProgressEntry, SitePhoto

MONEY = {"max_digits": 14, "decimal_places": 2}


class PendingAmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressAmendment
        fields = ["id", "old_amount", "new_amount", "reason", "created_by", "created_at"]
        read_only_fields = fields


class ProgressEntrySerializer(serializers.ModelSerializer):
    period = serializers.DateField(format="%Y-%m", read_only=True)
    effective_amount = serializers.DecimalField(
        read_only=True, help_text="计入统计的数额(已批准的修正数,否则原数)", **MONEY
    )
    is_amended = serializers.BooleanField(read_only=True, help_text="是否有已批准的修正")
    pending_amendment = serializers.SerializerMethodField(help_text="待审核的修正(不计入统计),没有则为 null")

    class Meta:
        model = ProgressEntry
        fields = [
            "id",
            "project",
            "period",
            "amount_completed",
            "amended_amount",
            "effective_amount",
            "is_amended",
            "pending_amendment",
            "image_progress",
            "next_steps",
            "overrun_reason",
            "amount_flag",
            "status",
            "version",
            "return_reason",
            "submitted_at",
            "verified_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PendingAmendmentSerializer(allow_null=True))
    def get_pending_amendment(self, entry):
        pending = getattr(entry, "pending_amendments", None)
        if pending is None:  # a single entry a write returned: not prefetched
            pending = list(entry.amendments.filter(status=AmendmentStatus.PENDING))
        return PendingAmendmentSerializer(pending[0]).data if pending else None


class ProgressEntryWriteSerializer(serializers.Serializer):
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    amount_completed = serializers.DecimalField(min_value=0, **MONEY)
    image_progress = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    overrun_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    confirm_amount = serializers.BooleanField(
        required=False, default=False, help_text="金额异常(超过计划总投资或远超年度计划)时须为 true;将提示审核人。"
    )
    version = serializers.IntegerField(required=False, allow_null=True, help_text="加载时的版本;新建时省略")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True)


class ReturnSerializer(VersionSerializer):
    reason = serializers.CharField()


class AmendSerializer(VersionSerializer):
    amount_completed = serializers.DecimalField(min_value=0, **MONEY)
    image_progress = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField()


class AmendmentSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="entry.project_id", read_only=True)
    period = serializers.DateField(source="entry.period", format="%Y-%m", read_only=True)

    class Meta:
        model = ProgressAmendment
        fields = [
            "id",
            "entry",
            "project",
            "period",
            "old_amount",
            "new_amount",
            "old_image_progress",
            "new_image_progress",
            "reason",
            "status",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="驳回原因")


class PhotoCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = PhotoComment
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = ["id", "author", "author_name", "created_at"]


class SitePhotoSerializer(serializers.ModelSerializer):
    comments = PhotoCommentSerializer(many=True, read_only=True)
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = SitePhoto
        fields = [
            "id",
            "project",
            "kind",
            "content_type",
            "size",
            "caption",
            "taken_on",
            "taken_on_from_exif",
            "uploaded_by",
            "created_at",
            "file_url",
            "thumbnail_url",
            "comments",
            # 形象调度: the week it counts for, where it was taken and what was flagged.
            "week",
            "latitude",
            "longitude",
            "distance_m",
            "far_from_site",
            "original_type",
            "warning",
        ]
        read_only_fields = fields

    def get_file_url(self, obj) -> str:
        return f"/api/v1/photos/{obj.pk}/file/"

    def get_thumbnail_url(self, obj) -> str:
        return f"/api/v1/photos/{obj.pk}/thumbnail/" if obj.thumbnail else ""


class PhotoUploadSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    file = serializers.FileField()
    caption = serializers.CharField(max_length=200)
    taken_on = serializers.DateField(required=False, allow_null=True)


class CommentWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ProblemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = [
            "id",
            "project",
            "description",
            "kind",
            "responsible_unit",
            "responsible_department",
            "responsible_region",
            "leader",
            "deadline",
            "status",
            "resolution",
            "tier",
            "solved_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "tier", "solved_on", "version", "created_at", "updated_at"]


class ProblemWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False)
    description = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=ProblemKind.choices, required=False)
    responsible_unit = serializers.CharField(required=False, max_length=100)
    responsible_department = serializers.IntegerField(required=False, allow_null=True, help_text="市直部门ID")
    responsible_region = serializers.IntegerField(required=False, allow_null=True, help_text="县区ID")
    leader = serializers.CharField(required=False, allow_blank=True, max_length=50)
    deadline = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ProblemStatus.choices, required=False)
    resolution = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True)


class ProcedureSerializer(serializers.ModelSerializer):
    days_saved = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ProcedureItem
        fields = [
            "id",
            "project",
            "parent",
            "name",
            "responsible_unit",
            "planned_date",
            "actual_date",
            "status",
            "accepted_with_deficiency",
            "deficiency_note",
            "sort_order",
            "days_saved",
            "version",
            "updated_at",
        ]
        read_only_fields = ["id", "days_saved", "version", "updated_at"]


class ProcedureWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False)
    parent = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(required=False, max_length=200)
    responsible_unit = serializers.CharField(required=False, allow_blank=True, max_length=100)
    planned_date = serializers.DateField(required=False, allow_null=True)
    actual_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ProcedureStatus.choices, required=False)
    accepted_with_deficiency = serializers.BooleanField(required=False)
    deficiency_note = serializers.CharField(required=False, allow_blank=True)
    sort_order = serializers.IntegerField(required=False, min_value=0)
    version = serializers.IntegerField(required=False, allow_null=True)


class FundingSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingSource
        fields = [
            "id",
            "project",
            "kind",
            "amount_applied",
            "amount_approved",
            "amount_in_place",
            "note",
            "version",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "updated_at"]


class FundingWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=FundingKind.choices, required=False)
    amount_applied = serializers.DecimalField(min_value=0, required=False, **MONEY)
    amount_approved = serializers.DecimalField(min_value=0, required=False, **MONEY)
    amount_in_place = serializers.DecimalField(min_value=0, required=False, **MONEY)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    version = serializers.IntegerField(required=False, allow_null=True)


class FileErrorSerializer(serializers.Serializer):
    """A file refused before its rows are read (not an xlsx, damaged, empty, missing columns)."""

    file = serializers.ListField(child=serializers.CharField())


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    valid = serializers.BooleanField()
    written = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
    changes = serializers.ListField(child=serializers.DictField())
    seconds = serializers.DecimalField(max_digits=9, decimal_places=3, help_text="处理用时(秒)")
