from django.db import models


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    VERIFIED = "verified", "已审核"


class ProblemKind(models.TextChoices):
    LAND = "land", "用地"
    FUNDING = "funding", "资金"
    APPROVALS = "approvals", "审批手续"
    UTILITIES = "utilities", "水电气暖"
    ENVIRONMENT = "environment", "环保"
    DEMOLITION = "demolition", "征收拆迁"
    OTHER = "other", "其他"


class ProblemStatus(models.TextChoices):
    OPEN = "open", "待解决"
    IN_PROGRESS = "in_progress", "解决中"
    SOLVED = "solved", "已解决"
    CLOSED = "closed", "已关闭"

    @classmethod
    def unresolved(cls):
        return [cls.OPEN, cls.IN_PROGRESS]
