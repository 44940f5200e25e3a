"""考核结果汇总表 (.xlsx): a sheet per category, ranked, with the component scores, 加减分, total and grade.

Each sheet is written by supervision/spreadsheet.write_table (the streaming writer: text neutralised, so a name
starting with = stays text; scores as numbers, so the office can sum and sort them; A4 landscape fitted to the width,
title and header rows repeated on every page) and the sheets are then put in one workbook: openpyxl's per-cell cost
made 3,000 units take 10–20 s, the streaming writer well under one.
"""
from __future__ import annotations

import io
import re
import zipfile

from ..spreadsheet import Column, write_table
from . import analysis
from .reportdata import YearResults

COLUMNS = (
    Column("排名", "int", 6), Column("被考核单位", "text", 30), Column("依法行政工作资料评判", "int", 12),
    Column("日常工作情况评价", "int", 12), Column("行政系统内部考核", "int", 12), Column("加分", "int", 8),
    Column("扣分", "int", 8), Column("总分", "int", 10), Column("等次", "text", 8), Column("备注", "wrap", 30),
)


def _n(value) -> float:
    return float(value)


def _sheet_name(category: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", category)[:31] or "类别"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}{n}"
        n += 1
    used.add(name)
    return name


def _note(u) -> str:
    parts = []
    if u.barred_excellent:
        parts.append("不得评为优秀")
    parts += [f"{'加' if a.points > 0 else '扣'}{abs(a.points)}分：{a.reason}" for a in u.adjustments]
    return "；".join(parts)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_SINGLE = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def combine(parts: list[tuple[str, bytes]]) -> bytes:
    """One workbook of the one-sheet workbooks write_table made ([(sheet name, xlsx bytes)]), in that order: the
    first one's styles and properties, each one's sheet, the print titles (rows 1–2) of every sheet."""
    out = io.BytesIO()
    n = len(parts)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zipfile.ZipFile(io.BytesIO(parts[0][1])) as first:
            for name in first.namelist():
                if name not in _SINGLE:
                    zf.writestr(name, first.read(name))
        for i, (_, data) in enumerate(parts, start=1):
            with zipfile.ZipFile(io.BytesIO(data)) as one:
                xml = one.read("xl/worksheets/sheet1.xml")
            if i > 1:
                xml = xml.replace(b'tabSelected="1"', b'tabSelected="0"', 1)
            zf.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        sheets = "".join(f'<sheet name="{_esc(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (name, _) in enumerate(parts, start=1))
        titles = "".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                         f"{_esc(chr(39) + name.replace(chr(39), chr(39) * 2) + chr(39))}!$1:$2</definedName>"
                         for i, (name, _) in enumerate(parts))
        zf.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
            f'<definedNames>{titles}</definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        zf.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'))
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                            for i in range(1, n + 1))
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>{overrides}'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-'
            'properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.extended-properties+xml"/></Types>'))
    return out.getvalue()


def summary_workbook(results: YearResults) -> bytes:
    groups = analysis.by_category(results.units)
    used: set[str] = set()
    state = f"（{results.status}）" if results.status else ""
    parts = []
    for cat in analysis.categories(results):
        units = analysis.ranked(groups.get(cat, []))
        rows = [(u.rank, u.unit_name, _n(u.materials), _n(u.daily), _n(u.internal), _n(u.bonus), _n(u.penalty),
                 _n(u.total), u.grade, _note(u)) for u in units]
        name = _sheet_name(cat, used)
        buf = io.BytesIO()
        write_table(buf, name, COLUMNS, rows, title=f"{results.year}年度依法行政考核结果汇总表（{cat}）",
                    footer=lambda k, cat=cat: f"{cat}共{k}个被考核单位{state}。总分＝行政系统内部考核＋加分－扣分。",
                    freeze="C3")
        parts.append((name, buf.getvalue()))
    return combine(parts)
