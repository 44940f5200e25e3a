"""整改台账: one row per problem of every issued letter, filterable, paginated, exportable to .xlsx.

The export streams (openpyxl write-only mode, letters loaded a block at a time), so memory stays flat however
many letters there are. Text that a spreadsheet would take for a formula (= + - @) is written as text with a
leading apostrophe.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import timeutil
from ..directory.models import Unit
from ..extensions import db
from ..letters.models import Letter, LetterProblem, LetterStatus
from ..spreadsheet import neutralise, print_a4_landscape
from ..visits.models import CheckItem, Problem
from .service import LetterState, ProblemStatus, Status, id_set, open_states, recorded_closed, states_for

OVERDUE = "overdue"  # a pseudo-status for the filter: any state, flagged 逾期
STATUS_CHOICES = [(s.value, s.label) for s in LetterState] + [(OVERDUE, "逾期")]


@dataclass
class LedgerFilter:
    year: int | None = None
    unit_id: int | None = None
    item_key: str = ""
    status: str = ""

    def args(self) -> dict:
        out = {"year": self.year, "unit": self.unit_id, "item": self.item_key, "status": self.status}
        return {k: v for k, v in out.items() if v}

    def describe(self) -> str:
        parts = []
        if self.unit_id:
            unit = db.session.get(Unit, self.unit_id)
            parts.append(unit.name if unit else "")
        if self.item_key:
            name = db.session.scalars(select(CheckItem.name).where(CheckItem.key == self.item_key)).first()
            parts.append(name or self.item_key)
        if self.status:
            parts.append(dict(STATUS_CHOICES).get(self.status, self.status))
        return "（" + "，".join(p for p in parts if p) + "）" if parts else ""

    def matches(self, status: Status) -> bool:
        if not self.status:
            return True
        if self.status == OVERDUE:
            return status.overdue
        return status.code == self.status


@dataclass
class LedgerRow:
    letter: Letter
    item: LetterProblem
    status: Status
    problem: ProblemStatus

    @property
    def check_item(self) -> str:
        p = self.item.problem
        return p.item.name if p is not None and p.item is not None else ""

    def _submission_of(self, reply):
        return next((s for s in self.status.submissions if s.id == reply.submission_id), None)

    @property
    def reply_dates(self) -> list[date]:
        out = []
        for r in self.problem.rounds:
            s = self._submission_of(r)
            if s is not None and s.submitted_on:
                out.append(s.submitted_on)
        return out

    @property
    def late_days(self) -> int:
        """Days the first reply to this problem came after the deadline then in force (0 if on time)."""
        first = self.problem.rounds[0] if self.problem.rounds else None
        s = self._submission_of(first) if first else None
        return s.days_late if s else 0

    @property
    def review(self) -> str:
        latest = self.problem.latest
        if latest is None:
            return ""
        text = latest.decision_label
        if latest.decision == "returned" and latest.decision_note:
            text += f"：{latest.decision_note}"
        if len(self.problem.rounds) > 1:
            text = f"第{latest.round}轮 {text}"
        return text

    @property
    def accepted_on(self) -> date | None:
        latest = self.problem.latest
        at = latest.accepted_at if latest is not None else None
        return timeutil.to_local(at).date() if at else None


def _pairs_query(flt: LedgerFilter):
    q = (select(LetterProblem.id, LetterProblem.letter_id)
         .join(Letter, LetterProblem.letter_id == Letter.id)
         .where(Letter.status == LetterStatus.issued.value, LetterProblem.live.is_(True)))
    if flt.year:
        q = q.where(Letter.year == flt.year)
    if flt.unit_id:
        q = q.where(Letter.unit_id == flt.unit_id)
    if flt.item_key:
        q = (q.join(Problem, LetterProblem.problem_id == Problem.id)
             .join(CheckItem, Problem.item_id == CheckItem.id).where(CheckItem.key == flt.item_key))
    return q.order_by(Letter.year, Letter.letter_type_id, Letter.seq, Letter.id, LetterProblem.position)


def _load_letters(ids) -> list[Letter]:
    if not ids:
        return []
    return db.session.scalars(
        select(Letter).where(Letter.id.in_(list(ids)))
        .options(selectinload(Letter.items).selectinload(LetterProblem.problem).selectinload(Problem.item),
                 selectinload(Letter.unit))).all()


def _status_query(flt: LedgerFilter, today: date):
    """The (item, letter) pairs whose letter's derived state matches flt.status, as a query.

    Only letters without a recorded closure are derived (service.open_states, a fixed number of queries);
    a recorded closure is 已办结 as it stands.
    """
    q = _pairs_query(flt)
    narrow = []
    if flt.year:
        narrow.append(Letter.year == flt.year)
    if flt.unit_id:
        narrow.append(Letter.unit_id == flt.unit_id)
    letters, states = open_states(*narrow, today=today)
    keep = [x.id for x in letters if flt.matches(states[x.id])]
    # The matching ids as one array parameter (service.id_set), not an IN list of thousands of parameters.
    if flt.status == LetterState.closed.value:
        return q.where(or_(recorded_closed(), id_set(Letter.id, keep)))
    return q.where(id_set(Letter.id, keep))


def _matching_pairs(flt: LedgerFilter, today: date) -> list[tuple[int, int]]:
    query = _status_query(flt, today) if flt.status else _pairs_query(flt)
    return [tuple(r) for r in db.session.execute(query)]


def _rows_for(pairs: list[tuple[int, int]], today: date) -> list[LedgerRow]:
    letters = {x.id: x for x in _load_letters({lid for _, lid in pairs})}
    states = states_for(list(letters.values()), today)
    rows = []
    for item_id, lid in pairs:
        letter = letters[lid]
        st = states[lid]
        item = next(i for i in letter.items if i.id == item_id)
        rows.append(LedgerRow(letter=letter, item=item, status=st, problem=st.problem(item_id)))
    return rows


@dataclass
class Page:
    rows: list[LedgerRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def iter_pages(self):
        """Page numbers with None for gaps, like Flask-SQLAlchemy's, for the pager macro."""
        last = 0
        for n in range(1, self.pages + 1):
            if n <= 2 or n > self.pages - 2 or abs(n - self.page) <= 2:
                if last + 1 != n:
                    yield None
                yield n
                last = n


