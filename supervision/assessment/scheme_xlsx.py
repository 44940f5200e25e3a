"""The 考核细则 .xlsx the offices use: 序号、指标、分值、评分标准、适用对象, plus 所属部分 and 评分方式.

Rows whose 序号 has one or two parts (1, 1.2) are the 一级 / 二级 headings; a row whose 序号 has three parts
(1.2.3) is a 三级指标 and carries the points. An optional title row above the header may state the total
(「……考核细则（总分100分）」); the points of each category's indicators must add up to it (or to 100).
适用对象: 乡镇（街道）、县直部门 or 全部 (several separated by 、，, or spaces)."""
from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from ..spreadsheet import neutralise
from .models import Category, Component, Method

HEADERS = ("序号", "指标", "分值", "评分标准", "适用对象", "所属部分", "评分方式")
CATEGORY_WORDS = {"乡镇": "乡镇", "乡镇（街道）": "乡镇", "乡镇(街道)": "乡镇", "乡（镇、街道）": "乡镇",
                  "县直": "县直", "县直部门": "县直", "县直单位": "县直"}
ALL_WORDS = {"全部", "所有", "全部单位"}
COMPONENT_WORDS = {c.label: c.value for c in Component} | {"资料评判": "materials", "日常评价": "daily"}
METHOD_WORDS = {m.label: m.value for m in Method} | {"评定": "rated", "计算": "computed", "录入": "entered"}


class SchemeFileError(ValueError):
    pass


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def parse(data: bytes) -> tuple[list[dict], Decimal | None]:
    """The rows of the file (each with its sheet line number) and the total its title row states, if any.
    Raises SchemeFileError when the file is not a readable workbook with the header row."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload gets the same plain answer
        raise SchemeFileError("文件不是可读取的 Excel 工作簿（.xlsx）。") from None
    ws = wb.worksheets[0]
    header_at, cols, stated = None, {}, None
    rows_out, level1, level2 = [], "", ""
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [_text(v) for v in row]
        if header_at is None:
            if "序号" in cells:
                header_at = n
                cols = {h: cells.index(h) for h in HEADERS if h in cells}
                missing = [h for h in HEADERS[:5] if h not in cols]
                if missing:
                    raise SchemeFileError(f"第{n}行表头缺少：{'、'.join(missing)}。")
            else:
                m = re.search(r"总分\s*[：:]?\s*(\d+(?:\.\d+)?)\s*分", " ".join(cells))
                if m:
                    stated = Decimal(m.group(1))
            continue
        get = lambda h: cells[cols[h]] if h in cols and cols[h] < len(cells) else ""  # noqa: E731
        code = get("序号")
        if not any(cells):
            continue
        depth = len([p for p in code.split(".") if p]) if code else 0
        if depth in (1, 2) and not get("分值"):
            if depth == 1:
                level1, level2 = get("指标"), ""
            else:
                level2 = get("指标")
            continue
        pts_text = get("分值")
        try:
            points = Decimal(pts_text) if pts_text else None
            if points is not None and not points.is_finite():
                points = None
        except InvalidOperation:
            points = None
        cats, bad = [], []
        for word in re.split(r"[、，,;；\s]+", get("适用对象")):
            if not word:
                continue
            if word in ALL_WORDS:
                cats += [c.value for c in Category]
            elif word in CATEGORY_WORDS:
                cats.append(CATEGORY_WORDS[word])
            else:
                bad.append(word)
        comp_text, method_text = get("所属部分"), get("评分方式")
        rows_out.append({
            "line": n, "code": code, "level1": level1, "level2": level2, "name": get("指标"), "points": points,
            "criteria": get("评分标准"), "categories": list(dict.fromkeys(cats)), "bad_categories": bad,
            "component": COMPONENT_WORDS.get(comp_text, "materials" if not comp_text else None),
            "bad_component": comp_text if comp_text and comp_text not in COMPONENT_WORDS else "",
            "method": METHOD_WORDS.get(method_text, "rated" if not method_text else None),
            "bad_method": method_text if method_text and method_text not in METHOD_WORDS else "",
        })
    wb.close()
    if header_at is None:
        raise SchemeFileError("没有找到表头行（应含序号、指标、分值、评分标准、适用对象）。")
    if not rows_out:
        raise SchemeFileError("文件中没有三级指标。")
    return rows_out, stated


def export(year_row) -> bytes:
    """The year's scheme in the same layout, with a title row stating the total."""
    wb = Workbook()
    ws = wb.active
    ws.title = "考核细则"
    ws.append([f"{year_row.year}年度依法行政考核细则（总分{Decimal(year_row.full_score).normalize():f}分）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(HEADERS))
    l1 = l2 = None
    seq1 = seq2 = 0
    for i in year_row.indicators:
        parts = i.code.split(".")
        if i.level1 and i.level1 != l1:
            l1, l2 = i.level1, None
            seq1 += 1
            ws.append([parts[0] if len(parts) == 3 else str(seq1), neutralise(i.level1)])
        if i.level2 and i.level2 != l2:
            l2 = i.level2
            seq2 += 1
            ws.append([".".join(parts[:2]) if len(parts) == 3 else f"{seq1}.{seq2}", neutralise(i.level2)])
        ws.append([i.code, neutralise(i.name), float(i.points), neutralise(i.criteria),
                   "、".join(Category.label_of(c) for c in i.category_list), Component.label_of(i.component),
                   Method.label_of(i.method)])
    for col, width in zip("ABCDEFG", (10, 40, 8, 60, 22, 22, 12)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
