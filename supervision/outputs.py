"""What is on screen, as a file or on paper: the .xlsx response and the A4 landscape print page shared by the
lists and statistics pages.

A list's view builds its filter object once and hands it to the page, the export (?format=xlsx) or the print
view (?format=print): one filter code path, so the three show the same rows. Buttons: the macro
`output_buttons` in templates/_macros/outputs.html (it carries the page's own query string).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from urllib.parse import quote

from flask import Response, render_template, request

from . import timeutil
from .spreadsheet import Column

XLSX = "xlsx"
PRINT = "print"
FORMATS = (XLSX, PRINT)
PRINT_MAX = 3000  # rows on one print page: more is a print job nobody reads — narrow the filter or export


def requested() -> str:
    """The output the query string asks for: "xlsx", "print", or "" (the page)."""
    fmt = request.args.get("format", "")
    return fmt if fmt in FORMATS else ""


def describe(parts: Iterable[str]) -> str:
    """A filter in words for a heading: 「2026年 · 逾期 · 单位：…」 ("全部" when nothing is chosen)."""
    parts = [p for p in parts if p]
    return " · ".join(parts) if parts else "全部"


def xlsx_response(write: Callable, name: str) -> Response:
    """`write(buffer)` writes the workbook; served as an attachment named `name`_YYYYMMDD.xlsx."""
    buf = io.BytesIO()
    write(buf)
    filename = f"{name}_{timeutil.today():%Y%m%d}.xlsx"
    resp = Response(buf.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _shown(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return timeutil.cn_date(value)
    return str(value)


def print_page(title: str, description: str, columns: Sequence[Column], rows: Iterable[Sequence],
               total: int | None = None, back: str = "") -> str:
    """The print view: heading, the filter in words, the table (at most PRINT_MAX rows), no navigation or form.
    `total`: how many rows the filter has (when the rows are a first part of them)."""
    shown = []
    for values in rows:
        if len(shown) >= PRINT_MAX:
            break
        shown.append([_shown(v, c.kind) for c, v in zip(columns, values, strict=True)])
    total = len(shown) if total is None else total
    return render_template("print_table.html", title=title, description=description, columns=columns,
                           rows=shown, total=total, cut=total > len(shown), back=back or request.path,
                           printed_on=timeutil.today())
