"""Row-level access: the one place that decides which projects a user may see or touch.

Every read path (pages, API, exports, imports, reports, downloads, admin) goes through
``RestrictedQuerySet.restrict(user, action)`` or ``project_q``; writes check ``can``.
Models that hang off a project set ``scope_path`` (e.g. ``"project__"``) and inherit the rule.
Outside scope means "does not exist": callers answer 404, never 403.
"""

from django.db import models
from django.db.models import Q

from .choices import Role


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
}
SCOPE_ATTR = {"category_id": "category_id", "department_id": "department_id", "region_id": "region_id"}
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
        value = getattr(assignment, field)
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

# People named on a project (包保领导, 项目管家) are set by administrators only.
PEOPLE_FIELDS = ("city_leader", "county_leader", "steward")


def first_stages(user, *, history=False):
    """The stages a new project may start in for this user (all of them for an admin's history import)."""
    from .choices import Stage

    if history and has_role(user, Role.ADMIN):
        return tuple(Stage.values)
    return FIRST_STAGES


def can_assign_people(user):
    """Whether the user may set a project's city/county leader and steward."""
    return has_role(user, Role.ADMIN)


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
        if Action.VIEW not in actions:
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
