"""Demo data for 分级分类包保 (seed_demo runs ``seed``): the people named on the seeded projects
follow the administrator's assignment rules (AssignmentRule), with a few breaks left to show on the
rule-break page: key projects without a steward, 10 亿元 projects without a city leader, and one city
leader holding more projects than the rule allows. The demo logins ``steward`` and ``city_leader`` (when
the accounts exist) serve projects in several counties."""

import math

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from common.bulkcopy import bulk_load

from .choices import Role, Stage
from .models import AssignmentRule, Project, RoleAssignment
from .selectors import key_thresholds

BROKEN_STEWARDS = 3  # key projects left without a steward
BROKEN_CITY = 2  # 10 亿元 projects left without a city leader
OVERLOAD = 3  # projects above the maximum given to one city leader
COUNTY_LEADERS_PER_REGION = 6


def _people(prefix, label, count, role, region=None):
    """``count`` people (kept if they exist) with ``role``: their ids in order. A few queries whatever
    the count (a national demo names thousands of city leaders)."""
    User = get_user_model()
    names = [f"{prefix}{i:02d}" for i in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=name, display_name=f"{label}{i:02d}", password=make_password(None))
         for i, name in enumerate(names, start=1) if name not in existing],
    )  # fmt: skip
    ids = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    held = set(
        RoleAssignment.objects.filter(user__username__in=names, role=role, region=region, department=None,
                                      category=None).values_list("user_id", flat=True)
    )  # fmt: skip
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=ids[name], role=role, region=region) for name in names if ids[name] not in held]
    )
    return [ids[name] for name in names]


def _account(username, role):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return []
    RoleAssignment.objects.get_or_create(user=user, role=role, region=None)
    return [user.pk]


def _rule(field):
    return AssignmentRule.objects.filter(field=field, active=True).order_by("sort_order", "id").first()


ASSIGN_SQL = """
WITH ranked AS (
    SELECT id,
           {steward} AS steward_on, row_number() OVER (PARTITION BY {steward} ORDER BY id) - 1 AS steward_rn,
           {county} AS county_on, array_position(%(regions)s::bigint[], region_id) AS county_region,
           row_number() OVER (PARTITION BY {county}, region_id ORDER BY id) - 1 AS county_rn,
           {city} AS city_on, row_number() OVER (PARTITION BY {city} ORDER BY id) - 1 AS city_rn
    FROM {table})
UPDATE {table} p SET
    steward_id = CASE WHEN r.steward_on AND r.steward_rn >= %(steward_skip)s
                      THEN (%(stewards)s::bigint[])[1 + (r.steward_rn - %(steward_skip)s) %% %(steward_n)s] END,
    county_leader_id = CASE WHEN r.county_on
                            THEN (%(county)s::bigint[])[(r.county_region - 1) * %(county_n)s + 1 + r.county_rn %% %(county_n)s] END,
    city_leader_id = CASE WHEN r.city_on AND r.city_rn >= %(city_skip)s THEN
                          CASE WHEN r.city_rn < %(city_skip)s + %(overload)s THEN %(city_last)s
                               ELSE (%(city)s::bigint[])[1 + (r.city_rn - %(city_skip)s) %% %(city_n)s] END END
FROM ranked r WHERE p.id = r.id
"""


@transaction.atomic
def seed(builder):
    """Name the people the rules ask for, in turn by project id (the builder named people at random; the
    rules decide from here on): one UPDATE of every project, loaded in bulk (no per-row audit or key
    check, the keys checked once after; the people are not in the per-scope totals)."""
    thresholds = key_thresholds()
    table = Project._meta.db_table
    active = f"stage <> '{Stage.OPERATING}'"
    params = {"steward_min": None, "stewards": [], "steward_skip": BROKEN_STEWARDS, "steward_n": 1,
              "county_min": None, "regions": [], "county": [], "county_n": COUNTY_LEADERS_PER_REGION,
              "city_min": None, "city": [], "city_skip": BROKEN_CITY, "city_n": 1, "overload": 0, "city_last": None}  # fmt: skip

    steward_rule = _rule("steward")
    if steward_rule is not None:
        stewards = _account("steward", Role.STEWARD) + _people("demo_steward_", "项目管家", 40, Role.STEWARD)
        params.update(steward_min=thresholds[steward_rule.key_level] if steward_rule.key_level else 0,
                      stewards=stewards, steward_n=len(stewards))  # fmt: skip

    county_rule = _rule("county_leader")
    if county_rule is not None:
        params["county_min"] = thresholds[county_rule.key_level] if county_rule.key_level else 0
        for index, region in enumerate(builder.regions.values()):
            params["regions"].append(region.pk)
            params["county"] += _people(f"demo_county_{index:02d}_", f"{region.name}领导", COUNTY_LEADERS_PER_REGION,
                                        Role.COUNTY_LEADER, region)  # fmt: skip

    city_rule = _rule("city_leader")
    with connection.cursor() as cursor:
        if city_rule is not None:
            minimum = city_rule.min_total_investment or (thresholds[city_rule.key_level] if city_rule.key_level else 0)
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {active} AND total_investment >= %s", [minimum])
            (count,) = cursor.fetchone()
            per_leader = max(1, (city_rule.max_projects or 10) - 2)
            needed = max(8, math.ceil(count / per_leader))
            leaders = _account("city_leader", Role.CITY_LEADER) + _people("demo_city_", "市领导", needed,
                                                                           Role.CITY_LEADER)  # fmt: skip
            # One leader over the maximum: the first of the rule's projects named go to the last one.
            overload = city_rule.max_projects + OVERLOAD if city_rule.max_projects else 0
            params.update(city_min=minimum, city=leaders, city_n=len(leaders), overload=overload, city_last=leaders[-1])
        matches = {key: f"({active} AND total_investment >= %({key}_min)s)" for key in ("steward", "county", "city")}
        with bulk_load(cursor, [table]):
            cursor.execute(ASSIGN_SQL.format(table=table, **matches), params)
