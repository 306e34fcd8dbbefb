"""Reads for the project registry. Every read that a user triggers passes the user: scope is applied here."""

from decimal import Decimal

from django.db.models import Case, CharField, Count, DecimalField, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext

from .access import Action
from .choices import KeyLevel, Stage
from .models import (
    Category,
    Department,
    KeyProjectThreshold,
    OpenDataPolicy,
    Project,
    Region,
    Sector,
    StageChange,
    localized_name,
)

ZERO = Decimal("0.00")


def key_thresholds():
    """{level: minimum 万元} from the editable thresholds table (one query)."""
    values = dict(KeyProjectThreshold.objects.values_list("level", "min_total_investment"))
    values.setdefault(KeyLevel.CITY, Decimal("5000"))
    values.setdefault(KeyLevel.COUNTY, Decimal("500"))
    return values


def key_level_expression(thresholds):
    return Case(
        When(total_investment__gte=thresholds[KeyLevel.CITY], then=Value(KeyLevel.CITY.value)),
        When(total_investment__gte=thresholds[KeyLevel.COUNTY], then=Value(KeyLevel.COUNTY.value)),
        default=Value(""),
        output_field=CharField(),
    )


def key_level_in_sql():
    """The key level computed by the database from the thresholds table (no extra query: each threshold
    is an uncorrelated subquery, evaluated once), with the same defaults as ``key_thresholds``."""
    defaults = {KeyLevel.CITY: Decimal("5000"), KeyLevel.COUNTY: Decimal("500")}
    money = DecimalField(max_digits=16, decimal_places=2)
    thresholds = {
        level: Coalesce(
            Subquery(KeyProjectThreshold.objects.filter(level=level).values("min_total_investment")[:1]),
            Value(default),
            output_field=money,
        )
        for level, default in defaults.items()
    }
    return key_level_expression(thresholds)


def key_level_q(level, thresholds):
    """Projects that are key projects at least at this level."""
    return Q(total_investment__gte=thresholds[level])


def projects_in_scope(*, user, action=Action.VIEW):
    """The projects the user may see (or act on), nothing joined: for exports and filters that add their own."""
    return Project.objects.restrict(user, action)


def project_queryset(*, user, action=Action.VIEW, thresholds_in_query=False):
    """Projects in the user's scope, joined with what lists show (constant query count).

    The key level needs the thresholds: read first (one query) or, with ``thresholds_in_query``, inside
    the list's own query (the API list, where that query is one of five)."""
    key_level = key_level_in_sql() if thresholds_in_query else key_level_expression(key_thresholds())
    return (
        Project.objects.restrict(user, action)
        .select_related("region", "sector", "category", "department")
        .annotate(key_level=key_level)
    )


def project_list(*, user, filters=None, action=Action.VIEW, thresholds_in_query=False):
    qs = project_queryset(user=user, action=action, thresholds_in_query=thresholds_in_query)
    if filters:
        qs = qs.filter(**filters)
    return qs


