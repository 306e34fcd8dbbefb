from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    VERIFIED = "verified", _("已审核")


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class ProblemKind(models.TextChoices):
    LAND = "land", _("用地")
    FUNDING = "funding", _("资金")
    APPROVALS = "approvals", _("审批手续")
    UTILITIES = "utilities", _("水电气暖")
    ENVIRONMENT = "environment", _("环保")
    DEMOLITION = "demolition", _("征收拆迁")
    OTHER = "other", _("其他")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待解决")
    IN_PROGRESS = "in_progress", _("解决中")
    SOLVED = "solved", _("已解决")
    CLOSED = "closed", _("已关闭")

    @classmethod
    def unresolved(cls):
        return [cls.OPEN, cls.IN_PROGRESS]


class MediaKind(models.TextChoices):
    IMAGE = "image", _("照片")
    VIDEO = "video", _("视频")


class ProcedureStatus(models.TextChoices):
    PENDING = "pending", _("未启动")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    NOT_NEEDED = "not_needed", _("无需办理")


class FundingKind(models.TextChoices):
    CENTRAL_BUDGET = "central_budget", _("中央预算内投资")
    SPECIAL_BONDS = "special_bonds", _("地方政府专项债")
    POLICY_INSTRUMENTS = "policy_instruments", _("政策性开发性金融工具")
    REVITALISED_ASSETS = "revitalised_assets", _("盘活存量资产")
    PPP = "ppp", "PPP"
    BANK_LOANS = "bank_loans", _("银行贷款")
    OWN_FUNDS = "own_funds", _("企业自有资金")


class ProcedureProjectType(models.TextChoices):
    """Kinds of project, each with its own procedure template (手续模板)."""

    ENTERPRISE_FILING = "enterprise_filing", _("企业投资备案类")
    ENTERPRISE_APPROVAL = "enterprise_approval", _("企业投资核准类")
    GOVERNMENT = "government", _("政府投资审批类")
    URBAN = "urban", _("城建类")
    MINING = "mining", _("矿山类")


class ProcedureChangeKind(models.TextChoices):
    TEMPLATE = "template", _("套用模板")
    ADD = "add", _("增加手续")
    DROP = "drop", _("删减手续")
    REPLAN = "replan", _("调整计划")
    BASELINE = "baseline", _("冻结基线")
    GREEN = "green", _("绿色通道")
