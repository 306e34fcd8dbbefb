"""Row-level access: the one place that decides which projects a user may see or touch.

Every read path (pages, API, exports, imports, reports, downloads, admin) goes through
``RestrictedQuerySet.restrict(user, action)`` or ``project_q``; writes check ``can``.
Models that hang off a project set ``scope_path`` (e.g. ``"project__"``) and inherit the rule.
Outside scope means "does not exist": callers answer 404, never 403.
"""

from django.db import models
from django.db.models import Q

from .choices import Role, Tier


class Action:
    VIEW = "view"
    CHANGE = "change"  # edit project facts and enter progress
    VERIFY = "verify"  # verify a county's submitted entries
    COMMENT = "comment"  # comment on photos, follow problems
    ADMIN = "admin"  # reference data, deletes


# For each role, the actions it grants and the project field its scope is keyed on
# (None: every project).
GRANTS = {
    Role.ADMIN: ({Action.VIEW, Action.CHANGE, Action.VERIFY, Action.COMMENT, Action.ADMIN}, None),
    Role.LEADERSHIP: ({Action.VIEW, Action.COMMENT}, None),
    Role.SPECIAL_GROUP: ({Action.VIEW, Action.COMMENT}, "category_id"),
    Role.DEPARTMENT: ({Action.VIEW, Action.COMMENT}, "department_id"),
    Role.COUNTY_STAFF: ({Action.VIEW, Action.CHANGE}, "region_id"),
    Role.COUNTY_REVIEWER: ({Action.VIEW, Action.VERIFY, Action.COMMENT}, "region_id"),
    Role.REPORT_MANAGER: (set(), None),
    # A steward or leader in charge sees the projects that name them, whatever the county (分级分类包保).
    Role.STEWARD: ({Action.VIEW, Action.COMMENT}, "steward_id"),
    Role.CITY_LEADER: ({Action.VIEW, Action.COMMENT}, "city_leader_id"),
    Role.COUNTY_LEADER: ({Action.VIEW, Action.COMMENT}, "county_leader_id"),
}
SCOPE_ATTR = {"category_id": "category_id", "department_id": "department_id", "region_id": "region_id"}
# Scopes keyed on the user themself (the project field that names them), not on the assignment's place.
PERSON_SCOPES = {"steward_id", "city_leader_id", "county_leader_id"}
NOTHING = Q(pk__in=[])


def user_roles(user):
    """The user's role assignments, loaded once per user object (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_role_assignments", None)
    if cached is None:
        cached = list(user.roles.all())
        user._role_assignments = cached
    return cached


def has_role(user, *roles):
    if getattr(user, "is_superuser", False) and Role.ADMIN in roles:
        return True
    return any(r.role in roles for r in user_roles(user))


def _grants(user, action):
    """(all_rows, {field: set(ids)}) granted to the user for the action."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, {}
    if user.is_superuser:
        return True, {}
    keyed = {}
    for assignment in user_roles(user):
        actions, field = GRANTS[assignment.role]
        if action not in actions:
            continue
        if field is None:
            return True, {}
        value = user.pk if field in PERSON_SCOPES else getattr(assignment, field)
        if value is not None:
            keyed.setdefault(field, set()).add(value)
    return False, keyed


def project_q(user, action=Action.VIEW, prefix=""):
    """A Q object that keeps only the projects (reached through ``prefix``) the user may act on."""
    all_rows, keyed = _grants(user, action)
    if all_rows:
        return Q()
    q = NOTHING
    for field, ids in keyed.items():
        q |= Q(**{f"{prefix}{field}__in": sorted(ids)})
    return q


def can(user, action, project):
    """Whether the user may perform the action on this (already loaded) project."""
    all_rows, keyed = _grants(user, action)
    if all_rows:
        return True
    return any(getattr(project, field) in ids for field, ids in keyed.items())


def region_ids(user, action=Action.VIEW):
    """Region ids the user may act on, or None for all regions."""
    all_rows, keyed = _grants(user, action)
    if all_rows:
        return None
    if keyed.keys() - {"region_id"}:
        # Category/department scopes cut across regions: callers filter projects instead.
        return None
    return keyed.get("region_id", set())


# The scopes the per-scope totals (investment.ScopeTotal, ScopeMonth) are kept for, by scope field.
ROLLUP_SCOPES = {"region_id": "region", "category_id": "category", "department_id": "department"}


