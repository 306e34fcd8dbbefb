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
