"""The bad-input corpus: each entry builds its bytes at test time (nothing large is committed).

name -> (builder(project) -> (filename, bytes), the specific message expected in the answer).
"""

import io
import os
import struct
import zipfile
import zlib

from investment.excel import TEMPLATE_HEADERS
from tests.investment.xlsx_helpers import progress_workbook

PERIOD = "2026-10"
CODE, AMOUNT, PERIOD_COL, IMAGE = (
    TEMPLATE_HEADERS.index(h) for h in ("项目代码", "本月完成投资(万元)", "填报月份", "形象进度")
)


def sheet(rows, headers=TEMPLATE_HEADERS, *, formula=None, merge=None):
    buffer, book, ws = progress_workbook(rows, headers)
    if formula:
        r, c, text = formula
        ws.write_formula(r, c, text)
    if merge:
        first_row, first_col, last_row, last_col, value = merge
        ws.merge_range(first_row, first_col, last_row, last_col, value)
    book.close()
    return buffer.getvalue()


def row(project, amount="100", period=PERIOD, image="", code=None):
    values = [None] * len(TEMPLATE_HEADERS)
    values[CODE] = project.code if code is None else code
    values[PERIOD_COL] = period
    values[AMOUNT] = amount
    values[IMAGE] = image
    return values


def zip_bomb():
    """A well-formed xlsx skeleton whose sheet inflates to 300 MB (about 300 KB on the wire)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\x00" * (1 << 20)
            for _ in range(300):
                member.write(block)
    return buffer.getvalue()


def xml_bomb():
    """Billion laughs in the shared strings of an otherwise valid workbook."""
    good = sheet([["x"] * 3], headers=["项目代码", "填报月份", "本月完成投资(万元)"])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    source, out = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = laughs.encode() if item.filename == "xl/sharedStrings.xml" else source.read(item.filename)
            archive.writestr(item, data)
    return out.getvalue()


def png(width, height):
    """A tiny PNG declaring a huge canvas (a decompression bomb for image libraries)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def random_bytes(size):
    return os.urandom(size)


IMPORT_CORPUS = {
    "wrong headers": (lambda p: sheet([["a", "b"]], headers=["名称", "金额"]), "缺少列"),
    "missing amount column": (lambda p: sheet([[p.code, PERIOD]], headers=["项目代码", "填报月份"]), "本月完成投资"),
    "text in a number cell": (lambda p: sheet([row(p, amount="一百万")]), "不是数字"),
    "negative amount": (lambda p: sheet([row(p, amount=-5.0)]), "不能为负"),
    "absurd amount": (lambda p: sheet([row(p, amount=1e15)]), "过大"),
    "date in a wrong format": (lambda p: sheet([row(p, period="10/2026/31")]), "YYYY-MM"),
    "unknown project code": (lambda p: sheet([row(p, code="2026-999999-01-01-ZZZZZZ")]), "项目"),
    "very long text": (lambda p: sheet([row(p, image="长" * 30_000)]), "2000"),
    "formula cell": (lambda p: sheet([row(p, amount=None)], formula=(1, AMOUNT, "=100*3")), "公式"),
    "merged cells": (lambda p: sheet([row(p), row(p, code="")], merge=(1, CODE, 2, CODE, p.code)), "项目代码"),
    "non-UTF-8 CSV": (lambda p: f"项目代码,填报月份,本月完成投资\n{p.code},{PERIOD},100\n".encode("gbk"), "不是 xlsx"),
    "empty file": (lambda p: b"", "空文件"),
    "truncated xlsx": (lambda p: sheet([row(p)])[:900], "损坏"),
    "zip without a workbook": (lambda p: _plain_zip(), "不是 xlsx"),
    "zip bomb": (lambda p: zip_bomb(), "压缩炸弹"),
    "50 MB file": (lambda p: b"PK\x03\x04" + random_bytes(50 * 1024 * 1024), "过大"),
    "xml bomb": (lambda p: xml_bomb(), ""),
    "an image named .xlsx": (lambda p: png(10, 10), "不是 xlsx"),
}


def _plain_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


PHOTO_CORPUS = {
    "text named .jpg": (lambda: ("site.jpg", "这不是照片".encode() * 100), "只接受"),
    "truncated JPEG": (lambda: ("site.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random_bytes(300)), "损坏"),
    "PNG decompression bomb": (lambda: ("bomb.png", png(60_000, 60_000)), "损坏"),
    "executable named .png": (lambda: ("x.png", b"\x7fELF\x02\x01\x01" + random_bytes(2000)), "只接受"),
    "SVG with script": (
        lambda: ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        "只接受",
    ),
    "50 MB file": (lambda: ("big.jpg", b"\xff\xd8\xff\xe0" + random_bytes(50 * 1024 * 1024)), "过大"),
}
