"""Writes the monthly investment-attraction bulletin (xlsx and PDF) from ``selectors.bulletin_figures``."""

from decimal import Decimal

from common.pdf import Report, fmt_money, fmt_percent
from common.spreadsheets import StreamingWorkbook
from insights import definitions
from projects.choices import Stage

TEN_THOUSAND = Decimal("10000")
CITY = "全市合计"

RANKING_HEADERS = [
    "排名", "县区", "本月签约项目(个)", "本月签约额(万元)", "累计签约项目(个)", "累计签约额(万元)",
    "签约额目标(万元)", "签约额完成率", "签约额同比", "本月落地项目(个)", "累计落地项目(个)",
    "落地目标(个)", "落地完成率", "落地同比", "本月到位资金(万元)", "累计到位资金(万元)",
    "去年同期到位资金(万元)", "到位资金同比", "到位资金目标(万元)", "到位资金完成率",
]  # fmt: skip
RANKING_KEYS = [
    "rank", "name", "signed_month", "signed_month_amount", "signed_ytd", "signed_ytd_amount", "target_signed",
    "signed_rate", "signed_yoy", "landed_month", "landed_ytd", "target_landed", "landed_rate", "landed_yoy",
    "capital_month", "capital_ytd", "capital_last", "capital_yoy", "target_capital", "capital_rate",
]  # fmt: skip
MONEY_KEYS = {"signed_month_amount", "signed_ytd_amount", "target_signed", "capital_month", "capital_ytd",
              "capital_last", "target_capital"}  # fmt: skip
RATE_KEYS = {"signed_rate", "signed_yoy", "landed_rate", "landed_yoy", "capital_yoy", "capital_rate"}
YOY_PAIRS = {"signed_yoy": "signed_ytd_amount", "landed_yoy": "landed_ytd", "capital_yoy": "capital_ytd"}


def ranked(figures):
    return sorted(figures["rows"], key=lambda r: r["rank"])


def yoy_text(value, current):
    """A YoY fraction as text; no base last year reads "新增" (new) when there is something this year."""
    if value is None:
        return "新增" if current else "—"
    return fmt_percent(value)


def _cell(row, key, *, for_pdf):
    if key == "name":
        return row["region"].name if row["region"] is not None else CITY
    if key == "rank":
        return row["rank"] if row["rank"] is not None else ""
    value = row[key]
    if key in YOY_PAIRS and value is None:
        return yoy_text(None, row[YOY_PAIRS[key]])
    if key in RATE_KEYS:
        return (fmt_percent(value) if value is not None else "—") if for_pdf else (value if value is not None else "—")
    if value is None:
        return "—"
    if key in MONEY_KEYS and for_pdf:
        return fmt_money(value)
    return value


def title(figures):
    month = figures["month"]
    return f"鞍山市招商引资工作月报({month.year}年{month.month}月)"


def write_xlsx(figures, path):
    with StreamingWorkbook(str(path)) as book:
        money = {i for i, k in enumerate(RANKING_KEYS) if k in MONEY_KEYS}
        rates = {i for i, k in enumerate(RANKING_KEYS) if k in RATE_KEYS}
        sheet = book.sheet("县区排名", RANKING_HEADERS, money_columns=money, percent_columns=rates, widths={1: 16})
        for row in [*ranked(figures), figures["total"]]:
            sheet.write([_cell(row, key, for_pdf=False) for key in RANKING_KEYS])

        sheet = book.sheet(
            "月度到位资金",
            ["月份", "到位资金(万元)", "去年同月(万元)", "同比", "累计(万元)", "去年同期累计(万元)", "累计同比"],
            money_columns={1, 2, 4, 5},
            percent_columns={3, 6},
        )
        for m in figures["monthly"]:
            sheet.write([
                f"{m['month']:%Y-%m}", m["amount"], m["last_year"], _rate_or_text(m["yoy"], m["amount"]),
                m["ytd"], m["ytd_last_year"], _rate_or_text(m["ytd_yoy"], m["ytd"]),
            ])  # fmt: skip

        for label, events, kind in (("签约活动", figures["signing_events"], True),
                                    ("集中开工", figures["start_events"], False)):  # fmt: skip
            sheet = book.sheet(label, ["日期", "活动名称", "类型", "地点", "主办单位", "项目数(个)", "金额(万元)"],
                               money_columns={6}, widths={1: 30})  # fmt: skip
            for event in events:
                sheet.write([event.held_on, event.name, event.get_kind_display() if kind else "集中开工", event.place,
                             event.organiser, event.project_count, event.amount_total])  # fmt: skip

        sheet = book.sheet("四个一批", ["项目库", "项目数(个)", "计划总投资(万元)"], money_columns={2})
        for stage in Stage.pools():
            pool = figures["pools"][stage]
            sheet.write([Stage(stage).label, pool["count"], pool["total"]])
        sheet = book.sheet("内资外资与四调法", ["指标", "本年累计(万元)/项", "上年同期(万元)", "同比"],
                           money_columns={1, 2}, percent_columns={3}, widths={0: 24})  # fmt: skip
        origin = figures["capital_origin"]
        for label, key in (("实际到位内资", "domestic"), ("实际到位外资", "foreign")):
            sheet.write([label, origin[key]["ytd"], origin[key]["last_ytd"],
                         _rate_or_text(origin[key]["yoy"], origin[key]["ytd"])])  # fmt: skip
        sheet.write(["“四调法”逾期未调度(项)", figures["overdue_follow_ups"], "", ""])
        definitions.write_definitions_sheet(book)


