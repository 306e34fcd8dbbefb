from django.db import models


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    VERIFIED = "verified", "已审核"


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


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


class MediaKind(models.TextChoices):
    IMAGE = "image", "照片"
    VIDEO = "video", "视频"


class ProcedureStatus(models.TextChoices):
    PENDING = "pending", "未启动"
    IN_PROGRESS = "in_progress", "办理中"
    DONE = "done", "已办结"
    NOT_NEEDED = "not_needed", "无需办理"


class FundingKind(models.TextChoices):
    CENTRAL_BUDGET = "central_budget", "中央预算内投资"
    SPECIAL_BONDS = "special_bonds", "地方政府专项债"
    POLICY_INSTRUMENTS = "policy_instruments", "政策性开发性金融工具"
    REVITALISED_ASSETS = "revitalised_assets", "盘活存量资产"
    PPP = "ppp", "PPP"
    BANK_LOANS = "bank_loans", "银行贷款"
    OWN_FUNDS = "own_funds", "企业自有资金"


class ProcedureProjectType(models.TextChoices):
    """Kinds of project, each with its own procedure template (手续模板)."""

    ENTERPRISE_FILING = "enterprise_filing", "企业投资备案类"
    ENTERPRISE_APPROVAL = "enterprise_approval", "企业投资核准类"
    GOVERNMENT = "government", "政府投资审批类"
    URBAN = "urban", "城建类"
    MINING = "mining", "矿山类"


class ProcedureChangeKind(models.TextChoices):
    TEMPLATE = "template", "套用模板"
    ADD = "add", "增加手续"
    DROP = "drop", "删减手续"
    REPLAN = "replan", "调整计划"
    BASELINE = "baseline", "冻结基线"
    GREEN = "green", "绿色通道"
