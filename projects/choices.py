from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """A project's life: the four pools (四个一批), then construction. Order matters:
    moving to an earlier stage is a step backwards and needs a reason."""

    PLANNING = "planning", _("谋划(储备)")
    NEGOTIATING = "negotiating", _("洽谈(在谈)")
    SIGNED = "signed", _("签约")
    LANDED = "landed", _("落地")
    CONSTRUCTION = "construction", _("在建")
    COMPLETED = "completed", _("竣工")
    OPERATING = "operating", _("投产")

    @classmethod
    def rank(cls, stage):
        return list(cls.values).index(stage)

    @classmethod
    def pools(cls):
        return [cls.PLANNING, cls.NEGOTIATING, cls.SIGNED, cls.LANDED]


class StartType(models.TextChoices):
    NEW = "new", _("新开工")
    CONTINUING = "continuing", _("续建")
    RESUMED = "resumed", _("复工")


class SectorKind(models.TextChoices):
    CHAIN = "chain", _("产业链")
    CLUSTER = "cluster", _("产业集群")
    FEATURED = "featured", _("特色产业")


class RegionKind(models.TextChoices):
    DISTRICT = "district", _("市辖区")
    COUNTY_CITY = "county_city", _("县级市")
    COUNTY = "county", _("县")
    ZONE = "zone", _("开发区/风景区")


class KeyLevel(models.TextChoices):
    CITY = "city", _("市级重点")
    COUNTY = "county", _("县级重点")


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    LEADERSHIP = "leadership", _("市领导")
    SPECIAL_GROUP = "special_group", _("专项推进组成员")
    DEPARTMENT = "department", _("部门用户")
    COUNTY_STAFF = "county_staff", _("县区填报员")
    COUNTY_REVIEWER = "county_reviewer", _("县区审核员")
    REPORT_MANAGER = "report_manager", _("报表管理员")
    # People named on projects (分级分类包保): they see the projects that name them, in every county.
    STEWARD = "steward", _("项目管家")
    CITY_LEADER = "city_leader", _("市级包保领导")
    COUNTY_LEADER = "county_leader", _("县级包保领导")


class Tier(models.TextChoices):
    """The four tiers of the "1+3+N+10" dispatch system, lowest first (escalation goes up)."""

    COUNTY = "county", _("县区推进组(10)")
    DEPARTMENT = "department", _("市直部门推进组(N)")
    SPECIAL = "special", _("专项推进组(3)")
    CITY = "city", _("市项目工作领导小组(1)")

    @classmethod
    def above(cls, tier):
        order = list(cls.values)
        index = order.index(tier)
        return order[index + 1] if index + 1 < len(order) else None


class PeopleField(models.TextChoices):
    """The people a project names (包保领导 and 项目管家): the Project field each one is kept in."""

    CITY_LEADER = "city_leader", _("市级包保领导")
    COUNTY_LEADER = "county_leader", _("县级包保领导")
    STEWARD = "steward", _("项目管家")
