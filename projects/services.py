"""Writes for the project registry. Views, serializers, commands and tasks call these."""

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import reference_data
from .access import Action, can
from .choices import Stage
from .models import Category, Department, KeyProjectThreshold, Project, Region, Sector, StageChange

PROJECT_EDITABLE_FIELDS = [
    "code",
    "name",
    "investor",
    "description",
    "region",
    "sector",
    "category",
    "department",
    "total_investment",
    "annual_plan",
    "planned_start",
    "planned_completion",
    "address",
    "longitude",
    "latitude",
    "city_leader",
    "county_leader",
    "steward",
]


def _require(user, action, project):
    if user is not None and not can(user, action, project):
        raise PermissionDenied("无权操作该项目。")


def _audit_context(user):
    return pghistory.context(user=user.pk if user is not None else None)


def _normalise(data):
    data = dict(data)
    if "code" in data:
        data["code"] = (data["code"] or "").strip().upper() or None
    return data


@transaction.atomic
def project_create(*, user, stage=Stage.PLANNING, start_type="", **data):
    """Register a project. Its first stage is recorded as a stage change from nothing."""
    unknown = set(data) - set(PROJECT_EDITABLE_FIELDS) - {"actual_start", "actual_completion"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    project = Project(stage=stage, start_type=start_type, **_normalise(data))
    _require(user, Action.CHANGE, project)
    project.full_clean()
    with _audit_context(user):
        project.save()
        StageChange.objects.create(
            project=project,
            from_stage="",
            to_stage=stage,
            start_type=start_type,
            changed_on=timezone.localdate(),
            changed_by=user,
            reason="登记入库",
        )
    return project


@transaction.atomic
def project_update(*, project, user, **data):
    """Change a project's facts. The stage moves only through project_stage_change."""
    unknown = set(data) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "该字段不能在此修改。"))
    _require(user, Action.CHANGE, project)
    data = _normalise(data)
    for field, value in data.items():
        setattr(project, field, value)
    # Moving a project to another county must stay within the user's scope too.
    _require(user, Action.CHANGE, project)
    project.full_clean()
    with _audit_context(user):
        project.save()
    return project


@transaction.atomic
def project_stage_change(*, project, to_stage, user, changed_on=None, reason="", start_type=""):
    """Move a project to another stage, recording when, by whom and why.

    A move backwards needs a reason. Starting construction needs a start type and sets the
    actual start date; completing sets the actual completion date.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require(user, Action.CHANGE, project)
    changed_on = changed_on or timezone.localdate()
    reason = (reason or "").strip()
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": f"未知阶段:{to_stage}。"})
    if to_stage == project.stage and (start_type or project.start_type) == project.start_type:
        raise ValidationError({"to_stage": "项目已处于该阶段。"})
    if changed_on > timezone.localdate():
        raise ValidationError({"changed_on": "变更日期不能晚于今天。"})
    backward = Stage.rank(to_stage) < Stage.rank(project.stage)
    if backward and not reason:
        raise ValidationError({"reason": "项目退回到之前的阶段,必须说明原因。"})
    if to_stage == Stage.CONSTRUCTION:
        if not start_type:
            raise ValidationError({"start_type": "开工须注明开工类型(新开工/续建/复工)。"})
        project.start_type = start_type
        if project.actual_start is None or start_type == "new":
            project.actual_start = changed_on
    elif to_stage in (Stage.COMPLETED, Stage.OPERATING):
        if project.actual_start is None:
            raise ValidationError({"to_stage": "项目尚未开工,不能直接竣工或投产。"})
        if project.actual_completion is None:
            if changed_on < project.actual_start:
                raise ValidationError({"changed_on": "竣工日期不能早于实际开工日期。"})
            project.actual_completion = changed_on
    elif backward and Stage.rank(to_stage) < Stage.rank(Stage.CONSTRUCTION):
        project.start_type = ""
    if backward and Stage.rank(to_stage) <= Stage.rank(Stage.CONSTRUCTION):
        project.actual_completion = None
    change = StageChange(
        project=project,
        from_stage=project.stage,
        to_stage=to_stage,
        start_type=start_type if to_stage == Stage.CONSTRUCTION else "",
        changed_on=changed_on,
        changed_by=user,
        reason=reason,
        is_backward=backward,
    )
    change.full_clean()
    project.stage = to_stage
    project.full_clean()
    with _audit_context(user):
        project.save()
        change.save()
    return change


@transaction.atomic
def reference_data_load():
    """Create the default reference data where missing; never overwrite an administrator's edits."""
    created = 0
    for order, (key, name, code, kind) in enumerate(reference_data.REGIONS):
        _, new = Region.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "name_en": reference_data.NAMES_EN.get(name, ""),
                "division_code": code,
                "kind": kind,
                "sort_order": order,
            },
        )
        created += new
    for order, (name, kind) in enumerate(reference_data.SECTORS):
        _, new = Sector.objects.get_or_create(
            name=name, defaults={"kind": kind, "sort_order": order, "name_en": reference_data.NAMES_EN.get(name, "")}
        )
        created += new
    for order, (key, name) in enumerate(reference_data.DEPARTMENTS):
        _, new = Department.objects.get_or_create(
            key=key, defaults={"name": name, "sort_order": order, "name_en": reference_data.NAMES_EN.get(name, "")}
        )
        created += new
    for order, (key, name, lead) in enumerate(reference_data.CATEGORIES):
        lead_department = Department.objects.get(key=lead) if lead else None
        _, new = Category.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "name_en": reference_data.NAMES_EN.get(name, ""),
                "lead_department": lead_department,
                "sort_order": order,
            },
        )
        created += new
    for level, minimum in reference_data.THRESHOLDS:
        _, new = KeyProjectThreshold.objects.get_or_create(level=level, defaults={"min_total_investment": minimum})
        created += new
    return created
