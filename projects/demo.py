"""Demo data for 分级分类包保 (seed_demo runs ``seed``): the people named on the seeded projects
follow the administrator's assignment rules (AssignmentRule), with a few breaks left to show on the
rule-break page: key projects without a steward, 10 亿元 projects without a city leader, and one city
leader holding more projects than the rule allows. The demo logins ``steward`` and ``city_leader`` (when
the accounts exist) serve projects in several counties."""

import math

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from .choices import Role, Stage
from .models import AssignmentRule, Project, RoleAssignment
from .selectors import key_thresholds

BROKEN_STEWARDS = 3  # key projects left without a steward
BROKEN_CITY = 2  # 10 亿元 projects left without a city leader
OVERLOAD = 3  # projects above the maximum given to one city leader
COUNTY_LEADERS_PER_REGION = 6


def _people(prefix, label, count, role, region=None):
    User = get_user_model()
    ids = []
    for i in range(1, count + 1):
        user, created = User.objects.get_or_create(
            username=f"{prefix}{i:02d}", defaults={"display_name": f"{label}{i:02d}"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
        ids.append(user.pk)
    return ids


def _account(username, role):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return []
    RoleAssignment.objects.get_or_create(user=user, role=role, region=None)
    return [user.pk]


def _rule(field):
    return AssignmentRule.objects.filter(field=field, active=True).order_by("sort_order", "id").first()


def _assign(cursor, field, people, where, params, skip=0):
    """Name people in turn (by project id) on the projects matching ``where``; the first ``skip`` stay empty."""
    table = Project._meta.db_table
    cursor.execute(
        f"""WITH ranked AS (
              SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM {table} WHERE {where}
            )
            UPDATE {table} p SET {field}_id = CASE WHEN ranked.rn < %s THEN NULL
                                                  ELSE (%s::bigint[])[1 + (ranked.rn - %s) %% %s] END
            FROM ranked WHERE p.id = ranked.id""",
        [*params, skip, people, skip, len(people)],
    )


@transaction.atomic
def seed(builder):
    thresholds = key_thresholds()
    table = Project._meta.db_table
    with connection.cursor() as cursor:
        # The builder named people at random; the rules decide from here on.
        cursor.execute(f"UPDATE {table} SET city_leader_id = NULL, county_leader_id = NULL, steward_id = NULL")
        active = f"stage <> '{Stage.OPERATING}'"

        steward_rule = _rule("steward")
        if steward_rule is not None:
            stewards = _account("steward", Role.STEWARD) + _people("demo_steward_", "项目管家", 40, Role.STEWARD)
            minimum = thresholds[steward_rule.key_level] if steward_rule.key_level else 0
            _assign(cursor, "steward", stewards, f"{active} AND total_investment >= %s", [minimum],
                    skip=BROKEN_STEWARDS)  # fmt: skip

        county_rule = _rule("county_leader")
        if county_rule is not None:
            minimum = thresholds[county_rule.key_level] if county_rule.key_level else 0
            for index, region in enumerate(builder.regions.values()):
                leaders = _people(f"demo_county_{index:02d}_", f"{region.name}领导", COUNTY_LEADERS_PER_REGION,
                                  Role.COUNTY_LEADER, region)  # fmt: skip
                _assign(cursor, "county_leader", leaders, f"{active} AND region_id = %s AND total_investment >= %s",
                        [region.pk, minimum])  # fmt: skip

        city_rule = _rule("city_leader")
        if city_rule is not None:
            minimum = city_rule.min_total_investment or (thresholds[city_rule.key_level] if city_rule.key_level else 0)
            where = f"{active} AND total_investment >= %s"
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}", [minimum])
            (count,) = cursor.fetchone()
            per_leader = max(1, (city_rule.max_projects or 10) - 2)
            needed = max(8, math.ceil(count / per_leader))
            leaders = _account("city_leader", Role.CITY_LEADER) + _people("demo_city_", "市领导", needed,
                                                                           Role.CITY_LEADER)  # fmt: skip
            _assign(cursor, "city_leader", leaders, where, [minimum], skip=BROKEN_CITY)
            if city_rule.max_projects:
                # One leader over the maximum: more of the rule's projects than allowed go to the last one.
                cursor.execute(
                    f"""UPDATE {table} SET city_leader_id = %s WHERE id IN (
                          SELECT id FROM {table} WHERE {where} AND city_leader_id IS NOT NULL
                          ORDER BY id LIMIT %s)""",
                    [leaders[-1], minimum, city_rule.max_projects + OVERLOAD],
                )