def rollup_scope(user, action=Action.VIEW):
    """The user's scope as kept by the per-scope totals: ("all", [0]) for every project, (kind, ids) when
    it is keyed on one field only (a county, a special group, a department; projects in several of its
    ids never overlap), ("all", []) for nothing at all; None when it combines fields (a county and a
    category: a union the totals cannot add up without counting a project twice)."""
    all_rows, keyed = _grants(user, action)
    if all_rows:
        return ("all", [0])
    if not keyed:
        return ("all", [])
    if len(keyed) > 1:
        return None
    field, ids = next(iter(keyed.items()))
    return (ROLLUP_SCOPES[field], sorted(ids))


def department_ids(user):
    """The departments the user works for (department role), whose procedure items it owes."""
    return sorted({r.department_id for r in user_roles(user) if r.role == Role.DEPARTMENT and r.department_id})


def procedure_item_q(user, action=Action.VIEW, prefix=""):
    """Procedure items (reached through ``prefix``) the user may act on: those of the projects in its
    scope, plus, for a department, the items it owes on any project (view them and record their
    progress), even where the project lies outside its sector. Owing an item opens only the item and
    the project's public facts (``project_public_q``), not the rest of the project."""
    q = project_q(user, action, f"{prefix}project__")
    if action in (Action.VIEW, Action.CHANGE) and getattr(user, "is_active", False):
        owed = department_ids(user)
        if owed:
            q |= Q(**{f"{prefix}department_id__in": owed})
    return q


def project_public_q(user, prefix=""):
    """Projects whose public facts (name, code, region, investor, stage) the user may read: its scope,
    plus the projects on which its department owes a procedure item."""
    q = project_q(user, Action.VIEW, prefix)
    owed = department_ids(user) if getattr(user, "is_active", False) else []
    if owed:
        q |= Q(**{f"{prefix}procedures__department_id__in": owed})
    return q


class RestrictedQuerySet(models.QuerySet):
    """QuerySet whose rows belong to projects; ``scope_path`` leads from the row to its project."""

    scope_path = ""

    def restrict(self, user, action=Action.VIEW):
        return self.filter(project_q(user, action, self.scope_path))


# --- Rules that every write path (page, API, import) meets: the services call these. -----------

# A project enters the registry in one of the first two pools; later stages are reached through
# project_stage_change, which records dates and reasons. Only an administrator's import of history
# (projects that existed before the platform) may register a project further along.
FIRST_STAGES = ("planning", "negotiating")

# People named on a project (包保领导, 项目管家): see ``may_assign``.
PEOPLE_FIELDS = ("city_leader", "county_leader", "steward")
# The role a person holds to be named in each field (the candidates offered for it).
PEOPLE_ROLES = {"city_leader": Role.CITY_LEADER, "county_leader": Role.COUNTY_LEADER, "steward": Role.STEWARD}


def first_stages(user, *, history=False):
    """The stages a new project may start in for this user (all of them for an admin's history import)."""
    from .choices import Stage

    if history and has_role(user, Role.ADMIN):
        return tuple(Stage.values)
    return FIRST_STAGES


def may_assign(user, field, project=None, person=None):
    """The one rule of who may name a project's people (分级分类包保): administrators name anyone; the
    county staff who may change a project name its county leader and its steward, never its city
    leader (a city decision), and only someone who holds that role (``PEOPLE_ROLES``; clearing the
    field is allowed). Without a project (a form about to register one, a field offered or not):
    whether the user may name this field on some project."""
    if field not in PEOPLE_FIELDS:
        return False
    if has_role(user, Role.ADMIN):
        return getattr(user, "is_active", False)
    if field == "city_leader":
        return False
    if project is None:
        all_rows, keyed = _grants(user, Action.CHANGE)
        allowed = all_rows or bool(keyed)
    else:
        allowed = can(user, Action.CHANGE, project)
    if allowed and person is not None:
        return getattr(person, "is_active", False) and has_role(person, PEOPLE_ROLES[field])
    return allowed


def can_assign_people(user):
    """Whether the user may set every one of a project's people (an administrator)."""
    return all(may_assign(user, field) for field in PEOPLE_FIELDS) and has_role(user, Role.ADMIN)


