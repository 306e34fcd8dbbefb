from django.db import models


class Cadence(models.TextChoices):
    """How often a group meets (domain.md section 6); each becomes a crontab in django-celery-beat."""

    MONTHLY = "monthly", "每月"
    SEMIMONTHLY = "semimonthly", "每半月(1日、16日)"
    WEEKLY = "weekly", "每周"
    DAILY = "daily", "每日"


class RoundStatus(models.TextChoices):
    COLLECTED = "collected", "已汇集"
    ISSUED = "issued", "已印发"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel"
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word通报"


class ReportKind(models.TextChoices):
    ROUND = "round", "调度报告"
    EVALUATION = "evaluation", "季度考评"


class UnitKind(models.TextChoices):
    REGION = "region", "县区"
    DEPARTMENT = "department", "市直部门"
