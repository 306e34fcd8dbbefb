"""The columns of the county's monthly progress sheet (template, import and progress export)."""

from decimal import Decimal

from ..entry_rules import CONFIRM_FIELD

CENT = Decimal("0.01")

COL_ID = "项目ID"
COL_CODE = "项目代码"
COL_NAME = "项目名称"
COL_REGION = "县区"
COL_PERIOD = "填报月份"
COL_TOTAL = "计划总投资(万元)"
COL_BEFORE = "此前累计完成(万元)"
COL_AMOUNT = "本月完成投资(万元)"
COL_IMAGE = "形象进度"
COL_NEXT = "下步计划"
COL_REASON = "超概算说明"
COL_STATUS = "状态"
# Optional: "是" confirms an implausible amount (entry_rules.amount_rules), which is then flagged for the reviewer.
COL_CONFIRM = "确认金额无误"
CONFIRM_WORDS = {"是", "y", "yes", "1", "true", "确认"}
TEMPLATE_HEADERS = [
    COL_ID,
    COL_CODE,
    COL_NAME,
    COL_REGION,
    COL_PERIOD,
    COL_TOTAL,
    COL_BEFORE,
    COL_AMOUNT,
    COL_IMAGE,
    COL_NEXT,
    COL_REASON,
    COL_STATUS,
]
TEXT_COLUMNS = {COL_IMAGE: "image_progress", COL_NEXT: "next_steps", COL_REASON: "overrun_reason"}
RULE_COLUMNS = {"overrun_reason": COL_REASON, CONFIRM_FIELD: COL_AMOUNT}
MAX_TEXT = 2000
