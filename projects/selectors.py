"""Reads for the project registry. Every read that a user triggers passes the user: scope is applied here."""

from decimal import Decimal

from django.db.models import Case, CharField, DecimalField, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from .access import Action
from .choices import KeyLevel
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
        return project_queryset(user=user, action=action, thresholds_in_query=True).get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404("项目不存在。") from None


def stage_history(*, user, project):
    return StageChange.objects.restrict(user).filter(project=project).select_related("changed_by")


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
    return {"city": False, "label": "、".join(names), "keys": keyed}
