"""API v1 serializers for service tasks (帮办代办). Lists are flat; writes go through the services."""

from django.urls import reverse
from rest_framework import serializers

from investment.choices import ProblemKind
from projects.selectors import departments_all

from .. import selectors
from ..choices import ContactKind, TaskStatus
from ..models import ServiceAttachment, ServiceContact, ServiceKind, ServiceTask, ServiceTaskEvent

TASK_FIELDS = [
    "id", "project", "project_name", "region_name", "kind", "kind_name", "kind_text", "request_text",
    "enterprise_contact", "owner_unit", "owner_unit_name", "owner_person", "requested_on", "deadline_days",
    "deadline", "status", "status_display", "refusal_reason", "accepted_on", "started_on", "done_on", "result",
    "working_days_taken", "tier", "overdue_on", "problem", "order", "confirmed_by", "confirmed_on", "satisfied",
    "confirmation_note", "created_at", "updated_at",
]  # fmt: skip


class ServiceKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceKind
        fields = ["id", "key", "name", "needs_text"]


class TaskSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    region_name = serializers.CharField(source="project.region.name", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)

    class Meta:
        model = ServiceTask
        fields = TASK_FIELDS
        read_only_fields = TASK_FIELDS


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ServiceAttachment
        fields = ["id", "original_name", "content_type", "size", "url"]

    def get_url(self, obj) -> str:
        return reverse("assistance:attachment", args=[obj.pk])


class ContactSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.__str__", read_only=True)

    class Meta:
        model = ServiceContact
        fields = ["id", "kind", "contacted_on", "participants", "settled", "recorded_by", "recorded_by_name",
                  "created_at", "attachments"]  # fmt: skip


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceTaskEvent
        fields = ["id", "action", "actor", "actor_name", "at", "on", "note", "from_status", "to_status", "tier"]

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else "系统"


class TaskDetailSerializer(TaskSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = [*TASK_FIELDS, "contacts", "events"]
        read_only_fields = fields


class TaskRequestSerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1)
    kind = serializers.PrimaryKeyRelatedField(queryset=selectors.kinds())
    kind_text = serializers.CharField(required=False, allow_blank=True, max_length=100)
    request_text = serializers.CharField()
    enterprise_contact = serializers.CharField(required=False, allow_blank=True, max_length=100)
    owner_unit = serializers.PrimaryKeyRelatedField(queryset=departments_all())
    owner_person = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    deadline_days = serializers.IntegerField(required=False, min_value=1, max_value=120)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField()


class FinishSerializer(serializers.Serializer):
    result = serializers.CharField()
    done_on = serializers.DateField(required=False, allow_null=True)


class ContactInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    contacted_on = serializers.DateField()
    participants = serializers.CharField(max_length=200)
    settled = serializers.CharField()
    attachments = serializers.ListField(child=serializers.FileField(), required=False)


class ConfirmSerializer(serializers.Serializer):
    confirmed_by = serializers.CharField(max_length=100)
    satisfied = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class ToProblemSerializer(serializers.Serializer):
    problem_kind = serializers.ChoiceField(choices=ProblemKind.choices, required=False)
    deadline = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class ToOrderSerializer(serializers.Serializer):
    requirement = serializers.CharField(required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)


class FigureRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    requested = serializers.IntegerField()
    done = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True, coerce_to_string=True)
    average_days = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True, coerce_to_string=True)
    overdue = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    rows = FigureRowSerializer(many=True)
    total = FigureRowSerializer()
