"""Writes for the project registry. Views, serializers, commands and tasks call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from anshan_projects.writes import audit as _audit_context
from anshan_projects.writes import refuse_unknown

from . import reference_data
from .access import PEOPLE_FIELDS, Action, can, can_assign_people, first_stages
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


def project_lock(project):
    """Serialise the writers of one project's rows: a creation on a natural key that includes the
    project (a month's capital, a year's plan, a funding kind) takes this lock first, so a second
    concurrent creation waits, then sees the first one's row (an update or a clear 400), never an
    IntegrityError."""
    list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True))


# One answer for a malformed code and for one another project holds (which the user may not be
# able to see): outside scope a project does not exist, in messages too.
CODE_REFUSED = "项目代码无效或不可用(应为 YYYY-RRRRRR-DD-TT-NNNNNC 格式的24位代码,且未被其他项目使用)。"


def _clean_and_save(project):
    try:
        project.full_clean()
    except ValidationError as error:
        if hasattr(error, "error_dict") and "code" in error.error_dict:
            error.error_dict["code"] = [ValidationError(CODE_REFUSED)]
        raise
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:
        # The same code registered at the same moment by someone else: the same answer as above.
        raise ValidationError({"code": CODE_REFUSED}) from None


def _require(user, action, project):
    if user is not None and not can(user, action, project):
        raise PermissionDenied("无权操作该项目。")


def _normalise(data):
    data = dict(data)
    if "code" in data:
        data["code"] = (data["code"] or "").strip().upper() or None
    return data


PEOPLE_REFUSED = "只有管理员可以设置包保领导和项目管家。"


def _refuse_people(user, data, project=None):
    """The people named on a project are an administrator's to set, on every path (access rule)."""
    if user is None or can_assign_people(user):
        return
    changed = [
        f for f in PEOPLE_FIELDS if f in data and getattr(data[f], "pk", data[f]) != getattr(project, f"{f}_id", None)
    ]
    if changed:
        raise ValidationError(dict.fromkeys(changed, PEOPLE_REFUSED))


@transaction.atomic
def project_create(*, user, stage=Stage.PLANNING, start_type="", history=False, **data):
    """Register a project. Its first stage is recorded as a stage change from nothing.

    A new project starts in planning or negotiation (``access.first_stages``); only an
    administrator's import of history (``history=True``) may register one further along."""
    unknown = set(data) - set(PROJECT_EDITABLE_FIELDS) - {"actual_start", "actual_completion"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if stage not in first_stages(user, history=history):
        raise ValidationError({"stage": "新项目只能登记为谋划或洽谈阶段,此后通过阶段变更推进。"})
    if not history and (start_type or data.get("actual_start") or data.get("actual_completion")):
        raise ValidationError({"stage": "新项目只能登记为谋划或洽谈阶段,此后通过阶段变更推进。"})
    _refuse_people(user, data)
    project = Project(stage=stage, start_type=start_type, **_normalise(data))
    _require(user, Action.CHANGE, project)
    with _audit_context(user):
        _clean_and_save(project)
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
    refuse_unknown(data, PROJECT_EDITABLE_FIELDS)
    _require(user, Action.CHANGE, project)
    _refuse_people(user, data, project)
    data = _normalise(data)
    for field, value in data.items():
        setattr(project, field, value)
    # Moving a project to another county must stay within the user's scope too.
    _require(user, Action.CHANGE, project)
    with _audit_context(user):
        _clean_and_save(project)
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
