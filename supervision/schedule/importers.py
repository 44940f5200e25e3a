"""Read a 日常监督分组计划表 from .xlsx, .csv or .docx into plain rows of (month, week, unit names).

Nothing here touches the database. read_plan() returns a ParsedPlan with every problem located by file,
row and cell; a file that cannot be read at all raises PlanFileError with a Chinese message.

Accepted shapes (see the README section of the schedule):
- a header row with 时间/月份 (month), 周次 (week; or the column right of 时间 when 时间 spans two columns,
  as in the Word annex) and 受监督单位 (this column and the unnamed columns right of it hold units);
- month and week written only on the first row of their block, or in merged cells;
- one unit per row, or several in one cell separated by 、 ， , ; ； or a line break;
- month as 三月 / 3月 / 3, week as 第一周 / 第1周 / 1; a repeated header row mid-table is skipped.
"""
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from ..textclean import strip_control

MAX_BYTES = 5 * 1024 * 1024  # a plan table is a few tens of KB; anything this large is not one
MAX_EXPANDED = 50 * 1024 * 1024  # nor does one expand to more than this (a zip bomb does)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SCAN_ROWS = 30

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}
UNIT_SEPARATORS = re.compile(r"[、，,;；\n\r]+")
MONTH_HEADERS = ("月份", "时间", "月")
WEEK_HEADERS = ("周次", "周")
UNIT_HEADERS = ("受监督单位", "被监督单位", "监督单位", "单位名称", "单位")
NOTE_PREFIXES = ("注", "备注", "说明")


class PlanFileError(ValueError):
    """The file cannot be read as a plan table at all; the message says why, in Chinese."""


@dataclass
class Problem:
    message: str
    file: str = ""
    where: str = ""  # 工作表“Sheet1” / 表格1
    row: int | None = None
    cell: str = ""  # B5 / 第2格
    severity: str = "error"  # error / warning

    @property
    def location(self) -> str:
        parts = [p for p in (self.file, self.where) if p]
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.cell:
            parts.append(f"单元格 {self.cell}")
        return " · ".join(parts)

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}：{self.message}" if loc else self.message


@dataclass
class Cell:
    text: str
    ref: str  # B5 or 第2格


@dataclass
class Grid:
    """A table as rows of cells; merged continuation cells are empty."""

    where: str
    rows: list[tuple[int, list[Cell]]]  # (1-based row number, cells)


@dataclass
class PlanRow:
    month: int
    week: int
    units: list[str]
    row: int
    month_ref: str
    week_ref: str
    unit_refs: list[str] = field(default_factory=list)


