"""The monthly dispatch notice (调度通报) as a Word draft: opened and read back with python-docx, its
figures are the xlsx report's (read back with python-calamine) for the same round; user text stays text."""

import datetime
from decimal import Decimal

import docx
from django.test import Client
from python_calamine import CalamineWorkbook

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from projects.choices import Role
from tests.factories import user_with_role

from .conftest import entry, problem, project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))
TRICKY = '甲</w:t><w:t>注入 & "引号" <b>'


def build(round, fmt):
    report = Report.objects.create(kind="round", round=round, data_version=selectors.round_data_version(round),
                                   format=fmt)  # fmt: skip
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report


def money(value):
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,.2f}"


def pct(value):
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"


def yi(value):
    return str((Decimal(str(value)) / 10000).quantize(Decimal("0.01")))


def test_the_word_notice_says_what_the_xlsx_says(groups, tiedong, haicheng):
    late = project(name=TRICKY, region=tiedong, total_investment=12000, annual_plan=4000, stage="construction",
                   start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    fine = project(name="乙", region=haicheng, total_investment=7000, annual_plan=1000, stage="construction",
                   start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    for month in range(1, 11):
        entry(late, D(2026, month, 1), "30")
        entry(fine, D(2026, month, 1), "95.5")
    problem(fine, deadline=D(2026, 9, 1))
    city_round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    xlsx, notice = build(city_round, "xlsx"), build(city_round, "docx")
    assert xlsx.data_version == notice.data_version

    book = CalamineWorkbook.from_path(xlsx.file.path)
    summary = {row[0]: row[1] for row in book.get_sheet_by_name("汇总").to_python()[1:]}
    ranking = book.get_sheet_by_name("县区排名").to_python()[1:]
    lagging = book.get_sheet_by_name("滞后项目").to_python()[1:]

    document = docx.Document(notice.file.path)
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
    paragraphs = [p.text for p in document.paragraphs]
    text = "\n".join(paragraphs)
    title = document.paragraphs[1]
    assert title.text == "市级重点项目调度组调度通报" or title.text.endswith("调度通报")
    assert title.runs[0].font.size.pt == 22
    assert title.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "方正小标宋简体"  # fmt: skip
    body = next(p for p in document.paragraphs if p.text.startswith("截至"))
    assert body.runs[0].font.size.pt == 16
    headings = [p for p in paragraphs if p[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、"]
    assert "鞍山市重点项目调度工作领导小组办公室" in text and "2026年" in paragraphs[-1]

    # The overall figures: the xlsx's, in the notice's words.
    assert f"纳入调度项目{int(summary['项目数'])}个" in text
    assert f"本年累计完成投资{yi(summary['本年累计完成投资'])}亿元" in text
    assert f"投资完成率{pct(summary['投资完成率'])}" in text
    assert f"时间进度{pct(summary['时间进度'])}" in text
    assert f"滞后项目{int(summary['滞后项目'])}个" in text
    assert f"未解决问题{int(summary['未解决问题'])}个,其中逾期{int(summary['其中逾期问题'])}个" in text
    # The ranking table: the xlsx's 县区排名, row for row.
    table = document.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    expected = [[str(int(r[0])), r[1], str(int(r[2])), money(r[4]), money(r[5]), pct(r[6])] for r in ranking]
    assert rows == expected and len(rows) >= 2
    # The lagging project, named literally (markup and XML specials are text).
    assert [r[1] for r in lagging] == [TRICKY]
    assert any(TRICKY in p for p in paragraphs)
    assert '注入 & "引号" <b>' in text


def test_the_report_centre_offers_the_word_notice(groups, tiedong):
    project(name="甲", region=tiedong, total_investment=12000, stage="construction")
    round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    leader = user_with_role("mayor", Role.LEADERSHIP)
    client = Client()
    client.force_login(leader)
    assert "生成通报(Word)" in client.get("/dispatch/reports/").content.decode()
    notice = build(round, "docx")
    page = client.get("/dispatch/reports/").content.decode()
    assert "下载通报(Word)" in page and f"/dispatch/reports/{notice.pk}/download/" in page
    response = client.get(f"/dispatch/reports/{notice.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert client.post(f"/dispatch/rounds/{round.pk}/reports/", {"format": "exe"}).status_code == 400