def project_get(*, user, pk, action=Action.VIEW):
    """One project in the user's scope; outside scope it does not exist (404)."""
    try:
        return (
            project_queryset(user=user, action=action, thresholds_in_query=True)
            .select_related("city_leader", "county_leader", "steward")
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404("项目不存在。") from None


def stage_history(*, user, project):
    return StageChange.objects.restrict(user).filter(project=project).select_related("changed_by")


def project_page(*, user, pk):
    """The project page's own rows in one statement (common.batch): the project (404 outside scope, as
    ``project_get``), its stage history and, for a user who may name people somewhere, the people
    candidates. Returns (project, history, candidates or None)."""
    from common.batch import fetch_together, set_related

    from .access import PEOPLE_FIELDS, may_assign

    wants_people = any(may_assign(user, field) for field in PEOPLE_FIELDS)
    projects, history, people = fetch_together(
        project_queryset(user=user, thresholds_in_query=True)
        .select_related("city_leader", "county_leader", "steward")
        .filter(pk=pk),
        StageChange.objects.restrict(user).filter(project_id=pk).select_related("changed_by"),
        _people_candidate_rows() if wants_people else _people_candidate_rows().none(),
    )
    if not projects:
        raise Http404("项目不存在。")
    (project,) = projects
    return project, set_related(history, "project", project), _candidates_from(people) if wants_people else None


def regions_visible(*, user):
    """Reference lists are public within the system; scope applies to the projects in them."""
    return Region.objects.all()


def sectors_all():
    return Sector.objects.all()


def departments_all():
    return Department.objects.all()


def categories_all():
    return Category.objects.all()


def filter_choices(*, user):
    """The list filters' reference lists in one query (UNION ALL) instead of four: {"region": [...],
    "sector": [...], "category": [...], "department": [...]}, each a list of (id, key, name) in the
    models' own order. Reference lists are public within the system (see ``regions_visible``)."""
    from django.db.models import F

    def part(model, name, key, order_text):
        return (
            model.objects.order_by()
            .annotate(
                _list=Value(name, output_field=CharField()),
                _key=key,
                _o1=order_text,
                _o2=F("sort_order"),
            )
            .values_list("_list", "id", "_key", "name", "_o1", "_o2", "name_en")
        )

    blank = Value("", output_field=CharField())
    union = part(Region, "region", F("key"), blank).union(
        part(Sector, "sector", blank, F("kind")),
        part(Category, "category", F("key"), blank),
        part(Department, "department", F("key"), blank),
        all=True,
    )
    result = {"region": [], "sector": [], "category": [], "department": []}
    for list_name, pk, key, name, _o1, _o2, name_en in sorted(union, key=lambda r: (r[0], r[4], r[5], r[1])):
        result[list_name].append((pk, key, localized_name(name, name_en)))
    return result


# This year's figures of a project in the list and its export (completed, rate, time progress, gap)
# and the "lagging" filter are insights.definitions' measures on supervision's lights; supervision
# registers them here when it loads (supervision.apps): this app must not import the higher ones.
_YEAR_PROGRESS = {}


def register_year_progress(*, annotate, lagging):
    _YEAR_PROGRESS.update(annotate=annotate, lagging=lagging)


def annotate_year_progress(queryset, *, today=None):
    """``completed_ytd``, ``completion_rate``, ``time_progress``, ``expected_ytd``, ``gap``, ``lagging``
    as of the reporting month of ``today`` (insights.definitions, through the lights)."""
    return _YEAR_PROGRESS["annotate"](queryset, today=today)


def lagging_only(queryset, *, today=None):
    """The lagging projects of a queryset (insights.definitions: 滞后), annotated."""
    return _YEAR_PROGRESS["lagging"](annotate_year_progress(queryset, today=today))


# --- Added for the API, exports and open data --------------------------------------------


def regions_for(*, user, action=Action.VIEW):
    """Regions in which the user may act (e.g. where a county user may register a project)."""
    from .access import region_ids

    ids = region_ids(user, action)
    qs = Region.objects.all()
    return qs if ids is None else qs.filter(pk__in=sorted(ids))


def people_all():
    """Active users who can be named as a project's leaders or steward."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True)


def open_data_policy():
    """The administrator's disclosure policy (its defaults while no row is saved)."""
    return OpenDataPolicy.objects.order_by("pk").first() or OpenDataPolicy()


def projects_public(policy=None, thresholds=None):
    """Projects published as open data (OC4IDS): the key projects, at or above the county-level
    threshold, in the stages the disclosure policy publishes (default: landed and later). Public by
    nature, so not scoped to a user; callers publish only the public fields (opendata.py), never
    people or problems."""
    thresholds = thresholds or key_thresholds()
    policy = policy or open_data_policy()
    return (
        Project.objects.filter(key_level_q(KeyLevel.COUNTY, thresholds), stage__in=policy.published_stages)
        .select_related("region", "sector", "category", "department")
        .order_by("id")
    )


def projects_none():
    """An empty project queryset (for API schema generation, which has no user)."""
    return Project.objects.none()


# --- what cached figures are keyed by ------------------------------------------------------------
def scope_signature(user):
    """Users with the same view scope see the same figures (a cache key part)."""
    from .access import project_q

    return repr(project_q(user, Action.VIEW))


def audit_version(*labels):
    """One cheap query naming the state of the given audited models ("app.ModelEvent" labels: the
    latest pghistory event id of each; their triggers record every insert and update, whoever writes)
    and of the key-project thresholds. Deletions are not audited: caches keyed by it expire anyway."""
    from django.apps import apps
    from django.db import connection

    parts = [f"(SELECT max(pgh_id) FROM {apps.get_model(label)._meta.db_table})" for label in labels]
    thresholds = KeyProjectThreshold._meta.db_table
    parts.append(
        f"(SELECT string_agg(level || ':' || min_total_investment::text, ',' ORDER BY level) FROM {thresholds})"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return "|".join(str(value) for value in cursor.fetchone())


def scope_of(*, user):
    """Whose projects the user sees: {"city": True} for the whole city, else {"city": False, "label":
    "铁东区" / "市发展改革委" / "社会投资类" (names joined), "keys": {field: ids}} (one query)."""
    from .access import scope_keys
    from .models import RoleAssignment

    all_rows, keyed = scope_keys(user)
    if all_rows:
        return {"city": True, "label": None, "keys": {}}
    names = []
    assignments = RoleAssignment.objects.filter(user=user).select_related("region", "department", "category")
    for assignment in assignments.order_by("id"):
        for field, relation in (("region_id", "region"), ("department_id", "department"), ("category_id", "category")):
            if getattr(assignment, field) in keyed.get(field, ()):
                name = getattr(assignment, relation).name
                if name not in names:
                    names.append(name)
    from .access import PERSON_SCOPES

    if PERSON_SCOPES & keyed.keys():
        names.append(gettext("本人包保的项目"))
    return {"city": False, "label": "、".join(names), "keys": keyed}


# --- 分级分类包保: rules, breaks, candidates; registration's duplicate check -----------------------
def assignment_rules(*, active_only=True):
    from .models import AssignmentRule

    qs = AssignmentRule.objects.all()
    return qs.filter(active=True) if active_only else qs


def assignment_rule_q(rule, thresholds):
    """The projects a rule covers: not yet in operation, with every condition the rule sets."""
    q = ~Q(stage=Stage.OPERATING)
    if rule.min_total_investment is not None:
        q &= Q(total_investment__gte=rule.min_total_investment)
    if rule.key_level:
        q &= key_level_q(rule.key_level, thresholds)
    return q


def _needed_q(rules, thresholds):
    """{field: Q of the projects some active rule says must name someone in that field}."""
    needed = {}
    for rule in rules:
        needed[rule.field] = needed.get(rule.field, NOTHING_Q) | assignment_rule_q(rule, thresholds)
    return needed


NOTHING_Q = Q(pk__in=[])


def assignment_breaks(*, user, field=None):
    """The user's projects that break a rule by naming no one where a rule needs someone, annotated
    ``missing_city_leader``, ``missing_county_leader``, ``missing_steward`` (one query; ``field``
    narrows to one role)."""
    from django.db.models import BooleanField, ExpressionWrapper

    from .access import PEOPLE_FIELDS

    rules = list(assignment_rules())
    needed = _needed_q(rules, key_thresholds())
    qs = project_queryset(user=user)
    any_missing = NOTHING_Q
    annotations = {}
    for name in PEOPLE_FIELDS:
        condition = needed.get(name, NOTHING_Q) & Q(**{f"{name}__isnull": True})
        annotations[f"missing_{name}"] = ExpressionWrapper(condition, output_field=BooleanField())
        if field in (None, name):
            any_missing |= condition
    return qs.annotate(**annotations).filter(any_missing).order_by("-total_investment", "id")


def people_over_limit():
    """People named on more projects than a rule allows: [{"rule", "person_id", "person", "count",
    "max"}], one query per rule with a maximum (a handful of rows an administrator keeps), counted
    over every project the rule covers (a person's load is city-wide)."""
    from django.contrib.auth import get_user_model

    thresholds = key_thresholds()
    rows = []
    for rule in assignment_rules().exclude(max_projects=None):
        counts = (
            Project.objects.filter(assignment_rule_q(rule, thresholds), **{f"{rule.field}__isnull": False})
            .order_by()
            .values(rule.field)
            .annotate(n=Count("id"))
            .filter(n__gt=rule.max_projects)
        )
        rows.extend(
            {"rule": rule, "person_id": c[rule.field], "count": c["n"], "max": rule.max_projects} for c in counts
        )
    people = get_user_model().objects.in_bulk([r["person_id"] for r in rows])
    for row in rows:
        row["person"] = people.get(row["person_id"])
    return sorted(rows, key=lambda r: (-r["count"], r["person_id"]))


def people_candidates():
    """{field: [(user id, label)]}: the active users holding the role for each people field (one query)."""
    return _candidates_from(_people_candidate_rows())


def _people_candidate_rows():
    from .access import PEOPLE_ROLES
    from .models import RoleAssignment

    return (
        RoleAssignment.objects.filter(role__in=list(PEOPLE_ROLES.values()), user__is_active=True)
        .select_related("user", "region")
        .order_by("user__username", "id")
    )


def _candidates_from(rows):
    from .access import PEOPLE_ROLES

    by_role = {role: field for field, role in PEOPLE_ROLES.items()}
    result = {field: [] for field in PEOPLE_ROLES}
    for row in rows:
        label = str(row.user) + (f"({row.region.name})" if row.region_id else "")
        entry = (row.user_id, label)
        if entry not in result[by_role[row.role]]:
            result[by_role[row.role]].append(entry)
    return result


def people_for_field(field):
    """Active users holding the role of a people field (access.PEOPLE_ROLES)."""
    from .access import PEOPLE_ROLES

    return people_all().filter(roles__role=PEOPLE_ROLES[field]).distinct()


def people_named(*, project):
    """The project's city leader, county leader and steward (already joined by ``project_get``)."""
    return [(field, getattr(project, field)) for field in ("city_leader", "county_leader", "steward")]


def _similar(a, b):
    import difflib

    a, b = (a or "").replace(" ", ""), (b or "").replace(" ", "")
    if not a or not b:
        return False
    return a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.6


def likely_duplicates(*, user, code, name, investor, region_id, exclude_pk=None):
    """Projects a new registration may duplicate, in the user's scope (outside it a project does not
    exist; a code another county holds is refused on saving with the code's one message): the same
    code; the same investor with a similar name; the same name in the county. [{"pk", "name", "code",
    "region", "stage", "reason"}], one query."""
    name = (name or "").strip()
    investor = (investor or "").strip()
    condition = NOTHING_Q
    if code:
        condition |= Q(code=code)
    if name and region_id:
        condition |= Q(region_id=region_id, name__iexact=name)
    if investor:
        condition |= Q(investor__iexact=investor)
    if condition == NOTHING_Q:
        return []
    qs = Project.objects.restrict(user).filter(condition).order_by("id")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    stages = dict(Stage.choices)
    found = []
    rows = qs.values("id", "code", "name", "investor", "region_id", "region__name", "stage")[:200]
    for row in rows:
        if code and row["code"] == code:
            reason = gettext("项目代码相同")
        elif region_id and row["region_id"] == region_id and row["name"].strip().lower() == name.lower():
            reason = gettext("同一县区同名项目")
        elif investor and _similar(row["name"], name):
            reason = gettext("同一投资主体、项目名称相近")
        else:
            continue
        found.append(
            {
                "pk": row["id"],
                "name": row["name"],
                "code": row["code"],
                "region": row["region__name"],
                "stage": str(stages.get(row["stage"], row["stage"])),
                "same_code": bool(code) and row["code"] == code,
                "reason": reason,
            }
        )
    return found[:10]
