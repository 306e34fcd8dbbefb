"""Every chart tooltip that builds HTML escapes its text (``echarts.format.encodeHTML``).

ECharts renders tooltips as HTML; labels, axes and legends are drawn on the canvas (text by nature).
Its default tooltips and string templates encode their values; a formatter *function* returns
markup as it is, so each one in a tooltip must pass its text through the escape helper. This check
reads every JavaScript file the project serves from its own static directories, so a new chart
with a hand-built tooltip and no escaping fails here. The browser test
(tests/e2e/test_chart_tooltips.py) shows a project named with tags on the map, as text.
"""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parent.parent.parent
SKIP = {".venv", "node_modules", "var", "tests"}
HELPER = re.compile(r"(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*echarts\.format\.encodeHTML\b")


def project_js():
    for path in sorted(ROOT.rglob("*.js")):
        parts = path.relative_to(ROOT).parts
        if not SKIP.intersection(parts) and "static" in parts:
            yield path


def block(text, start):
    """The text of the {...} or (...) block opening at ``start`` (strings and comments are not special-cased:
    the check is for the project's own small files)."""
    opening = text[start]
    closing = {"{": "}", "(": ")"}[opening]
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    raise AssertionError(f"unbalanced {opening} at {start}")


def tooltip_formatters(text):
    """(kind, body) of each formatter inside a tooltip object: kind is function, name or string."""
    for tooltip in re.finditer(r"\btooltip\s*:\s*\{", text):
        content = block(text, tooltip.end() - 1)
        for formatter in re.finditer(r"\bformatter\s*:\s*", content):
            rest = content[formatter.end() :]
            if rest.startswith("function"):
                yield "function", block(rest, rest.index("{"))
            elif rest[:1] in "\"'`":
                yield "string", rest[: rest.index(rest[0], 1) + 1]
            else:
                name = re.match(r"[A-Za-z_$][\w$.]*", rest).group(0)
                definition = re.search(
                    rf"function\s+{re.escape(name)}\s*\(|{re.escape(name)}\s*=\s*function\s*\(", text
                )
                assert definition, f"formatter {name} is defined elsewhere: make the check follow it"
                yield "function", block(text, text.index("{", definition.end()))


def escapes(body, helpers):
    return "encodeHTML(" in body or any(re.search(rf"\b{re.escape(h)}\(", body) for h in helpers)


def test_every_tooltip_formatter_function_escapes_its_text():
    unescaped, seen = [], 0
    for path in project_js():
        text = path.read_text()
        helpers = set(HELPER.findall(text))
        for kind, body in tooltip_formatters(text):
            seen += 1
            if kind == "function" and not escapes(body, helpers):
                unescaped.append(f"{path.relative_to(ROOT)}: {body[:80]}")
            # ECharts escapes string templates in tooltips; a template holding markup around user text is
            # still HTML we wrote: keep templates to plain placeholders.
            if kind == "string":
                assert "<" not in body, f"{path.relative_to(ROOT)}: markup in a tooltip template {body}"
    assert unescaped == []
    assert seen >= 1, "the map's tooltip formatter was not found: the check reads nothing"


def test_the_check_catches_an_unescaped_formatter():
    """Guards the check itself on a made-up chart."""
    bad = 'chart.setOption({ tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>"; } } });'
    good = (
        "var esc = echarts.format.encodeHTML;\n"
        'chart.setOption({ tooltip: { formatter: function (p) { return esc(p.name) + "<br>"; } } });'
    )
    named = "function tip(p) { return p.name; }\nchart.setOption({ tooltip: { formatter: tip } });"
    assert [not escapes(body, set()) for _, body in tooltip_formatters(bad)] == [True]
    assert [escapes(body, set(HELPER.findall(good))) for _, body in tooltip_formatters(good)] == [True]
    assert [escapes(body, set()) for _, body in tooltip_formatters(named)] == [False]


def test_the_escape_helper_is_the_installed_echarts_one():
    """The helper the formatters call exists in the ECharts build the pages load (npm package)."""
    dist = (ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js").read_text()
    assert "encodeHTML" in dist
