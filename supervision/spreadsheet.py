"""Shared rules for exported .xlsx files: formulas written as text, the A4 landscape print set-up, and a streaming
writer for the one export too big for openpyxl.

openpyxl stays the library for every other export and for reading. `write_table` exists because openpyxl spends
its per-cell Python (lxml_write_cell, _bind_value, style hashing) on every cell: measured ~107 µs per 13-value
row plain and ~150 µs styled, ≈ 8–11 µs a cell, so the province's 整改台账 (260,000 rows × 18 columns, 4.7M
cells) took ≥ 37 s in openpyxl's writing alone; XlsxWriter's constant_memory mode measured ~70 µs a row. Here
a row is one formatted string: inline strings, numbers, and dates as serial numbers with a date style, streamed
into the zip entry of the sheet, so memory stays flat however many rows.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import NamedTuple

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A string a spreadsheet would run as a formula (= + - @, or a leading tab/CR) gets a leading apostrophe,
    so it is stored and shown as the text that was typed (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- streaming writer -----------------------------------------------------------------------------

class Column(NamedTuple):
    header: str
    kind: str  # text / wrap (wrapped, top-aligned) / date (yyyy-mm-dd) / int
    width: float


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument."
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}spreadsheetml.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}extended-properties+xml"/></Types>')
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>')
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>')
_THIN = '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/></border>'
# cellXfs, by index: 0 default, 1 title, 2 header, 3 text/int, 4 date, 5 wrap, 6 footer.
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="5"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="16"/><name val="宋体"/></font><font><b/><sz val="10"/><name val="宋体"/></font>'
    '<font><sz val="10"/><name val="宋体"/></font><font><i/><sz val="9"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    f'</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>{_THIN}</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1">'
    '<alignment vertical="top"/></xf>'
    '<xf numFmtId="164" fontId="3" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="4" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_KIND_STYLE = {"text": 3, "int": 3, "date": 4, "wrap": 5}
_TITLE, _HEADER, _FOOTER = 1, 2, 6

# What XML 1.0 cannot hold (dropped: a pasted control character must not corrupt the file), and what needs
# escaping: & < > always, and CR as a reference, or the parser reading the file turns it into LF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_SPACE = " \t\r\n"
_EPOCH = date(1899, 12, 30).toordinal()


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _text(s: str) -> str:
    """`<is><t>…</t></is>` of a string: illegal characters dropped, formula-looking text neutralised, escaped;
    "" when nothing is left."""
    if _SPECIAL.search(s):
        s = neutralise(_ILLEGAL.sub("", s))
        if not s:
            return ""
        space = s[0] in _XML_SPACE or s[-1] in _XML_SPACE
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    else:
        s = neutralise(s)
        space = s[0] in _XML_SPACE or s[-1] in _XML_SPACE
    return f'<is><t xml:space="preserve">{s}</t></is>' if space else f"<is><t>{s}</t></is>"


def _serial(d: date) -> float | int:
    """Excel's serial day number (1900 date system, with its phantom 1900-02-29)."""
    if isinstance(d, datetime):
        if d.tzinfo is not None:
            raise ValueError("aware datetimes are not written: convert to local time and drop tzinfo")
        days = d.toordinal() - _EPOCH
        frac = (d.hour * 3600 + d.minute * 60 + d.second + d.microsecond / 1e6) / 86400
    else:
        days, frac = d.toordinal() - _EPOCH, 0
    if 0 < days <= 60:
        days -= 1
    return days + frac if frac else days


def _body(style: int, v) -> str:
    """A cell after its reference: style, type and value. None and "" give an empty cell that keeps its style
    (borders)."""
    t = type(v)
    if t is str:
        text = _text(v) if v else ""
        return f' s="{style}" t="inlineStr">{text}</c>' if text else f' s="{style}"/>'
    if v is None:
        return f' s="{style}"/>'
    if t is int:
        return f' s="{style}"><v>{v}</v></c>'
    if isinstance(v, date):
        return f' s="{style}"><v>{_serial(v)}</v></c>'
    if isinstance(v, bool):
        return f' s="{style}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float) and math.isfinite(v):
        return f' s="{style}"><v>{v!r}</v></c>'
    if isinstance(v, str):
        return _body(style, str(v))
    raise TypeError(f"cannot write {v!r} to a spreadsheet cell")


def _cell(ref: str, style: int, v) -> str:
    return f'<c r="{ref}"{_body(style, v)}'


# Values whose cell is kept for the next rows with the same value in that column (names, labels, dates); not
# numbers, as True == 1 would find the cell of 1. A full cache is emptied and fills again with the values of the
# rows that follow, which are the ones likely to repeat (a letter's number on each of its problems).
_CACHED = (str, date, datetime, type(None))
_CACHE_MAX, _CACHE_LEN = 4096, 200


