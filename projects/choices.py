from django.db import models


class Stage(models.TextChoices):
    """A project's life: the four pools (四个一批), then construction. Order matters:
    moving to an earlier stage is a step backwards and needs a reason."""

    PLANNING = "planning", "谋划(储备)"
    NEGOTIATING = "negotiating", "洽谈(在谈)"
    SIGNED = "signed", "签约"
    LANDED = "landed", "落地"
    CONSTRUCTION = "construction", "在建"
    COMPLETED = "completed", "竣工"
    OPERATING = "operating", "投产"

    @classmethod
    def rank(cls, stage):
        return list(cls.values).index(stage)

    @classmethod
    def pools(cls):
        return [cls.PLANNING, cls.NEGOTIATING, cls.SIGNED, cls.LANDED]


class StartType(models.TextChoices):
    NEW = "new", "新开工"
    CONTINUING = "continuing", "续建"
    RESUMED = "resumed", "复工"


class SectorKind(models.TextChoices):
    CHAIN = "chain", "产业链"
    CLUSTER = "cluster", "产业集群"
    FEATURED = "featured", "特色产业"


class RegionKind(models.TextChoices):
    DISTRICT = "district", "市辖区"
    COUNTY_CITY = "county_city", "县级市"
    COUNTY = "county", "县"
    ZONE = "zone", "开发区/风景区"


class KeyLevel(models.TextChoices):
    CITY = "city", "市级重点"
    COUNTY = "county", "县级重点"


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    LEADERSHIP = "leadership", "市领导"
    SPECIAL_GROUP = "special_group", "专项推进组成员"
    DEPARTMENT = "department", "部门用户"
    COUNTY_STAFF = "county_staff", "县区填报员"
    COUNTY_REVIEWER = "county_reviewer", "县区审核员"
    REPORT_MANAGER = "report_manager", "报表管理员"


class Tier(models.TextChoices):
    """The four tiers of the "1+3+N+10" dispatch system, lowest first (escalation goes up)."""

    COUNTY = "county", "县区推进组(10)"
    DEPARTMENT = "department", "市直部门推进组(N)"
    SPECIAL = "special", "专项推进组(3)"
    CITY = "city", "市项目工作领导小组(1)"

    @classmethod
    def above(cls, tier):
        order = list(cls.values)
        index = order.index(tier)
        return order[index + 1] if index + 1 < len(order) else None