def may_register(user, project):
    """Who may register a new project (谋划入库) on the web or the API: those who may change it (county
    staff of its county, administrators), and a city department's staff (the attraction office is
    the commerce bureau's) for a project their department leads, in any county."""
    if can(user, Action.CHANGE, project):
        return True
    return bool(project.department_id) and project.department_id in department_ids(user)


def may_register_somewhere(user):
    """Whether the user may register a project at all (the page and the API's create)."""
    all_rows, keyed = _grants(user, Action.CHANGE)
    return all_rows or bool(keyed) or bool(department_ids(user))


def responsible_region_allowed(project, region_id):
    """A problem or supervision order about a project may be given to the project's own county
    (or to a city department, which is city-wide): never to another county, whose staff would
    then be told the project's name and the problem's text."""
    return region_id is None or region_id == project.region_id


def addressable_q(project, prefix=""):
    """Users an order about this project may be addressed to by name (an enterprise contact): those
    who may see the project (its county's staff and reviewers, city-wide roles, the project's
    department and category groups) and the people named on it."""
    q = Q(**{f"{prefix}is_superuser": True})
    people = [pk for pk in (project.city_leader_id, project.county_leader_id, project.steward_id) if pk]
    if people:
        q |= Q(**{f"{prefix}pk__in": people})
    for role, (actions, field) in GRANTS.items():
        if Action.VIEW not in actions or field in PERSON_SCOPES:  # the people named are in ``people`` above
            continue
        if field is None:
            q |= Q(**{f"{prefix}roles__role": role})
        else:
            q |= Q(**{f"{prefix}roles__role": role, f"{prefix}roles__{field}": getattr(project, SCOPE_ATTR[field])})
    return q


def may_address(user, project):
    """Whether an order about the project may name this user as its addressee."""
    if user is None or not user.is_active:
        return False
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(addressable_q(project), pk=user.pk).exists()


def scope_keys(user, action=Action.VIEW):
    """(all_rows, {project field: set(ids)}): what the user's scope is keyed on, for pages that say
    whose data they show."""
    return _grants(user, action)


# --- Service tasks (帮办代办, the assistance app) ----------------------------------------------------
def people_project_q(user, prefix=""):
    """Projects (reached through ``prefix``) on which the user is named: city or county leader in
    charge (包保领导) or steward (项目管家)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    return (
        Q(**{f"{prefix}steward_id": user.pk})
        | Q(**{f"{prefix}city_leader_id": user.pk})
        | Q(**{f"{prefix}county_leader_id": user.pk})
    )


def service_task_q(user, action=Action.VIEW, prefix=""):
    """Service tasks (reached through ``prefix``) the user may see or handle: those of the projects in
    its scope (county staff their county's, city roles all, departments their sector's), those owed by
    its unit (a department) or by the user, and those of the projects it serves as leader or steward."""
    q = project_q(user, action, f"{prefix}project__")
    if not q:  # every project (an empty Q): OR-ing a narrower rule onto it would narrow it
        return q
    if action not in (Action.VIEW, Action.CHANGE) or not getattr(user, "is_authenticated", False):
        return q
    if not user.is_active:
        return q
    owed = department_ids(user)
    if owed:
        q |= Q(**{f"{prefix}owner_unit_id__in": owed})
    return q | Q(**{f"{prefix}owner_person_id": user.pk}) | people_project_q(user, f"{prefix}project__")


def is_project_person(user, project):
    """Whether the user is named on the project as leader in charge or steward."""
    return getattr(user, "is_authenticated", False) and user.pk in (
        project.steward_id,
        project.city_leader_id,
        project.county_leader_id,
    )


def can_request_service(user, project):
    """Who may log an enterprise's request on a project: who may change the project (its county's
    staff, administrators), and the project's leaders in charge and steward."""
    return can(user, Action.CHANGE, project) or is_project_person(user, project)


def can_handle_service(user, task):
    """Who may move a service task along (accept, refuse, record contacts, finish, convert): the owner
    person, staff of the owner unit, the project's steward and leaders, its county staff, admins."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_role(user, Role.ADMIN) or task.owner_person_id == user.pk:
        return True
    if task.owner_unit_id and task.owner_unit_id in department_ids(user):
        return True
    return is_project_person(user, task.project) or can(user, Action.CHANGE, task.project)


# --- registries owned by a place (attraction's task forces, zones, funds, outreach, visits) -------------
def region_scope_q(user, action=Action.VIEW, field="region_id"):
    """Rows owned by a county (``field``, None for city-level rows) the user may act on: city-wide roles
    every row, county roles their own county's rows (never the city's or another county's)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if getattr(user, "is_superuser", False):
        return Q()
    ids = region_ids(user, action)
    if ids is None:
        return Q()
    return Q(**{f"{field}__in": sorted(ids)}) if ids else NOTHING


