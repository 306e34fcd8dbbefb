import subprocess
from decimal import Decimal

import pytest

from common.pdf import Report, fmt_money, fmt_percent

pytestmark = pytest.mark.no_db


def test_chinese_report_renders_with_text_table_and_chart(tmp_path):
    report = Report(title="鞍山市重点项目调度报告", subtitle="2026年11月")
    report.heading("一、总体情况")
    report.paragraph("在建项目 604 个,总投资 2000 亿元。")
    report.table(["县区", "完成投资(万元)"], [["铁东区", fmt_money(Decimal("12345.6"))], ["海城市", "0.00"]])
    report.bar_chart("各县区完成投资", ["铁东区", "海城市"], [[12345.6, 0]], series_names=["完成"])
    target = tmp_path / "report.pdf"
    report.write(str(target))
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    # The CJK font is embedded, so the text survives extraction.
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "鞍山市重点项目调度报告" in text
    assert "铁东区" in text
    assert "12,345.60" in text


def test_formats():
    assert fmt_money(Decimal("1234567.891")) == "1,234,567.89"
    assert fmt_percent(Decimal("0.1234")) == "12.34%"  # the one percent display: 2 places
    assert fmt_percent(Decimal("0.03125")) == "3.13%"  # half up
    assert fmt_percent(None) == "—"