@dataclass
class ParsedPlan:
    filename: str
    fmt: str  # xlsx / csv / docx
    where: str = ""
    encoding: str = ""
    rows: list[PlanRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stated_year: int | None = None  # the year the title row (or else the file name) names
    stated_from: str = ""  # where: 标题“2022年依法行政日常监督分组计划表” / 文件名“2022计划.xlsx”

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# ---------------------------------------------------------------------------------------------- numbers

def cn_to_int(text: str) -> int | None:
    """三 -> 3, 十二 -> 12, 十三 -> 13, 12 -> 12; None if it is not a number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones:
            return None
        t = CN_DIGITS[tens] if tens else 1
        o = CN_DIGITS[ones] if ones else 0
        return t * 10 + o
    if len(text) == 1:
        return CN_DIGITS[text]
    return None


def _numeric(text: str) -> str:
    # Excel keeps 3 as 3.0 when the column is numeric.
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def parse_month(text: str) -> int | None:
    """三月 / 3月 / 3 / 2021年3月 -> 3 (any number, range checked by the caller); None if unreadable."""
    t = _numeric(re.sub(r"\s+", "", text))
    t = re.sub(r"^\d{4}年", "", t)
    m = re.fullmatch(r"([0-9一二三四五六七八九十〇零两]+)(?:月份?)?", t)
    return cn_to_int(m.group(1)) if m else None


def parse_week(text: str) -> int | None:
    """第一周 / 第1周 / 1 / 一 -> 1; None if unreadable."""
    t = _numeric(re.sub(r"\s+", "", text))
    m = re.fullmatch(r"第?([0-9一二三四五六七八九十〇零两]+)周?", t)
    return cn_to_int(m.group(1)) if m else None


def split_units(text: str) -> list[str]:
    return [p.strip() for p in UNIT_SEPARATORS.split(text) if p.strip()]


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = strip_control(str(value)).replace("\u3000", " ").replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.strip().splitlines()).strip()


def col_letter(idx: int) -> str:
    """0 -> A, 27 -> AB."""
    out = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


# ---------------------------------------------------------------------------------------------- readers

def sniff_format(data: bytes) -> str:
    """xlsx / docx / csv by content, never by the file name; PlanFileError for everything else."""
    if data.startswith(OLE2_MAGIC):
        # An encrypted Office file is an OLE2 container holding an EncryptedPackage stream.
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data \
                or "EncryptionInfo".encode("utf-16-le") in data:
            raise PlanFileError("该工作簿设有打开密码（文件已加密），无法读取。请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再上传。")
        raise PlanFileError("这是旧版 Office 文件（.xls 或 .doc），无法读取。请另存为 .xlsx、.docx 或 .csv 后再上传。")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        from ..uploads import zip_bomb_reason

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                bomb = zip_bomb_reason(zf, MAX_EXPANDED)
        except (zipfile.BadZipFile, ValueError, OSError):
            raise PlanFileError("文件已损坏或不是有效的 Excel/Word 文件，无法打开。") from None
        if bomb:
            raise PlanFileError(bomb)
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        raise PlanFileError("这是一个压缩包，但不是 Excel（.xlsx）或 Word（.docx）文件。")
    if data.startswith(b"%PDF"):
        raise PlanFileError("这是 PDF 文件，无法从中读取表格。请上传 Excel（.xlsx）、Word（.docx）或 CSV 文件。")
    return "csv"


def _xlsx_grids(data: bytes) -> list[Grid]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise PlanFileError("Excel 文件已损坏或不是有效的 .xlsx 文件，无法打开。") from None
    grids = []
    for ws in wb.worksheets:
        rows = []
        for r_idx, row in enumerate(ws.iter_rows(), start=1):
            cells = [Cell(_clean(c.value), f"{col_letter(i)}{r_idx}") for i, c in enumerate(row)]
            rows.append((r_idx, cells))
        grids.append(Grid(f"工作表“{ws.title}”", rows))
    return grids


def _docx_grids(data: bytes) -> list[Grid]:
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:
        raise PlanFileError("Word 文件已损坏或不是有效的 .docx 文件，无法打开。") from None
    grids = []
    for t_idx, table in enumerate(document.tables, start=1):
        rows = []
        for r_idx, tr in enumerate(table._tbl.tr_lst, start=1):
            cells: list[Cell] = []
            grid_before = tr.trPr.find(qn("w:gridBefore")) if tr.trPr is not None else None
            if grid_before is not None:
                for _ in range(int(grid_before.get(qn("w:val"), "0"))):
                    cells.append(Cell("", f"第{len(cells) + 1}格"))
            for tc in tr.tc_lst:
                # A vertically merged continuation and the extra columns of a horizontal span read as empty,
                # exactly as merged cells do in Excel.
                text = "" if tc.vMerge == "continue" else _clean(
                    "\n".join(p.text for p in docx.table._Cell(tc, table).paragraphs))
                for span in range(tc.grid_span):
                    cells.append(Cell(text if span == 0 else "", f"第{len(cells) + 1}格"))
            rows.append((r_idx, cells))
        grids.append(Grid(f"表格{t_idx}", rows))
    if not grids:
        raise PlanFileError("Word 文档中没有表格。请上传含有“依法行政日常监督分组计划表”表格的文档。")
    return grids


def _decode_text(data: bytes) -> list[tuple[str, str]]:
    """Candidate (encoding, text) pairs in order of likelihood; PlanFileError when none fits."""
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return [("UTF-16", data.decode("utf-16"))]
        except UnicodeDecodeError:
            raise PlanFileError("无法识别文件编码：文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本。") from None
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if controls > max(2, len(sample) // 200):
        raise PlanFileError("文件内容不是表格（看起来是二进制数据，不是 Excel、Word 或 CSV 文件）。")
    out = []
    for enc, label in (("utf-8-sig", "UTF-8"), ("gb18030", "GB18030/GBK")):
        try:
            out.append((label, data.decode(enc)))
        except UnicodeDecodeError:
            continue
    if out:
        return out
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # the detector is a fallback; its failure means "unknown"
        best = None
    if best is not None and best.encoding in ("big5", "big5hkscs", "cp950", "utf_16", "utf_32", "hz", "gb2312"):
        return [(best.encoding.upper(), str(best))]
    raise PlanFileError("无法识别文件编码：既不是 UTF-8，也不是 GB18030/GBK。"
                        "请在 Excel 或 WPS 中“另存为”CSV UTF-8 或 .xlsx 后再上传。")


def _csv_grids(data: bytes) -> tuple[list[Grid], str]:
    candidates = _decode_text(data)
    grids = []
    for encoding, text in candidates:
        for delim in (",", "\t", ";"):
            try:
                reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
                rows = [(i, [Cell(_clean(v), f"{col_letter(j)}{i}") for j, v in enumerate(r)])
                        for i, r in enumerate(reader, start=1)]
            except csv.Error:
                continue
            grid = Grid("", rows)
            if _find_header(grid) is not None:
                return [grid], encoding
            grids.append(grid)
    return grids[:1], candidates[0][0]


# ---------------------------------------------------------------------------------------------- header

@dataclass
class Columns:
    header_row: int  # index into grid.rows
    month: int
    week: int | None  # None: month and week share one cell (三月第一周)
    units: list[int]
    open_ended: bool = False  # the unit header is the last one: every column to its right holds units


def _norm_header(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _header_kind(text: str) -> str | None:
    t = _norm_header(text)
    if not t or len(t) > 8:
        return None
    if t in UNIT_HEADERS or t.endswith("单位"):
        return "unit"
    if t in WEEK_HEADERS or t.endswith("周次"):
        return "week"
    if t in MONTH_HEADERS or t in ("月份", "日期"):
        return "month"
    return None


def _columns_of(cells: list[Cell], header_row: int) -> Columns | None:
    kinds = [_header_kind(c.text) for c in cells]
    if "unit" not in kinds or "month" not in kinds:
        return None
    month = kinds.index("month")
    first_unit = kinds.index("unit")
    week = kinds.index("week") if "week" in kinds else None
    if week is None and first_unit > month + 1:
        week = month + 1  # 时间 spans two columns (month, week), as in the Word annex
    units = [first_unit]
    for i in range(first_unit + 1, len(cells)):
        # The unit header may span several columns (merged, so empty) or be repeated.
        if kinds[i] == "unit" or (not cells[i].text and i != week):
            units.append(i)
        else:
            break
    open_ended = units[-1] == len(cells) - 1
    return Columns(header_row, month, week, units, open_ended)


def _find_header(grid: Grid) -> Columns | None:
    for idx, (_, cells) in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        cols = _columns_of(cells, idx)
        if cols is not None:
            return cols
    return None


def _is_header_row(cells: list[Cell]) -> bool:
    texts = [_header_kind(c.text) for c in cells if c.text]
    return bool(texts) and all(texts) and "unit" in texts


# ---------------------------------------------------------------------------------------------- rows

def _text_at(cells: list[Cell], idx: int | None) -> Cell:
    if idx is None or idx >= len(cells):
        return Cell("", "")
    return cells[idx]


def _interpret(grid: Grid, cols: Columns, plan: ParsedPlan) -> None:
    month = week = None
    month_ref = week_ref = ""
    current: PlanRow | None = None

    def problem(msg, row, cell, severity="error"):
        plan.problems.append(Problem(msg, plan.filename, grid.where, row, cell, severity))

    for row_no, cells in grid.rows[cols.header_row + 1:]:
        if not any(c.text for c in cells):
            continue
        if _is_header_row(cells):
            continue  # the Word annex repeats 时间 / 受监督单位 on a new page
        first = next(c.text for c in cells if c.text)
        if first.startswith(NOTE_PREFIXES):
            continue  # 注：共计有县直单位35家、乡镇20家。
        m_cell = _text_at(cells, cols.month)
        w_cell = _text_at(cells, cols.week)
        unit_idx = list(cols.units)
        if cols.open_ended:
            unit_idx += list(range(cols.units[-1] + 1, len(cells)))
        unit_cells = [_text_at(cells, i) for i in unit_idx if _text_at(cells, i).text]
        new_month = new_week = None
        if m_cell.text:
            if cols.week is None:
                mm = re.fullmatch(r"(.+月)\s*(第.+周)", re.sub(r"\s+", "", m_cell.text))
                month_text, week_text = (mm.group(1), mm.group(2)) if mm else (m_cell.text, "")
            else:
                month_text, week_text = m_cell.text, w_cell.text
            new_month = parse_month(month_text)
            if new_month is None or not 1 <= new_month <= 12:
                problem(f"无法识别的月份“{month_text}”（应写成 三月、3月 或 3）。", row_no, m_cell.ref)
                month, current = None, None
                continue
            if new_month != month:
                month, month_ref, week = new_month, m_cell.ref, None
            else:
                new_month = None  # the month repeated on every row of its block
            if cols.week is None:
                w_cell = Cell(week_text, m_cell.ref)
        if w_cell.text:
            new_week = parse_week(w_cell.text)
            if new_week is None or not 1 <= new_week <= 5:
                problem(f"无法识别的周次“{w_cell.text}”（一个月最多有第一周至第五周）。", row_no, w_cell.ref)
                week, current = None, None
                continue
            week, week_ref = new_week, w_cell.ref
        if month is None:
            if m_cell.text == "":
                problem("月份为空：表格第一行数据应写明月份。", row_no, m_cell.ref or "")
            continue
        if week is None:
            problem(f"{month}月的这一行没有周次。", row_no, w_cell.ref or m_cell.ref)
            continue
        names = [n for c in unit_cells for n in split_units(c.text)]
        refs = [c.ref for c in unit_cells for _ in split_units(c.text)]
        starts_slot = new_month is not None or new_week is not None
        if starts_slot:
            if not names:
                ref = _text_at(cells, cols.units[0]).ref
                problem(f"{month}月第{week}周的受监督单位为空。", row_no, ref)
                current = None
                continue
            current = PlanRow(month, week, names, row_no, month_ref, week_ref, refs)
            plan.rows.append(current)
        elif current is not None and current.month == month and current.week == week:
            current.units.extend(names)  # one unit per row under the same month and week
            current.unit_refs.extend(refs)


YEAR_IN_TITLE = re.compile(r"(?<!\d)(20\d\d)\s*年")
YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
TITLE_SCAN_PARAGRAPHS = 10


def _docx_title_texts(data: bytes) -> list[str]:
    """The first paragraphs of a Word document (the title stands above the table)."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:
        return []
    texts = [p.text.strip() for p in document.paragraphs[:TITLE_SCAN_PARAGRAPHS * 3]]
    return [t for t in texts if t][:TITLE_SCAN_PARAGRAPHS]


def stated_year(filename: str, titles: list[str]) -> tuple[int | None, str]:
    """The year a plan table names for itself: a 20xx年 in the title rows, else a 20xx in the file name."""
    for text in titles:
        m = YEAR_IN_TITLE.search(text)
        if m:
            shown = text if len(text) <= 40 else text[:40] + "……"
            return int(m.group(1)), f"标题“{shown}”"
    m = YEAR_IN_NAME.search(filename or "")
    if m:
        return int(m.group(1)), f"文件名“{filename}”"
    return None, ""


def read_plan(filename: str, data: bytes) -> ParsedPlan:
    """Parse an uploaded plan table. Raises PlanFileError when the file cannot be a plan table."""
    if len(data) > MAX_BYTES:
        raise PlanFileError(f"文件过大（{len(data) / 1024 / 1024:.1f} MB）：计划表通常只有几十 KB，上限为 "
                            f"{MAX_BYTES // 1024 // 1024} MB。请确认选择的是计划表文件。")
    if not data.strip():
        raise PlanFileError("文件是空的。")
    fmt = sniff_format(data)
    encoding = ""
    if fmt == "xlsx":
        grids = _xlsx_grids(data)
    elif fmt == "docx":
        grids = _docx_grids(data)
    else:
        grids, encoding = _csv_grids(data)
    for grid in grids:
        cols = _find_header(grid)
        if cols is None:
            continue
        plan = ParsedPlan(filename, fmt, grid.where, encoding)
        titles = [c.text for _, cells in grid.rows[:cols.header_row] for c in cells if c.text]
        if fmt == "docx":
            titles = _docx_title_texts(data) + titles
        plan.stated_year, plan.stated_from = stated_year(filename, titles)
        _interpret(grid, cols, plan)
        if not plan.rows and not plan.problems:
            plan.problems.append(Problem("表头下面没有任何计划行。", filename, grid.where))
        return plan
    hint = f"（按 {encoding} 编码读取）" if encoding else ""
    raise PlanFileError(
        f"找不到表头{hint}：计划表需要一行表头，含“时间”或“月份”、“周次”和“受监督单位”。"
        "请检查是否选错了文件或工作表。")


# --- previews kept on disk between upload and confirmation --------------------------------------------
# The uploaded table waits in DATA_DIR/schedule_imports/<token>.bin (+ .json) while the admin reads the preview.
# A preview neither confirmed nor cancelled would stay for ever: the scheduler's sweep removes those older
# than SCHEDULE_PREVIEW_MAX_AGE_HOURS (remove_stale_previews).

PREVIEW_SUFFIXES = (".bin", ".json")


def preview_dir(create: bool = True) -> str:
    import os

    from flask import current_app

    base = current_app.config.get("DATA_DIR") or os.path.join(current_app.instance_path, "data")
    path = os.path.join(base, "schedule_imports")
    if create:
        os.makedirs(path, exist_ok=True)
    return path


def remove_stale_previews(max_age_hours: float | None = None, now: float | None = None) -> list[str]:
    """Remove stored previews last written more than max_age_hours ago (default: the setting). Returns the
    names removed. `now` is a time.time() value (for tests)."""
    import os
    import time

    from flask import current_app

    if max_age_hours is None:
        max_age_hours = float(current_app.config.get("SCHEDULE_PREVIEW_MAX_AGE_HOURS", 24))
    cutoff = (time.time() if now is None else now) - max_age_hours * 3600
    folder = preview_dir(create=False)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if not entry.is_file() or not entry.name.endswith(PREVIEW_SUFFIXES):
            continue
        try:
            if entry.stat().st_mtime < cutoff:
                os.remove(entry.path)
                removed.append(entry.name)
        except FileNotFoundError:  # confirmed or cancelled meanwhile
            continue
    return sorted(removed)
