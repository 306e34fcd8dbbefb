"""Writes for the project registry. Views, serializers, commands and tasks call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.writes import audit as _audit_context
from common.writes import refuse_unknown

from . import reference_data
from .access import PEOPLE_FIELDS, Action, can, first_stages, may_assign, may_register
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


PEOPLE_REFUSED = "无权设置该包保人员(市级包保领导由管理员确定;县区可确定本县区项目的县级包保领导和项目管家)。"


def _refuse_people(user, data, project):
    """Who may name a project's people is access.may_assign, on every path (page, API, import)."""
    if user is None:
        return
    changed = [
        f for f in PEOPLE_FIELDS if f in data and getattr(data[f], "pk", data[f]) != getattr(project, f"{f}_id", None)
    ]
    refused = [f for f in changed if not may_assign(user, f, project, person=_person(data[f]))]
    if refused:
        raise ValidationError(dict.fromkeys(refused, PEOPLE_REFUSED))


def _person(value):
    if value is None or hasattr(value, "pk"):
        return value
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=value).first()


FIRST_STAGE_REFUSED = "新项目只能登记为谋划或洽谈阶段,此后通过阶段变更推进。"


def code_region_error(code, region):
    """The message when a national project code's region part (RRRRRR) does not belong to the county
    (its administrative division code; a zone without one: a code of the city, 2103xx), else None."""
    from .models import PROJECT_CODE_RE

    if not code or region is None or not PROJECT_CODE_RE.match(code):
        return None  # no code, or a malformed one: the format check names it
    part = code.split("-")[1]
    if region.division_code:
        if part != region.division_code:
            return f"项目代码的行政区划部分({part})与所选县区“{region.name}”的代码 {region.division_code} 不一致。"
    elif not part.startswith("2103"):
        return f"项目代码的行政区划部分({part})不属于鞍山市(应为 2103 开头)。"
    return None


class DuplicateSuspected(ValidationError):
    """Likely duplicates of a project being registered; ``duplicates`` lists them (in the user's scope)."""

    def __init__(self, duplicates):
        self.duplicates = duplicates
        names = "、".join(f"“{d['name']}”({d['reason']})" for d in duplicates)
        errors = {
            "confirm_duplicates": f"可能与已有项目重复:{names}。请核对;确认不是同一项目后勾选“确认不重复”再提交。"
        }
        same_code = [d["name"] for d in duplicates if d["same_code"]]
        if same_code:  # a code is unique: no confirmation makes it usable
            errors["code"] = f"该项目代码已由项目“{same_code[0]}”使用。"
        super().__init__(errors)


@transaction.atomic
def project_create(*, user, stage=Stage.PLANNING, start_type="", history=False, confirm_duplicates=None, **data):
    """Register a project (谋划入库). Its first stage is recorded as a stage change from nothing.

    The one rule for every path (page, API, import): a new project starts in planning or negotiation
    (``access.first_stages``); only an administrator's import of history (``history=True``) may
    register one further along. Outside a history import the code's region part must be the county's.
    ``confirm_duplicates`` False (the page and the API) refuses likely duplicates
    (``selectors.likely_duplicates``) until the user confirms (True); None skips the check (an import)."""
    unknown = set(data) - set(PROJECT_EDITABLE_FIELDS) - {"actual_start", "actual_completion"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if stage not in first_stages(user, history=history):
        raise ValidationError({"stage": FIRST_STAGE_REFUSED})
    if not history and (start_type or data.get("actual_start") or data.get("actual_completion")):
        raise ValidationError({"stage": FIRST_STAGE_REFUSED})
    project = Project(stage=stage, start_type=start_type, **_normalise(data))
    _refuse_people(user, data, project)
    if user is not None and not may_register(user, project):
        raise PermissionDenied("无权操作该项目。")
    if not history:
        wrong_region = code_region_error(project.code, getattr(project, "region", None) if project.region_id else None)
        if wrong_region:
            raise ValidationError({"code": wrong_region})
    if confirm_duplicates is False and user is not None:
        from .selectors import likely_duplicates

        duplicates = likely_duplicates(
            user=user, code=project.code, name=project.name, investor=project.investor, region_id=project.region_id
        )
        if duplicates:
            raise DuplicateSuspected(duplicates)
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
def project_people_assign(*, user, projects, field, person):
    """Bulk assignment (分级分类包保): name ``person`` (or None to clear) in ``field`` of every project
    given. All or nothing: one project the user may not assign refuses the whole batch. Audited
    (pghistory, with the user) as every project edit. Returns the number of projects changed."""
    if field not in PEOPLE_FIELDS:
        raise ValidationError({"field": "请选择包保角色。"})
    ids = sorted({p.pk for p in projects})
    if not ids:
        raise ValidationError({"projects": "请至少选择一个项目。"})
    if person is not None and not person.is_active:
        raise ValidationError({"person": "该人员已停用。"})
    locked = list(Project.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    refused = [p.name for p in locked if not may_assign(user, field, p, person=person)]
    if refused or len(locked) != len(ids):
        raise ValidationError({"field": PEOPLE_REFUSED})
    changed = [p.pk for p in locked if getattr(p, f"{field}_id") != getattr(person, "pk", None)]
    with _audit_context(user):
        Project.objects.filter(pk__in=changed).update(**{field: person, "updated_at": timezone.now()})
    return len(changed)


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
def sector_links_load(*, names=None):
    """Link the default featured industries to their chain and cluster (reference_data.SECTOR_LINKS),
    only for ``names`` (the rows just created) or, without names, where no link was set yet."""
    ids = dict(Sector.objects.values_list("name", "pk"))
    linked = 0
    for name, (chain, cluster) in reference_data.SECTOR_LINKS.items():
        if names is not None and name not in names:
            continue
        qs = Sector.objects.filter(name=name, chain__isnull=True, cluster__isnull=True)
        linked += qs.update(chain_id=ids.get(chain), cluster_id=ids.get(cluster))
    return linked


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
    fresh = []
    for order, (name, kind) in enumerate(reference_data.SECTORS):
        _, new = Sector.objects.get_or_create(
            name=name, defaults={"kind": kind, "sort_order": order, "name_en": reference_data.NAMES_EN.get(name, "")}
        )
        created += new
        if new:
            fresh.append(name)
    sector_links_load(names=fresh)
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
    from .models import AssignmentRule

    if not AssignmentRule.objects.exists():  # an administrator's rules, once there are any, stay theirs
        for order, (name, field, minimum, key_level, max_projects, active) in enumerate(
            reference_data.ASSIGNMENT_RULES
        ):
            AssignmentRule.objects.create(
                name=name, field=field, min_total_investment=minimum, key_level=key_level,
                max_projects=max_projects, active=active, sort_order=order,
            )  # fmt: skip
            created += 1
    return created


def portfolio_visit_mark(*, user, at=None):
    """Remember when the user opened "我的包保项目" (an upsert: two tabs at once are one row). Returns
    the previous time, or None on a first visit."""
    from .models import PortfolioVisit

    at = at or timezone.now()
    previous = PortfolioVisit.objects.filter(user=user).values_list("seen_at", flat=True).first()
    PortfolioVisit.objects.bulk_create(
        [PortfolioVisit(user=user, seen_at=at)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["seen_at"],
    )
    return previous
