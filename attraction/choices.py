from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadSource(models.TextChoices):
    """Where an investment lead came from."""

    EVENT = "event", _("会议活动招商")
    VISIT = "visit", _("上门拜访招商")
    ONLINE = "online", _("网上洽谈(云招商)")
    EXPANSION = "expansion", _("现有企业增资扩产")
    OTHER = "other", _("其他")


class CadenceLevel(models.TextChoices):
    """The "四调法" follow-up levels, highest first."""

    MAIN_LEADER = "main_leader", _("主要领导月调度")
    LEADER_IN_CHARGE = "leader_in_charge", _("分管领导半月调度")
    DEPARTMENT = "department", _("主管部门周调度")
    COUNTY = "county", _("县区日常调度")


# Defaults when an administrator has not set the interval (days) for a level.
DEFAULT_CADENCE_DAYS = {
    CadenceLevel.MAIN_LEADER: 30,
    CadenceLevel.LEADER_IN_CHARGE: 15,
    CadenceLevel.DEPARTMENT: 7,
    CadenceLevel.COUNTY: 1,
}


class SigningEventKind(models.TextChoices):
    CEREMONY = "ceremony", _("集中签约仪式")
    PROMOTION = "promotion", _("产业推介会")
    INVESTMENT_WEEK = "investment_week", _("招商引资促进周")
    FAIR = "fair", _("展会洽谈会")
    OTHER = "other", _("其他")


class BulletinStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# --- the organisation of attraction (招商专班, 开发区, 经费, 投资方回访, 招商活动) ---------------------------
class OrgLevel(models.TextChoices):
    """Who acts: the city, a county, a development zone (三级联动)."""

    CITY = "city", _("市级")
    COUNTY = "county", _("县区级")
    ZONE = "zone", _("开发区")


# A task force is the city's or a county's (a development zone has none): the first two levels. One name,
# so that the API schema names this choice set (ENUM_NAME_OVERRIDES) apart from OrgLevel.
TASK_FORCE_LEVELS = OrgLevel.choices[:2]


class InvestorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    GROUP = "group", _("集团")


class VisitOutcome(models.TextChoices):
    NO_DEMAND = "no_demand", _("暂无新需求")
    PROBLEM = "problem", _("反映问题待协调")
    INTENT = "intent", _("有增资扩产意向")
    EXPANSION = "expansion", _("形成二期(增资扩产)项目")


class SpendingPurpose(models.TextChoices):
    TRIP = "trip", _("外出招商差旅")
    EVENT = "event", _("招商活动及推介会")
    AGENCY = "agency", _("委托招商及中介奖励")
    PROMOTION = "promotion", _("招商宣传")
    OTHER = "other", _("其他")


class SpendingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")


class OutreachKind(models.TextChoices):
    TRIP_OUT = "trip_out", _("走出去")
    VISIT_IN = "visit_in", _("请进来")
    DOOR_KNOCKING = "door_knocking", _("敲门招商")
    PROMOTION = "promotion", _("推介会")
    ONLINE = "online", _("网上见、线上谈、云上签")


# --- chains and assessment (helper "chains") ---------------------------------------------------
class ChainPosition(models.TextChoices):
    UPSTREAM = "upstream", _("上游")
    DOWNSTREAM = "downstream", _("下游")


class AssessmentMeasure(models.TextChoices):
    """What the yearly assessment scores: completion of each annual target (insights.definitions)."""

    SIGNED_RATE = "signed_rate", _("签约额目标完成率")
    LANDED_RATE = "landed_rate", _("落地项目目标完成率")
    CAPITAL_RATE = "capital_rate", _("到位资金目标完成率")


# Defaults while an administrator has set no weights for a year, or no grades.
DEFAULT_ASSESSMENT_WEIGHTS = {
    AssessmentMeasure.SIGNED_RATE: ("30", "1"),
    AssessmentMeasure.LANDED_RATE: ("30", "1"),
    AssessmentMeasure.CAPITAL_RATE: ("40", "1"),
}
DEFAULT_ASSESSMENT_GRADES = [("一档", "90"), ("二档", "75"), ("三档", "0")]


# The guaranteed attraction budget of city and counties (万元) when an administrator has set no FundRule.
DEFAULT_FUND_FLOOR = 10000  # 1 亿元
