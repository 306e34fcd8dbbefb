"""The one place PDF reports are built: reportlab (streams pages, no browser) with an embedded CJK font.

A PDF is for reading at a meeting: summary, rankings, a chart and the top lists. The full row set
belongs in the xlsx (WeasyPrint-style full tables cost minutes and gigabytes; engineering-notes.md).

Every string given to a Report is plain text: ``text_paragraph`` (the only place in the project that
builds a reportlab Paragraph; a test keeps it so) escapes it, so a project named ``<img src=...>`` is
printed, never parsed. Markup comes only from code-owned constants (none are needed today).
"""

from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .figures import percent

# Nothing remote or local is fetched while a PDF is built (CVE-2020-28463: <img src=http://...> in a
# paragraph made reportlab fetch it). reportlab checks URLs only when trustedHosts is not None: one
# host nothing resolves to (.invalid, RFC 2606) and no trusted scheme refuse every URL, file: too.
# Set at import, before reportlab's first open_for_read binds them.
rl_config.trustedHosts = ["nothing.invalid"]
rl_config.trustedSchemes = []

FONT_NAME = "CJK"
# TrueType-outline CJK fonts reportlab can embed (Noto CJK is CFF-based, which reportlab cannot).
FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]


class FontMissing(RuntimeError):
    pass


def register_cjk_font():
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
            return FONT_NAME
    raise FontMissing("no CJK TrueType font found: install fonts-wqy-zenhei (scripts/system-deps.sh)")


def styles():
    font = register_cjk_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=6 * mm),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10),
    }


def text_paragraph(text, style):
    """A Paragraph showing ``text`` literally: the one place user text meets reportlab's markup."""
    return Paragraph(escape("" if text is None else str(text)), style)


def fmt_money(value):
    """万元 with thousands separators and two places."""
    return f"{Decimal(value or 0):,.2f}"


def fmt_percent(value):
    """A rate as the one percent display (common.figures.percent)."""
    return percent(value)


class Report:
    """Accumulates flowables and writes a landscape A4 PDF.

    report = Report(title="...")
    report.heading("汇总"); report.paragraph("..."); report.table(headers, rows); report.bar_chart(...)
    report.write(path_or_buffer)
    """

    def __init__(self, *, title, subtitle=""):
        self.styles = styles()
        self.title = title
        self.story = [text_paragraph(title, self.styles["title"])]
        if subtitle:
            self.story.append(text_paragraph(subtitle, self.styles["body"]))
            self.story.append(Spacer(1, 4 * mm))

    def heading(self, text):
        self.story.append(text_paragraph(text, self.styles["h2"]))

    def paragraph(self, text):
        self.story.append(text_paragraph(text, self.styles["body"]))

    def table(self, headers, rows, *, col_widths=None, numeric_columns=()):
        cell = self.styles["cell"]
        data = [[text_paragraph(h, cell) for h in headers]]
        for row in rows:
            data.append([text_paragraph(v, cell) for v in row])
        table = Table(data, colWidths=col_widths, repeatRows=1)
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBBB")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        for column in numeric_columns:
            commands.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
        table.setStyle(TableStyle(commands))
        self.story.append(table)
        self.story.append(Spacer(1, 3 * mm))

    def bar_chart(self, title, labels, series, *, series_names=(), width=240 * mm, height=70 * mm):
        """A vertical bar chart; ``series`` is a list of lists of numbers (one list per series)."""
        font = FONT_NAME
        drawing = Drawing(width, height + 12 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y = 15 * mm, 12 * mm
        chart.width, chart.height = width - 25 * mm, height - 10 * mm
        chart.data = [[float(v or 0) for v in values] for values in series] or [[0]]
        chart.categoryAxis.categoryNames = [str(label) for label in labels]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        palette = [colors.HexColor("#b91c1c"), colors.HexColor("#2563eb"), colors.HexColor("#059669")]
        for index in range(len(chart.data)):
            chart.bars[index].fillColor = palette[index % len(palette)]
        drawing.add(chart)
        drawing.add(String(15 * mm, height + 4 * mm, title, fontName=font, fontSize=10))
        legend_x = width - 70 * mm
        for index, name in enumerate(series_names):
            drawing.add(String(legend_x + index * 30 * mm, height + 4 * mm, f"■ {name}", fontName=font,
                               fontSize=8, fillColor=palette[index % len(palette)]))  # fmt: skip
        self.story.append(KeepTogether([drawing, Spacer(1, 3 * mm)]))

    def write(self, target):
        doc = SimpleDocTemplate(
            target,
            pagesize=landscape(A4),
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title=self.title,
        )
        doc.build(self.story, onFirstPage=self._footer, onLaterPages=self._footer)

    def _footer(self, canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8)
        canvas.drawRightString(doc.pagesize[0] - 12 * mm, 7 * mm, f"{self.title} · 第 {doc.page} 页")
        canvas.restoreState()