def column_letter(i: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _pane(freeze: str) -> str:
    m = re.fullmatch(r"([A-Z]+)([0-9]+)", freeze)
    if not m:
        raise ValueError(f"freeze {freeze!r} is not a cell reference")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    x, y = col - 1, int(m.group(2)) - 1
    if not x and not y:
        return ""
    pane = "bottomRight" if x and y else ("topRight" if x else "bottomLeft")
    split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    return (f'<pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/>')


def write_table(out, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence], title: str = "",
                footer: Callable[[int], str] | None = None, freeze: str = "") -> int:
    """Write one sheet to `out` (a path or a binary file object): a title row merged across the columns (if
    `title`), the header row, `rows` (one value a column: str, int, float, date, datetime, or None), and a footer
    row, `footer(number of rows)`. The title and header rows repeat on every printed page; the sheet is fitted to
    the width of A4 landscape; `freeze` ("D3") freezes the rows above and the columns left of that cell.
    Returns the number of data rows written. The sheet's XML must stay under 2 GiB (no zip64 entry)."""
    if not 0 < len(sheet) <= 31 or re.search(r"[\[\]:*?/\\]", sheet):
        raise ValueError(f"invalid sheet name {sheet!r}")
    ncol = len(columns)
    letters = [column_letter(i) for i in range(1, ncol + 1)]
    styles = [_KIND_STYLE[c.kind] for c in columns]
    last_head = 2 if title else 1
    quoted = "'" + sheet.replace("'", "''") + "'"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    n = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("docProps/app.xml", _APP)
        zf.writestr("docProps/core.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created></cp:coreProperties>'))
        zf.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets><sheet name="{_escape(sheet)}" sheetId="1" '
            f'r:id="rId1"/></sheets><definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
            f"{_escape(quoted)}!$1:${last_head}</definedName></definedNames>"
            '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            cols = "".join(f'<col min="{i}" max="{i}" width="{c.width:g}" customWidth="1"/>'
                           for i, c in enumerate(columns, start=1))
            head = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
                    f'xmlns:r="{_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews>'
                    f'<sheetView tabSelected="1" workbookViewId="0">{_pane(freeze) if freeze else ""}</sheetView>'
                    f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>']
            if title:
                head.append(f'<row r="1" ht="30" customHeight="1">{_cell("A1", _TITLE, title)}</row>')
            head.append(f'<row r="{last_head}">')
            head += [_cell(f"{x}{last_head}", _HEADER, c.header) for x, c in zip(letters, columns, strict=True)]
            head.append("</row>")
            fh.write("".join(head).encode())
            buf = []
            r = last_head
            starts = [f'<c r="{x}' for x in letters]
            caches: list[dict] = [{} for _ in columns]
            for values in rows:
                r += 1
                if len(values) != ncol:
                    raise ValueError(f"row {r} has {len(values)} values for {ncol} columns")
                ref = f'{r}"'
                buf.append(f'<row r="{r}">')
                for start, style, cache, v in zip(starts, styles, caches, values, strict=True):
                    body = cache.get(v)
                    if body is None:
                        body = _body(style, v)
                        if type(v) in _CACHED and (type(v) is not str or len(v) < _CACHE_LEN):
                            if len(cache) >= _CACHE_MAX:
                                cache.clear()
                            cache[v] = body
                    buf.append(f"{start}{ref}{body}")
                buf.append("</row>")
                if len(buf) > 20000:
                    fh.write("".join(buf).encode())
                    buf.clear()
            n = r - last_head
            if footer is not None:
                r += 1
                buf.append(f'<row r="{r}">{_cell(f"A{r}", _FOOTER, footer(n))}</row>')
            merge = f'<mergeCells count="1"><mergeCell ref="A1:{letters[-1]}1"/></mergeCells>' if title else ""
            buf.append(
                f'</sheetData>{merge}<printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4" '
                'top="0.6" bottom="0.6" header="0.5" footer="0.5"/><pageSetup paperSize="9" orientation="landscape" '
                'fitToWidth="1" fitToHeight="0"/></worksheet>')
            fh.write("".join(buf).encode())
    return n


# --- small workbooks of several sheets (statistics) -------------------------------------------------

class Sheet(NamedTuple):
    name: str
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def write_sheets(out, sheets: Sequence[Sheet], footer: str = "") -> None:
    """Write small tables (statistics: a few hundred rows) to `out`, one sheet each, with openpyxl's
    write-only (streamed) workbook: a title row, the header row, the rows — text neutralised, dates as date
    cells in yyyy-mm-dd — and `footer` under each table; A4 landscape, fitted to the width."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.worksheet import Worksheet

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for i, c in enumerate(sheet.columns, start=1):
            ws.column_dimensions[column_letter(i)].width = c.width
        ws.freeze_panes = "A3"
        ws.print_title_rows = "1:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

        def cell(v, *, font=None, kind="text"):
            c = WriteOnlyCell(ws, value=neutralise(v))
            if font is not None:
                c.font = font
            if kind == "date":
                c.number_format = "yyyy-mm-dd"
            if kind == "wrap":
                c.alignment = Alignment(wrap_text=True, vertical="top")
            return c

        title = cell(sheet.title, font=Font(bold=True, size=14, name="宋体"))
        ws.append([title])
        head = []
        for c in sheet.columns:
            h = cell(c.header, font=Font(bold=True, size=10, name="宋体"))
            h.border = border
            h.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            head.append(h)
        ws.append(head)
        for values in sheet.rows:
            row = []
            for c, v in zip(sheet.columns, values, strict=True):
                x = cell(v, font=Font(size=10, name="宋体"), kind=c.kind)
                x.border = border
                row.append(x)
            ws.append(row)
        if footer:
            ws.append([cell(footer, font=Font(italic=True, size=9, name="宋体"))])
    wb.save(out)