def ledger_page(flt: LedgerFilter, page: int = 1, per_page: int = 50, today: date | None = None) -> Page:
    today = today or timeutil.today()
    page = max(1, page)
    base = _status_query(flt, today) if flt.status else _pairs_query(flt)
    total = db.session.execute(select(func.count()).select_from(base.order_by(None).subquery())).scalar() or 0
    chosen = [tuple(r) for r in db.session.execute(base.limit(per_page).offset((page - 1) * per_page))]
    return Page(rows=_rows_for(chosen, today), page=page, per_page=per_page, total=total)


def iter_rows(flt: LedgerFilter, today: date | None = None, block: int = 500):
    """Every ledger row for the filter, a block of letters at a time."""
    today = today or timeutil.today()
    pairs = _matching_pairs(flt, today)
    start = 0
    while start < len(pairs):
        # Cut at a letter boundary so each letter's state is derived once.
        end = min(start + block, len(pairs))
        while end < len(pairs) and pairs[end][1] == pairs[end - 1][1]:
            end += 1
        # The session's identity map holds rows weakly: a block is freed once written.
        yield from _rows_for(pairs[start:end], today)
        start = end


# --- .xlsx ----------------------------------------------------------------------------------------

# (header, kind, minimum width). kind: text / wrap / date / int
COLUMNS = [
    ("序号", "int", 6),
    ("受监督单位", "text", 16),
    ("文号", "text", 14),
    ("签发日期", "date", 12),
    ("签收日期", "date", 12),
    ("原整改期限", "date", 12),
    ("整改期限", "date", 12),
    ("问题序号", "int", 6),
    ("问题", "wrap", 30),
    ("检查项目", "text", 12),
    ("问题状态", "text", 10),
    ("办理状态", "text", 10),
    ("逾期天数", "int", 8),
    ("答复日期", "text", 12),
    ("迟报天数", "int", 8),
    ("审核结果", "wrap", 16),
    ("通过日期", "date", 12),
    ("办结日期", "date", 12),
]
WRAP_MAX = 60


