from django.db import models
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    """How often a group meets (domain.md section 6); each becomes a crontab in django-celery-beat."""

    MONTHLY = "monthly", _("每月")
    SEMIMONTHLY = "semimonthly", _("每半月(1日、16日)")
    WEEKLY = "weekly", _("每周")
    DAILY = "daily", _("每日")
    DEKAD = "dekad", _("每旬(1日、11日、21日)")


class RoundStatus(models.TextChoices):
    COLLECTED = "collected", _("已汇集")
    ISSUED = "issued", _("已印发")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel"
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word通报"


class ReportKind(models.TextChoices):
    ROUND = "round", _("调度报告")
    EVALUATION = "evaluation", _("季度考评")


class UnitKind(models.TextChoices):
    REGION = "region", _("县区")
    DEPARTMENT = "department", _("市直部门")


# --- the quarterly evaluation (三比三看) -----------------------------------------------------------
class EvaluationPoint(models.TextChoices):
    """The six points of "比数量、比进度、比质量,看指标、看变化、看形象"."""

    COUNT = "count", _("比数量")
    PROGRESS = "progress", _("比进度")
    QUALITY = "quality", _("比质量")
    INDICATORS = "indicators", _("看指标")
    CHANGE = "change", _("看变化")
    APPEARANCE = "appearance", _("看形象")


class EvaluationMeasure(models.TextChoices):
    """The measures an indicator may score: the keys of insights.definitions.EVALUATION_MEASURES."""

    STARTED = "started", _("开复工项目数")
    COMPLETION_RATE = "completion_rate", _("投资完成率")
    VERIFIED_ON_TIME = "verified_on_time", _("进度按时审核率")
    PROBLEMS_SOLVED = "problems_solved", _("问题按期解决率")
    ORDERS_ON_TIME = "orders_on_time", _("督办单按时回复率")
    ON_TRACK = "on_track", _("在建项目不滞后占比")
    RATE_CHANGE = "rate_change", _("完成率较上季度提高")
    PHOTOS_PER_WEEK = "photos_per_week", _("在建项目周均现场照片数")


class ScoreDirection(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Normalisation(models.TextChoices):
    BEST = "best", _("与最优单位相比")
    RANGE = "range", _("最差至最优线性折算")
    TARGET = "target", _("与目标值相比(达到目标得满分)")


class HonourKind(models.TextChoices):
    RED_FLAG = "red_flag", _("流动红旗")
    AWARD = "award", _("奖励")
    WARNING = "warning", _("提示单")