def may_act_in_region(user, action, region_id):
    """Whether the user may act (``action``) on a row owned by ``region_id`` (None: the city): city-wide
    grants any row, county grants their own county's rows only."""
    all_rows, keyed = _grants(user, action)
    if all_rows:
        return True
    return region_id is not None and region_id in keyed.get("region_id", ())


# --- Roles and scopes of the apps above projects (issue 18: access in one place) ---------------------
# The predicates below used to live in the apps (investment/supervision models' restrict, dispatch and
# attraction selectors, supervision services, portal views); those modules re-export them under their
# old names. They read only roles and field names, so projects imports none of those apps.

UNIT_REGION, UNIT_DEPARTMENT, UNIT_ENTERPRISE = "region", "department", "enterprise"  # supervision.UnitKind
ISSUER_ROLES = (Role.ADMIN, Role.LEADERSHIP, Role.SPECIAL_GROUP, Role.DEPARTMENT)
DASHBOARD_ROLES = (Role.ADMIN, Role.LEADERSHIP, Role.SPECIAL_GROUP, Role.DEPARTMENT, Role.REPORT_MANAGER)


def _signed_in(user):
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def is_admin(user):
    """Administrators (reference data, events, targets)."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or has_role(user, Role.ADMIN)))


def sees_everything(user):
    """Administrators and city leadership: every group, round, report and notice."""
    return bool(getattr(user, "is_active", False)) and (
        getattr(user, "is_superuser", False) or has_role(user, Role.ADMIN, Role.LEADERSHIP)
    )


def is_report_manager(user):
    return sees_everything(user) or has_role(user, Role.REPORT_MANAGER)


def can_request_reports(*, user, group):
    """Who may ask for a fresh report of a dispatch group's round: leadership, administrators and the
    group's report managers (an evaluation's report: any report manager, ``is_report_manager``)."""
    return sees_everything(user) or group.report_managers.filter(pk=user.pk).exists()


def can_use_bulletins(user):
    """The bulletin is a city-wide document for the mayor: leadership, administrators, report managers."""
    if not _signed_in(user):
        return False
    return user.is_superuser or has_role(user, Role.ADMIN, Role.LEADERSHIP, Role.REPORT_MANAGER)


def department_view_q(user, field):
    """For viewing: rows whose ``field`` (a department id) is one of the user's departments; None when
    the user has none (never OR a Q with NOTHING: ``Q() | X`` is X, so "all rows" would become none)."""
    departments = [r.department_id for r in user_roles(user) if r.role == Role.DEPARTMENT]
    return Q(**{f"{field}__in": departments}) if departments else None


def problem_q(user, action=Action.VIEW, prefix="project__"):
    """Problems: project scope, plus (for viewing) those assigned to the user's department."""
    q = project_q(user, action, prefix)
    departments = department_view_q(user, "responsible_department_id") if action == Action.VIEW else None
    return q | departments if departments is not None else q


def order_q(user, action=Action.VIEW, prefix="project__"):
    """Supervision orders: project scope, plus (for viewing) those addressed to the user's unit or to
    the user, and those the user issued."""
    q = project_q(user, action, prefix)
    if action == Action.VIEW and getattr(user, "is_authenticated", False):
        departments = department_view_q(user, "unit_department_id")
        if departments is not None:
            q |= departments
        q |= Q(unit_contact_id=user.pk) | Q(issued_by_id=user.pk)
    return q


def group_q(user, prefix=""):
    """Dispatch groups whose rounds and reports the user may see."""
    if not _signed_in(user):
        return NOTHING
    if sees_everything(user):
        return Q()
    q = Q(**{f"{prefix}report_managers": user}) | Q(**{f"{prefix}members": user})
    for assignment in user_roles(user):
        if assignment.role in (Role.COUNTY_STAFF, Role.COUNTY_REVIEWER):
            q |= Q(**{f"{prefix}region_id": assignment.region_id})
        elif assignment.role == Role.DEPARTMENT:
            q |= Q(**{f"{prefix}department_id": assignment.department_id})
        elif assignment.role == Role.SPECIAL_GROUP:
            q |= Q(**{f"{prefix}category_id": assignment.category_id})
    return q


