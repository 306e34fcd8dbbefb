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
