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


class RestrictedQuerySet(models.QuerySet):
    """QuerySet whose rows belong to projects; ``scope_path`` leads from the row to its project."""

    scope_path = ""

    def restrict(self, user, action=Action.VIEW):
        return self.filter(project_q(user, action, self.scope_path))


def scope_keys(user, action=Action.VIEW):
    """(all_rows, {project field: set(ids)}): what the user's scope is keyed on, for pages that say
    whose data they show."""
    return _grants(user, action)
