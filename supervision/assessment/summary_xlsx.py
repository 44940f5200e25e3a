"""考核结果汇总表 (.xlsx): a sheet per category, ranked, with the component scores, 加减分, total and grade.

Through supervision/spreadsheet.write_sheets: text neutralised (a name starting with = stays text), scores written as
numbers (so the office can sum and sort them), A4 landscape fitted to the width, title and header rows repeated.
"""
from __future__ import annotations

import io
import re

from ..spreadsheet import Column, Sheet, write_sheets
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


def summary_workbook(results: YearResults) -> bytes:
    groups = analysis.by_category(results.units)
    used: set[str] = set()
    sheets = []
    for cat in analysis.categories(results):
        units = analysis.ranked(groups.get(cat, []))
        rows = [(u.rank, u.unit_name, _n(u.materials), _n(u.daily), _n(u.internal), _n(u.bonus), _n(u.penalty),
                 _n(u.total), u.grade, _note(u)) for u in units]
        sheets.append(Sheet(_sheet_name(cat, used), f"{results.year}年度依法行政考核结果汇总表（{cat}）", COLUMNS, rows))
    state = f"（{results.status}）" if results.status else ""
    footer = f"共{len(results.units)}个被考核单位{state}。总分＝行政系统内部考核＋加分－扣分。"
    buf = io.BytesIO()
    write_sheets(buf, sheets, footer=footer)
    return buf.getvalue()
