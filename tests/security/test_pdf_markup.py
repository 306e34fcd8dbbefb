"""User text is printed in PDFs, never parsed as reportlab markup, and building a PDF fetches nothing.

Three layers, each a test: (1) no code builds a reportlab Paragraph but ``pdf.text_paragraph``, which
escapes (a static scan, so a new PDF path cannot skip it); (2) every text path of ``pdf.Report`` and
every report kind (round report, quarterly evaluation, attraction bulletin) fed markup builds, shows
the text literally (pdftotext) and sends no request to a loopback listener; (3) even unescaped
markup given to reportlab directly cannot make it fetch a URL (``rl_config.trustedHosts/Schemes``).
"""

import ast
import contextlib
import datetime
import subprocess
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from attraction import services as attraction_services
from attraction.choices import BulletinStatus, SigningEventKind
from common import pdf
from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from investment.models import Problem
from projects.models import Department, StageChange
from tests.attraction.conftest import manager  # noqa: F401 (fixture)
from tests.dispatch.conftest import entry, groups, problem, project  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent.parent
D = datetime.date


class Listener:
    """An HTTP server on loopback that records every request it gets (there must be none)."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                listener.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def payloads(port):
    return [
        "<b>未闭合的标签",
        "</para>结束<para>",
        f'<img src="http://127.0.0.1:{port}/ssrf.png" width="20" height="20"/>图片',
        '<img src="/etc/passwd"/>本地文件',
        f'<a href="http://127.0.0.1:{port}/link">登录已过期</a>',
        '<font color="red" size="40" face="Courier">字体</font>',
        "A & B &amp; <<>> &#x41;",
    ]


def pdf_text(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(done.stdout.decode().split())


def assert_literal(text, *strings):
    for string in strings:
        assert "".join(string.split()) in text, string


# --- 1. one place builds paragraphs -------------------------------------------------------------
MARKUP_FLOWABLES = {"Paragraph", "XPreformatted", "Preformatted", "ParaLines", "ImageAndFlowables"}


def project_sources():
    skip = {".venv", "node_modules", "var", "tests", "bench"}
    for path in ROOT.rglob("*.py"):
        if not skip.intersection(path.relative_to(ROOT).parts):
            yield path


def test_no_code_builds_a_paragraph_but_the_escaping_helper():
    offenders = []
    for path in project_sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in MARKUP_FLOWABLES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    # The one call is in pdf.text_paragraph, whose argument is escape(...).
    assert offenders == [f"common/pdf.py:{_helper_line()}"], offenders


def _helper_line():
    tree = ast.parse((ROOT / "common" / "pdf.py").read_text())
    helper = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "text_paragraph")
    call = next(n for n in ast.walk(helper) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Paragraph")
    assert isinstance(call.args[0], ast.Call) and call.args[0].func.id == "escape"
    return call.lineno


# --- 2. every Report text path ----------------------------------------------------------------------
def test_every_report_text_path_prints_markup_literally_and_fetches_nothing(listener):
    hostile = payloads(listener.port)
    report = pdf.Report(title=hostile[0], subtitle=hostile[1])
    for text in hostile:
        report.heading(text)
        report.paragraph(text)
    report.table(hostile[:3], [hostile[3:6], [hostile[6], None, 1]])
    report.bar_chart(hostile[2], hostile[:3], [[1, 2, 3]], series_names=[hostile[4]])
    buffer = BytesIO()
    report.write(buffer)
    text = pdf_text(buffer.getvalue())
    assert_literal(text, *hostile)
    assert listener.requests == []


def test_reportlab_itself_refuses_to_fetch_urls_in_markup(listener):
    """The second line: markup that somehow reached reportlab unescaped still fetches nothing."""
    style = ParagraphStyle("s", fontName=pdf.register_cjk_font())
    for src in (f"http://127.0.0.1:{listener.port}/raw.png", f"https://127.0.0.1:{listener.port}/raw.png",
                "file:///etc/passwd"):  # fmt: skip
        with contextlib.suppress(Exception):  # reportlab refuses: an error, or a paragraph without the image
            SimpleDocTemplate(BytesIO()).build([Paragraph(f'<img src="{src}" width="9" height="9"/>', style)])
    assert listener.requests == []


# --- 3. every report kind, from user text in the database ----------------------------------------------
@pytest.fixture
def hostile_round(groups, tiedong, listener):  # noqa: F811
    name = "".join(payloads(listener.port)[:3])[:190]
    p = project(name=name, region=tiedong, total_investment=10000, annual_plan=3000, stage="construction",
                start_type="new", actual_start=D(2026, 10, 10))  # fmt: skip
    StageChange.objects.create(project=p, from_stage="landed", to_stage="construction", start_type="new",
                               changed_on=D(2026, 10, 10))  # fmt: skip
    entry(p, D(2026, 10, 1), "10")
    raised = problem(p, deadline=D(2026, 10, 15), unit=payloads(listener.port)[4][:100],
                     description=payloads(listener.port)[5])  # fmt: skip
    Problem.objects.filter(pk=raised.pk).update(created_at=timezone.make_aware(datetime.datetime(2026, 9, 1)))
    round, _ = services.round_run(group=groups["city"], period=Period(D(2026, 10, 1), D(2026, 10, 31)), queue=False)
    return round, name


def built(report):
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report.file.path


def test_the_round_report_prints_project_and_problem_text_literally(hostile_round, listener):
    round, name = hostile_round
    report = Report.objects.create(kind="round", round=round, data_version=selectors.round_data_version(round),
                                   format="pdf")  # fmt: skip
    text = pdf_text(built(report))
    assert_literal(text, name, payloads(listener.port)[4][:100], payloads(listener.port)[5])
    assert listener.requests == []


def test_the_evaluation_report_prints_unit_names_literally(tiedong, leader, listener):
    Department.objects.filter(key="gxj").update(name="<b>工信局&<i>")
    department = Department.objects.get(key="gxj")
    p = project(region=tiedong, department=department, annual_plan=1000, stage="construction",
                start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    for month in range(1, 10):
        entry(p, D(2026, month, 1), "50")
    evaluation, _ = services.evaluation_run(user=leader, year=2026, quarter=3, queue=False)
    report = Report.objects.create(
        kind="evaluation", evaluation=evaluation, data_version=selectors.evaluation_data_version(evaluation),
        format="pdf",
    )  # fmt: skip
    assert_literal(pdf_text(built(report)), "<b>工信局&<i>")
    assert listener.requests == []


def test_the_attraction_bulletin_prints_event_text_literally(admin_user, manager, tiedong, listener):  # noqa: F811
    hostile = payloads(listener.port)
    signed = project(name=hostile[2], region=tiedong, total_investment=Decimal("15000"), stage="signed")
    StageChange.objects.create(project=signed, from_stage="", to_stage="signed", changed_on=D(2026, 10, 8))
    attraction_services.signing_event_create(
        user=admin_user, kind=SigningEventKind.CEREMONY, name=hostile[4], held_on=D(2026, 10, 8),
        place=hostile[0], organiser="市政府", lines=[(signed, Decimal("15000"))],
    )  # fmt: skip
    run, _ = attraction_services.bulletin_request(user=manager, month=D(2026, 10, 1))
    run = attraction_services.bulletin_build(run_id=run.pk)
    assert run.status == BulletinStatus.DONE
    assert_literal(pdf_text(run.pdf.path), hostile[4], hostile[0])  # the bulletin names events, not projects
    assert listener.requests == []