def _rate_or_text(value, current):
    return value if value is not None else yoy_text(None, current)


def _yi(value):
    """万元 -> 亿元 text with two places."""
    return f"{Decimal(value) / TEN_THOUSAND:,.2f}"


def write_pdf(figures, path):
    total = figures["total"]
    report = Report(
        title=title(figures),
        subtitle="报送:市长  ·  统计范围:全市(各县区、开发区)  ·  金额单位:万元(合计另注亿元)  ·  同比为与上年同期(同月份)比较,口径见文末",
    )
    report.heading("一、总体情况")
    report.paragraph(
        f"1-{figures['month'].month}月,全市累计签约项目 {total['signed_ytd']} 个,签约额 {_yi(total['signed_ytd_amount'])} 亿元"
        f"(同比 {yoy_text(total['signed_yoy'], total['signed_ytd_amount'])});累计落地项目 {total['landed_ytd']} 个"
        f"(同比 {yoy_text(total['landed_yoy'], total['landed_ytd'])});实际到位资金 {_yi(total['capital_ytd'])} 亿元,"
        f"同比 {yoy_text(total['capital_yoy'], total['capital_ytd'])},完成年度目标 {fmt_percent(total['capital_rate'])}。"
        f"本月签约项目 {total['signed_month']} 个、签约额 {_yi(total['signed_month_amount'])} 亿元,"
        f"落地项目 {total['landed_month']} 个,到位资金 {_yi(total['capital_month'])} 亿元。"
        f"其中实际到位内资 {_yi(figures['capital_origin']['domestic']['ytd'])} 亿元"
        f"(同比 {yoy_text(figures['capital_origin']['domestic']['yoy'], figures['capital_origin']['domestic']['ytd'])}),"
        f"外资 {_yi(figures['capital_origin']['foreign']['ytd'])} 亿元"
        f"(同比 {yoy_text(figures['capital_origin']['foreign']['yoy'], figures['capital_origin']['foreign']['ytd'])})。"
        f"“四调法”逾期未调度 {figures['overdue_follow_ups']} 项。"
    )
    report.heading("二、各县区(开发区)排名(按到位资金目标完成率)")
    keys = ["rank", "name", "signed_ytd", "signed_ytd_amount", "signed_rate", "signed_yoy", "landed_ytd",
            "landed_rate", "landed_yoy", "capital_month", "capital_ytd", "capital_yoy", "capital_rate"]  # fmt: skip
    headers = ["排名", "县区", "累计签约(个)", "累计签约额", "签约完成率", "签约同比", "累计落地(个)", "落地完成率",
               "落地同比", "本月到位", "累计到位", "到位同比", "到位完成率"]  # fmt: skip
    rows = [[_cell(row, key, for_pdf=True) for key in keys] for row in [*ranked(figures), total]]
    report.table(headers, rows, numeric_columns=range(2, len(keys)))
    regions = ranked(figures)
    report.bar_chart(
        "各县区累计实际到位资金与年度目标(万元)",
        [r["region"].name for r in regions],
        [[r["capital_ytd"] for r in regions], [r["target_capital"] or 0 for r in regions]],
        series_names=["累计到位", "年度目标"],
    )
    monthly = figures["monthly"]
    report.bar_chart(
        "全市月度实际到位资金(万元)",
        [f"{m['month'].month}月" for m in monthly],
        [[m["amount"] for m in monthly], [m["last_year"] for m in monthly]],
        series_names=["本年", "上年同月"],
    )
    report.heading("三、本月签约活动与集中开工")
    events = [[f"{e.held_on:%m-%d}", e.name, e.get_kind_display(), e.place, e.project_count, fmt_money(e.amount_total)]
              for e in figures["signing_events"]]  # fmt: skip
    events += [[f"{e.held_on:%m-%d}", e.name, "集中开工", e.place, e.project_count, fmt_money(e.amount_total)]
               for e in figures["start_events"]]  # fmt: skip
    if events:
        report.table(["日期", "活动", "类型", "地点", "项目(个)", "金额(万元)"], events, numeric_columns=(4, 5))
    else:
        report.paragraph("本月无签约活动或集中开工活动。")
    report.heading("四、“四个一批”项目库")
    report.table(
        ["项目库", "项目数(个)", "计划总投资(万元)"],
        [
            [Stage(s).label, figures["pools"][s]["count"], fmt_money(figures["pools"][s]["total"])]
            for s in Stage.pools()
        ],
        numeric_columns=(1, 2),
    )
    definitions_section(report)
    report.write(str(path))


def definitions_section(report):
    """The 统计口径 of the figures, the same text as the xlsx sheet and the page (insights.definitions)."""
    report.heading("统计口径")
    for name, text in definitions.definition_rows():
        report.paragraph(f"{name}:{text}")