def notice_q(user):
    """Warning notices: leadership all; a county or department its own."""
    if sees_everything(user):
        return Q()
    if not _signed_in(user):
        return NOTHING
    q = NOTHING
    for assignment in user_roles(user):
        if assignment.region_id and assignment.role in (Role.COUNTY_STAFF, Role.COUNTY_REVIEWER):
            q |= Q(region_id=assignment.region_id)
        elif assignment.department_id and assignment.role == Role.DEPARTMENT:
            q |= Q(department_id=assignment.department_id)
    return q


def unit_users_q(*, unit_kind, region_id=None, department_id=None):
    """Users (a Q on the user model) who answer for a county or a department."""
    if unit_kind == UNIT_REGION:
        return Q(roles__role__in=[Role.COUNTY_STAFF, Role.COUNTY_REVIEWER], roles__region=region_id)
    return Q(roles__role=Role.DEPARTMENT, roles__department=department_id)


def tier_users_q(project, tier):
    """Users (a Q on the user model) of a dispatch tier for a project: whom an escalation reaches."""
    if tier == Tier.COUNTY:
        return Q(roles__role__in=[Role.COUNTY_STAFF, Role.COUNTY_REVIEWER], roles__region=project.region_id)
    if tier == Tier.DEPARTMENT:
        return Q(roles__role=Role.DEPARTMENT, roles__department=project.department_id)
    if tier == Tier.SPECIAL:
        return Q(roles__role=Role.SPECIAL_GROUP, roles__category=project.category_id)
    return Q(roles__role=Role.LEADERSHIP)


def can_reply(user, order):
    """Whether the user answers for the order's unit (its county, its department, or its contact)."""
    if has_role(user, Role.ADMIN):
        return True
    if order.unit_kind == UNIT_ENTERPRISE:
        return order.unit_contact_id == user.pk
    for r in user_roles(user):
        region_match = r.role in (Role.COUNTY_STAFF, Role.COUNTY_REVIEWER) and r.region_id == order.unit_region_id
        department_match = r.role == Role.DEPARTMENT and r.department_id == order.unit_department_id
        if (order.unit_kind == UNIT_REGION and region_match) or (
            order.unit_kind == UNIT_DEPARTMENT and department_match
        ):
            return True
    return False


def can_review(user, order):
    return order.issued_by_id == user.pk or has_role(user, Role.ADMIN)


def can_issue(user):
    return has_role(user, *ISSUER_ROLES)


def is_county_user(user):
    """County staff and reviewers (who land on their to-do list rather than the dashboard)."""
    return (
        has_role(user, Role.COUNTY_STAFF, Role.COUNTY_REVIEWER)
        and not user.is_superuser
        and not has_role(user, *DASHBOARD_ROLES)
    )


def is_report_manager_only(user):
    """Report managers who read no projects (they land on the report centre)."""
    return (
        has_role(user, Role.REPORT_MANAGER)
        and not user.is_superuser
        and not has_role(user, Role.ADMIN, Role.LEADERSHIP, Role.SPECIAL_GROUP, Role.DEPARTMENT)
        and not has_role(user, Role.COUNTY_STAFF, Role.COUNTY_REVIEWER)
    )


class _CityWide:
    """Marker for reads on behalf of the system (scheduled city-wide documents), never a signed-in user."""

    is_authenticated = True
    is_active = True

    def __repr__(self):
        return "CITY_WIDE"


CITY_WIDE = _CityWide()


def city_wide_or_project_q(user, prefix="", action=Action.VIEW):
    """Project scope, or everything for the system reader CITY_WIDE."""
    return Q() if user is CITY_WIDE else project_q(user, action, prefix)


PORTFOLIO_ROLES = (Role.STEWARD, Role.CITY_LEADER, Role.COUNTY_LEADER)


def is_portfolio_user(user):
    """Stewards and leaders in charge who hold no wider role land on "我的包保项目"."""
    return (
        has_role(user, *PORTFOLIO_ROLES)
        and not user.is_superuser
        and not has_role(user, *DASHBOARD_ROLES, Role.COUNTY_STAFF, Role.COUNTY_REVIEWER)
    )
