"""API v1 serializers for the project registry. List serializers stay flat (no nested objects):
the list queryset is pre-joined, so every field here is read from the row already loaded."""

import functools

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .. import selectors
from ..choices import KeyLevel, Stage, StartType
from ..models import Category, Department, Project, Region, Sector, StageChange
from ..services import PROJECT_EDITABLE_FIELDS


class RegionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "key", "name", "division_code", "kind", "kind_display", "sort_order"]


class SectorSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Sector
        fields = ["id", "name", "kind", "kind_display", "sort_order"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "key", "name", "sort_order"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "key", "name", "lead_department", "sort_order"]


LIST_FIELDS = [
    "id",
    "code",
    "name",
    "investor",
    "region",
    "region_name",
    "sector",
    "sector_name",
    "category",
    "category_name",
    "department",
    "department_name",
    "total_investment",
    "annual_plan",
    "stage",
    "stage_display",
    "start_type",
    "key_level",
    "planned_start",
    "actual_start",
    "planned_completion",
    "actual_completion",
    "updated_at",
]


class ProjectListSerializer(serializers.ModelSerializer):
    """One flat row per project. Money in 万元 as decimal strings."""

    region_name = serializers.CharField(source="region.name", read_only=True)
    sector_name = serializers.CharField(source="sector.name", read_only=True, allow_null=True, default=None)
    category_name = serializers.CharField(source="category.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True, default=None)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    start_type = serializers.ChoiceField(choices=StartType.choices, allow_blank=True, read_only=True)
    key_level = serializers.ChoiceField(
        choices=[*KeyLevel.choices, ("", "")], read_only=True, help_text=_("city / county / '' (not a key project)")
    )

    class Meta:
        model = Project
        fields = LIST_FIELDS
        read_only_fields = fields

    def to_representation(self, instance):
        """The same row as the generic ModelSerializer path (tests compare them), read straight from the
        pre-joined instance: the generic path's per-field ``get_attribute`` walk is what costs in a list.
        Money and timestamps still go through their DRF fields, so their formats cannot drift."""
        fields = self.fields
        p = instance
        region, sector, category, department = p.region, p.sector, p.category, p.department
        return {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "investor": p.investor,
            "region": p.region_id,
            "region_name": region.name,
            "sector": p.sector_id,
            "sector_name": sector.name if sector is not None else None,
            "category": p.category_id,
            "category_name": category.name,
            "department": p.department_id,
            "department_name": department.name if department is not None else None,
            "total_investment": _decimal(fields["total_investment"], p.total_investment),
            "annual_plan": _decimal(fields["annual_plan"], p.annual_plan),
            "stage": p.stage,
            "stage_display": p.get_stage_display(),
            "start_type": p.start_type,
            "key_level": p.key_level,
            "planned_start": _date(p.planned_start),
            "actual_start": _date(p.actual_start),
            "planned_completion": _date(p.planned_completion),
            "actual_completion": _date(p.actual_completion),
            "updated_at": fields["updated_at"].to_representation(p.updated_at) if p.updated_at else None,
        }


# What the list reads, as ``.values()`` (no model instances: the engineering notes' 0.025 s against
# seconds for ModelSerializer at 5,000 rows). ``project_rows`` turns them into the serializer's rows.
LIST_VALUES = [
    "id", "code", "name", "investor", "region_id", "region__name", "sector_id", "sector__name", "category_id",
    "category__name", "department_id", "department__name", "total_investment", "annual_plan", "stage",
    "start_type", "key_level", "planned_start", "actual_start", "planned_completion", "actual_completion",
    "updated_at",
]  # fmt: skip


@functools.cache
def _list_formatters():
    """The serializer's own fields that format money and times (built once: a ModelSerializer builds
    all its fields on each instantiation; these keep no per-request state, the time zone is read at
    each call)."""
    fields = ProjectListSerializer().fields
    return fields["total_investment"], fields["annual_plan"], fields["updated_at"]


def project_rows(rows):
    """ProjectListSerializer's rows (same keys, order and formats; tests compare) from LIST_VALUES dicts."""
    total, plan, updated = _list_formatters()
    stages = dict(Project._meta.get_field("stage").flatchoices)
    return [
        {
            "id": r["id"],
            "code": r["code"],
            "name": r["name"],
            "investor": r["investor"],
            "region": r["region_id"],
            "region_name": r["region__name"],
            "sector": r["sector_id"],
            "sector_name": r["sector__name"],
            "category": r["category_id"],
            "category_name": r["category__name"],
            "department": r["department_id"],
            "department_name": r["department__name"],
            "total_investment": _decimal(total, r["total_investment"]),
            "annual_plan": _decimal(plan, r["annual_plan"]),
            "stage": r["stage"],
            "stage_display": str(stages.get(r["stage"], r["stage"])),
            "start_type": r["start_type"],
            "key_level": r["key_level"],
            "planned_start": _date(r["planned_start"]),
            "actual_start": _date(r["actual_start"]),
            "planned_completion": _date(r["planned_completion"]),
            "actual_completion": _date(r["actual_completion"]),
            "updated_at": updated.to_representation(r["updated_at"]) if r["updated_at"] else None,
        }
        for r in rows
    ]


def _decimal(field, value):
    return None if value is None else field.to_representation(value)


def _date(value):
    return None if value is None else value.isoformat()


class ProjectDetailSerializer(ProjectListSerializer):
    to_representation = serializers.ModelSerializer.to_representation  # the full field walk: one object

    class Meta:
        model = Project
        fields = [
            *LIST_FIELDS,
            "description",
            "address",
            "longitude",
            "latitude",
            "city_leader",
            "county_leader",
            "steward",
            "created_at",
        ]
        read_only_fields = fields


class ProjectWriteSerializer(serializers.ModelSerializer):
    """Creates through projects.services.project_create, updates through project_update.

    The stage is set only at creation; afterwards it moves through POST projects/{id}/stage/.
    Regions offered are those in which the caller may change projects.
    """

    stage = serializers.ChoiceField(
        choices=Stage.choices, required=False, help_text="仅创建时可设;此后通过 stage 接口变更"
    )
    start_type = serializers.ChoiceField(choices=StartType.choices, required=False, allow_blank=True)
    confirm_duplicates = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="仅创建时:存在可能重复的项目时先返回 400(confirm_duplicates 列出它们),核对后带 true 再提交",
    )

    class Meta:
        model = Project
        fields = [*PROJECT_EDITABLE_FIELDS, "stage", "start_type", "confirm_duplicates"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness: the service's full_clean reports it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        from django.db.models import Q

        from ..access import PEOPLE_FIELDS, Action, Role, department_ids, has_role, may_assign

        # A department registers the projects it leads in any county (access.may_register).
        owns = bool(department_ids(user)) if user is not None else False
        self.fields["region"].queryset = (
            selectors.regions_visible(user=user) if owns else selectors.regions_for(user=user, action=Action.CHANGE)
        )
        self.fields["sector"].queryset = selectors.sectors_all()
        self.fields["category"].queryset = selectors.categories_all()
        self.fields["department"].queryset = selectors.departments_all()
        # Who may name which person is access.may_assign; for a field the caller may not set, the only
        # acceptable id is the one already set, so an id answers "invalid" alike whether or not that
        # user exists (the service refuses a change too, whatever the path).
        for name in PEOPLE_FIELDS:
            if user is not None and may_assign(user, name, self.instance) and has_role(user, Role.ADMIN):
                self.fields[name].queryset = selectors.people_all()
            elif user is not None and may_assign(user, name, self.instance):
                # Only the holders of the field's role (and whoever the project names now).
                current = getattr(self.instance, f"{name}_id", None) if self.instance is not None else None
                holders = selectors.people_for_field(name).values("pk")
                self.fields[name].queryset = selectors.people_all().filter(Q(pk__in=holders) | Q(pk=current))
            else:
                current = getattr(self.instance, f"{name}_id", None) if self.instance is not None else None
                self.fields[name].queryset = selectors.people_all().filter(pk__in=[current] if current else [])

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("stage", "start_type"):
                if name in attrs:
                    raise serializers.ValidationError({name: "阶段只能通过阶段变更接口(stage/)修改。"})
        return attrs

    def create(self, validated_data):
        from ..services import project_create

        validated_data["confirm_duplicates"] = bool(validated_data.pop("confirm_duplicates", False))
        return project_create(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        from ..services import project_update

        validated_data.pop("confirm_duplicates", None)
        return project_update(project=instance, user=self.context["request"].user, **validated_data)


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.StringRelatedField(read_only=True, allow_null=True)
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_blank=True, read_only=True)
    start_type = serializers.ChoiceField(choices=StartType.choices, allow_blank=True, read_only=True)

    class Meta:
        model = StageChange
        fields = ["id", "from_stage", "to_stage", "start_type", "changed_on", "changed_by", "reason", "is_backward"]
        read_only_fields = fields


class StageChangeRequestSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    changed_on = serializers.DateField(required=False, help_text="默认今天;不能晚于今天")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="退回之前阶段时必填")
    start_type = serializers.ChoiceField(choices=StartType.choices, required=False, allow_blank=True, default="")