def row_values(n: int, r: LedgerRow) -> list:
    letter, st = r.letter, r.status
    return [n, letter.unit.name, letter.number, letter.issue_date, letter.receipt_date, st.original_deadline,
            st.deadline, r.item.position, r.item.text, r.check_item, r.problem.state.label, st.label,
            st.overdue_days or None, "、".join(d.isoformat() for d in r.reply_dates), r.late_days or None,
            r.review, r.accepted_on, st.closed_on]


def _display_width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _fitted_widths(flt: LedgerFilter) -> list[float]:
    """Column widths from the longest value of each text column (asked of the database, not the rows)."""
    q = _pairs_query(flt).order_by(None).subquery()
    lengths = db.session.execute(
        select(func.max(func.length(Unit.name)), func.max(func.length(Letter.number)),
               func.max(func.length(LetterProblem.text)), func.max(func.length(CheckItem.name)))
        .select_from(LetterProblem)
        .join(q, q.c.id == LetterProblem.id)
        .join(Letter, LetterProblem.letter_id == Letter.id).join(Unit, Letter.unit_id == Unit.id)
        .join(Problem, LetterProblem.problem_id == Problem.id).join(CheckItem, Problem.item_id == CheckItem.id)
    ).one()
    unit_len, number_len, text_len, item_len = (x or 0 for x in lengths)
    content = {"受监督单位": unit_len * 2, "文号": number_len * 2, "问题": min(text_len * 2, WRAP_MAX),
               "检查项目": item_len * 2, "答复日期": 22, "审核结果": 40}
    widths = []
    for header, kind, minimum in COLUMNS:
        w = max(minimum, _display_width(header) + 2, content.get(header, 0) + 2)
        widths.append(min(w, WRAP_MAX + 2))
    return widths


def write_xlsx(flt: LedgerFilter, out, today: date | None = None) -> int:
    """Write the ledger to `out` (a path or a binary file object). Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    today = today or timeutil.today()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    ncol = len(COLUMNS)
    for i, w in enumerate(_fitted_widths(flt), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    print_a4_landscape(ws, freeze="D3")
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.merged_cells.add(f"A1:{get_column_letter(ncol)}1")

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="宋体", size=10)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    top_wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")

    year = f"{flt.year}年" if flt.year else ""
    title = WriteOnlyCell(ws, value=neutralise(f"{year}行政执法监督意见书整改台账{flt.describe()}"))
    title.font = Font(name="宋体", size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append([title])
    head = []
    for header, _kind, _w in COLUMNS:
        c = WriteOnlyCell(ws, value=header)
        c.font = Font(name="宋体", size=10, bold=True)
        c.alignment = centre
        c.border = border
        head.append(c)
    ws.append(head)

    # One styled cell per column kind, its style registered with the workbook once; each data cell copies its
    # style array. Setting font/border/alignment on every cell makes openpyxl hash those objects again for
    # each of 260,000 rows × 13 columns — most of the export's time.
    from copy import copy

    styles = {}
    for kind in {k for _h, k, _w in COLUMNS}:
        c = WriteOnlyCell(ws)
        c.font = body_font
        c.border = border
        if kind == "date":
            c.number_format = "yyyy-mm-dd"
            c.alignment = top
        elif kind == "wrap":
            c.alignment = top_wrap
        else:
            c.alignment = top
        styles[kind] = c._style
    kinds = [styles[k] for _h, k, _w in COLUMNS]
    n = 0
    for row in iter_rows(flt, today):
        n += 1
        cells = []
        for style, value in zip(kinds, row_values(n, row), strict=True):
            c = WriteOnlyCell(ws, value=neutralise(value))
            c._style = copy(style)
            cells.append(c)
        ws.append(cells)
    foot = WriteOnlyCell(ws, value=f"共 {n} 个问题。导出日期：{timeutil.cn_date(today)}")
    foot.font = Font(name="宋体", size=9, italic=True)
    ws.append([foot])
    wb.save(out)
    return n
