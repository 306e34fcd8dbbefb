"""The monthly dispatch notice (调度通报) as an editable Word draft, laid out as GB/T 9704 asks of an
official document: A4, the issuing office, the title in 2号 小标宋, the body in 3号 仿宋, numbered
sections 一、二、三, the date. Every figure is the round report's (``reports.RoundFigures``: the
definitions module, the same numbers as the xlsx); user text goes in as text runs (python-docx escapes it)."""

from decimal import Decimal

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from common.figures import yi
from common.pdf import fmt_money, fmt_percent

ISSUING_OFFICE = "鞍山市重点项目调度工作领导小组办公室"
TITLE_FONT, TITLE_FALLBACK = "方正小标宋简体", "SimSun"
BODY_FONT, BODY_FALLBACK = "仿宋_GB2312", "FangSong"
HEADING_FONT = "黑体"
TITLE_SIZE, BODY_SIZE = Pt(22), Pt(16)  # 2号, 3号
NUMERALS = "一二三四五六七八九十"
LIST_LIMIT = 10


def _font(run, east_asian, latin, size, bold=False, color=None):
    run.font.name = latin
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    return run


class Notice:
    def __init__(self):
        self.document = Document()
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        self.sections = 0

    def line(self, text, *, font=BODY_FONT, latin=BODY_FALLBACK, size=BODY_SIZE, bold=False, align=None, indent=True,
             color=None):  # fmt: skip
        paragraph = self.document.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
        paragraph.paragraph_format.line_spacing = Pt(28)
        _font(paragraph.add_run(text), font, latin, size, bold, color)
        return paragraph

    def heading(self, text):
        label = f"{NUMERALS[self.sections]}、{text}"
        self.sections += 1
        return self.line(label, font=HEADING_FONT, latin="SimHei")

    def table(self, headers, rows):
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            _font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, "SimHei", Pt(12))
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                _font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, BODY_FALLBACK, Pt(12))
        return table


_yi = yi


def write_round_notice(figures, target):
    round, s, group = figures.round, figures.summary, figures.group
    doc = Notice()
    doc.line(ISSUING_OFFICE, font=TITLE_FONT, latin=TITLE_FALLBACK, size=Pt(26), align=WD_ALIGN_PARAGRAPH.CENTER,
             indent=False, color=RGBColor(0xC0, 0x00, 0x00))  # fmt: skip
    doc.line(f"{group.name}调度通报", font=TITLE_FONT, latin=TITLE_FALLBACK, size=TITLE_SIZE,
             align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)  # fmt: skip
    doc.line(f"({round.period_start:%Y年%m月%d日}至{round.period_end:%Y年%m月%d日})", align=WD_ALIGN_PARAGRAPH.CENTER,
             indent=False)  # fmt: skip
    completion = fmt_percent(Decimal(s["completion_rate"])) if s["completion_rate"] else "—"
    elapsed = fmt_percent(Decimal(s["time_elapsed"]))

    doc.heading("总体情况")
    doc.line(
        f"截至{figures.as_of:%Y年%m月%d日},纳入调度项目{s['project_count']}个,计划总投资{_yi(s['total_investment'])}"
        f"亿元,本年计划投资{_yi(s['annual_plan'])}亿元;本年累计完成投资{_yi(s['completed_ytd'])}亿元,投资完成率"
        f"{completion},时间进度{elapsed}。本期新开工项目{s['new_starts']}个,竣工项目{s['completions']}个。"
    )

    doc.heading("分县区、分类别推进情况")
    ranking = figures.ranking_rows()
    if ranking:
        first = ranking[0]
        doc.line(
            f"按投资完成率排名,{first[1]}居首位,完成率{fmt_percent(first[6])};{ranking[-1][1]}居末位,完成率"
            f"{fmt_percent(ranking[-1][6])}。各县区排名如下:"
        )
        doc.table(["名次", "县区", "项目数", "本年计划投资(万元)", "本年累计完成(万元)", "完成率"],
                  [[r[0], r[1], r[2], fmt_money(r[4]), fmt_money(r[5]), fmt_percent(r[6])] for r in ranking])  # fmt: skip
    categories = figures.breakdown_rows(figures.by_category)
    doc.line("分类别情况如下:")
    doc.table(["类别", "项目数", "本年计划投资(万元)", "本年累计完成(万元)", "完成率"],
              [[r[0], r[1], fmt_money(r[3]), fmt_money(r[4]), fmt_percent(r[5])] for r in categories])  # fmt: skip

    doc.heading("滞后项目")
    lagging = figures.top_lagging.items()[:LIST_LIMIT]
    doc.line(f"滞后项目{s['lagging']}个" + (f",差距较大的{len(lagging)}个如下:" if lagging else "。"))
    for index, r in enumerate(lagging, 1):
        # The project name is its own run: user text, escaped by python-docx, never markup.
        paragraph = doc.line(f"{index}. ")
        _font(paragraph.add_run(str(r[1])), BODY_FONT, BODY_FALLBACK, BODY_SIZE)
        _font(paragraph.add_run(f"({r[2]}),完成率{fmt_percent(r[6])},{r[9]}。"), BODY_FONT, BODY_FALLBACK,
              BODY_SIZE)  # fmt: skip

    doc.heading("存在问题和督办情况")
    orders = s["orders"]
    rate = "—" if s["order_on_time_rate"] is None else f"{s['order_on_time_rate']}%"
    doc.line(
        f"未解决问题{s['open_problems']}个,其中逾期{s['overdue_problems']}个。本期下达督办单{orders['issued']}份,"
        f"按时回复{orders['answered_on_time']}份,逾期未回复{orders['overdue']}份,已销号{orders['closed']}份,"
        f"按时回复率{rate}。"
    )
    for unit, n, overdue, *_rest in figures.unit_rows()[:LIST_LIMIT]:
        doc.line(f"{unit}:未解决问题{n}个,其中逾期{overdue}个。")

    doc.heading("下步工作")
    doc.line(
        f"各县区、各责任单位要对照时间进度,加快推进{s['lagging']}个滞后项目,逐项明确整改措施和完成时限;对"
        f"{s['overdue_problems']}个逾期问题和{orders['overdue']}份逾期未回复的督办单限期办结并报送结果。"
    )
    doc.line(ISSUING_OFFICE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    today = timezone.localdate()
    doc.line(f"{today.year}年{today.month}月{today.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.document.save(target)
