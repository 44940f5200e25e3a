"""整改台账: one row per problem of every issued letter, filterable, paginated, exportable to .xlsx.

The export streams: its rows are built from light rows (tuples of the columns shown, and the facts derive reads),
a block of letters at a time, and written by spreadsheet.write_table, so memory stays flat however many letters
there are. Text that a spreadsheet would take for a formula (= + - @) is written as text with a leading
apostrophe.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import search, timeutil, workcal
from ..directory.models import Unit
from ..directory.queries import unit_ids_named
from ..extensions import db
from ..letters.deadline import deadline_text
from ..letters.models import Letter, LetterProblem, LetterStatus
from ..spreadsheet import Column, write_table
from ..visits.models import CheckItem, Problem
from .models import OpenLetter
from .queries import LetterState, ProblemStatus, Status, id_set, light_states, recorded_closed, states_for

OVERDUE = "overdue"  # a pseudo-status for the filter: any state, flagged 逾期
STATUS_CHOICES = [(s.value, s.label) for s in LetterState] + [(OVERDUE, "逾期")]


@dataclass
class LedgerFilter:
    year: int | None = None
    unit_id: int | None = None
    item_key: str = ""
    status: str = ""
    q: str = ""  # keyword: the unit's name, the letter's number or the problem's text (search.py)

    def args(self) -> dict:
        out = {"year": self.year, "unit": self.unit_id, "item": self.item_key, "status": self.status, "q": self.q}
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
        if self.q:
            parts.append(search.label(self.q))
        return "（" + "，".join(p for p in parts if p) + "）" if parts else ""



@dataclass
class LedgerRow:
    letter: Letter
    problem: LetterProblem
    status: Status
    problem_status: ProblemStatus

    @property
    def check_item(self) -> str:
        p = self.problem.problem
        return p.item.name if p is not None and p.item is not None else ""

    @property
    def reply_dates(self) -> list[date]:
        return _reply_dates(self.status, self.problem_status)

    @property
    def late_days(self) -> int:
        return _late_days(self.status, self.problem_status)

    @property
    def review(self) -> str:
        return _review(self.problem_status)

    @property
    def accepted_on(self) -> date | None:
        return _accepted_on(self.problem_status)


# What a row shows of a problem's replies, from its status: ORM objects (the page) or light rows (the export).

def _submission_of(st: Status, reply):
    return next((s for s in st.submissions if s.id == reply.submission_id), None)


def _reply_dates(st: Status, ps: ProblemStatus) -> list[date]:
    out = []
    for r in ps.rounds:
        s = _submission_of(st, r)
        if s is not None and s.submitted_on:
            out.append(s.submitted_on)
    return out


def _late_days(st: Status, ps: ProblemStatus) -> int:
    """Days the first reply to this problem came after the deadline then in force (0 if on time)."""
    first = ps.rounds[0] if ps.rounds else None
    s = _submission_of(st, first) if first else None
    return s.days_late if s else 0


def _review(ps: ProblemStatus) -> str:
    latest = ps.latest
    if latest is None:
        return ""
    text = latest.decision_label
    if latest.decision == "returned" and latest.decision_note:
        text += f"：{latest.decision_note}"
    if len(ps.rounds) > 1:
        text = f"第{latest.round}轮 {text}"
    return text


def _accepted_on(ps: ProblemStatus) -> date | None:
    latest = ps.latest
    at = latest.accepted_at if latest is not None else None
    return timeutil.to_local(at).date() if at else None


def _letter_conditions(flt: LedgerFilter, today: date) -> list:
    """The conditions on Letter of the filter (issued; year, unit, status), without the check item's."""
    out = [Letter.status == LetterStatus.issued.value]
    if flt.year:
        out.append(Letter.year == flt.year)
    if flt.unit_id:
        out.append(Letter.unit_id == flt.unit_id)
    if flt.status:
        out.append(_status_condition(flt, today))
    return out


def _pairs_query(flt: LedgerFilter, conditions: list):
    """(problem id, letter id) of every row of the filter, in the ledger's order (`conditions`: _letter_conditions)."""
    q = (select(LetterProblem.id, LetterProblem.letter_id)
         .join(Letter, LetterProblem.letter_id == Letter.id)
         .where(*conditions, LetterProblem.live.is_(True)))
    if flt.item_key:
        q = (q.join(Problem, LetterProblem.problem_id == Problem.id)
             .join(CheckItem, Problem.item_id == CheckItem.id).where(CheckItem.key == flt.item_key))
    if flt.q:
        q = q.where(_search_condition(flt.q))
    return q.order_by(Letter.year, Letter.letter_type_id, Letter.seq, Letter.id, LetterProblem.position)


def _search_condition(term: str):
    """The rows whose letter's unit's name or number, or own problem text, contains `term`. How they are sought
    depends on how common the term is (search.way): checked on each row the ledger's order walks (the statement
    joins the row's letter), or gathered first as one id set (search.any_of), each part sought by its own index."""
    units = unit_ids_named(term)
    of_units = select(Letter.id).where(Letter.unit_id.in_(units)).correlate(None)
    way = search.way(term, "ledger", (LetterProblem.text, Letter.number),
                     select(LetterProblem.id).where(LetterProblem.letter_id.in_(of_units)))
    if way == search.WALK:
        return or_(search.contains(LetterProblem.text, term, per_row=True), Letter.unit_id.in_(units),
                   search.contains(Letter.number, term, per_row=True))
    if way == search.WALK_UNITS:
        return or_(search.unindexed(Letter.unit_id).in_(units), search.any_of(
            search.unindexed(LetterProblem.id), select(LetterProblem.id).where(search.contains(LetterProblem.text, term)),
            select(LetterProblem.id).where(LetterProblem.letter_id.in_(
                select(Letter.id).where(search.contains(Letter.number, term)).correlate(None)))))
    of_letters = search.any_of(LetterProblem.letter_id, of_units,
                               select(Letter.id).where(search.contains(Letter.number, term)))
    return search.any_of(LetterProblem.id, select(LetterProblem.id).where(of_letters),
                         select(LetterProblem.id).where(search.contains(LetterProblem.text, term)))


def _count(flt: LedgerFilter, conditions: list) -> int:
    """How many rows the filter has. Without a check item or keyword: the sum of the letters' problem_count (set at issue;
    from the index on year, status, problem_count) instead of joining ten years of problems."""
    if flt.item_key or flt.q:
        base = search.counting(lambda: _pairs_query(flt, conditions)).order_by(None).subquery()
        return db.session.execute(select(func.count()).select_from(base)).scalar() or 0
    return db.session.scalar(select(func.coalesce(func.sum(Letter.problem_count), 0)).where(*conditions)) or 0


def _load_letters(ids) -> list[Letter]:
    if not ids:
        return []
    return db.session.scalars(
        select(Letter).where(Letter.id.in_(list(ids)))
        .options(selectinload(Letter.items).selectinload(LetterProblem.problem).selectinload(Problem.item),
                 selectinload(Letter.unit))).all()


def _status_condition(flt: LedgerFilter, today: date):
    """SQL condition on Letter: its state matches flt.status. 已办结 by the recorded closure (every closed letter
    has one); an open state or 逾期 by the stored states (standing: derive's output, kept after every change),
    asked first — a few hundred letters — and passed as one array (queries.id_set). Joined instead, both
    databases walked ten years of letters in the ledger's order looking for the few open ones."""
    if flt.status == LetterState.closed.value:
        return recorded_closed()
    cond = OpenLetter.deadline < today if flt.status == OVERDUE else OpenLetter.state == flt.status
    return id_set(Letter.id, list(db.session.scalars(select(OpenLetter.letter_id).where(cond))))


def _matching_pairs(flt: LedgerFilter, today: date) -> list[tuple[int, int]]:
    return [tuple(r) for r in db.session.execute(_pairs_query(flt, _letter_conditions(flt, today)))]


def _rows_for(pairs: list[tuple[int, int]], today: date) -> list[LedgerRow]:
    letters = {x.id: x for x in _load_letters({lid for _, lid in pairs})}
    states = states_for(list(letters.values()), today)
    rows = []
    for problem_id, lid in pairs:
        letter = letters[lid]
        st = states[lid]
        problem = next(i for i in letter.items if i.id == problem_id)
        rows.append(LedgerRow(letter=letter, problem=problem, status=st, problem_status=st.problem(problem_id)))
    return rows


@dataclass
class Page:
    rows: list[LedgerRow]
    page: int
    per_page: int
    total: int
    capped = False  # a searched ledger's page is a search.CappedPage instead (its total counted up to 1,000)

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


def ledger_page(flt: LedgerFilter, page: int = 1, per_page: int = 50, today: date | None = None,
                exact: bool = False) -> Page | search.CappedPage:
    """One page of the ledger. Searched (flt.q), its total is counted up to search.CAP (search.CappedPage: a
    common keyword's rows are not all counted) unless `exact` (the print view's heading)."""
    today = today or timeutil.today()
    page = max(1, page)
    conditions = _letter_conditions(flt, today)
    query = _pairs_query(flt, conditions)
    chosen = [tuple(r) for r in db.session.execute(query.limit(per_page).offset((page - 1) * per_page))]
    if flt.q and not exact:
        counted = search.capped_count(search.counting(lambda: _pairs_query(flt, conditions)),
                                      max(search.CAP, page * per_page) + 1)
        return search.CappedPage(_rows_for(chosen, today), page, per_page, counted)
    return Page(rows=_rows_for(chosen, today), page=page, per_page=per_page, total=_count(flt, conditions))


def _export_block(pairs: list[tuple[int, int]], today: date):
    """The rows of one block of pairs (whole letters) as (letter, problem, status, problem status, closed on), from
    the light rows of queries.light_states (a fixed number of queries per block)."""
    letters, states = light_states(list(dict.fromkeys(lid for _, lid in pairs)), today, item_names=True)
    by_letter = {x.id: (x, states[x.id], {p.problem.id: p for p in states[x.id].problems}, states[x.id].closed_on)
                 for x in letters}
    for problem_id, lid in pairs:
        letter, st, problems, closed_on = by_letter[lid]
        ps = problems[problem_id]
        yield letter, ps.problem, st, ps, closed_on


def export_rows(flt: LedgerFilter, today: date | None = None, block: int = 2000):
    """Every ledger row for the filter as the values of COLUMNS, a block of letters at a time."""
    today = today or timeutil.today()
    pairs = _matching_pairs(flt, today)
    known = workcal.known_years(today.year - 30, today.year + 10)
    start = n = 0
    while start < len(pairs):
        # Cut at a letter boundary so each letter's state is derived once.
        end = min(start + block, len(pairs))
        while end < len(pairs) and pairs[end][1] == pairs[end - 1][1]:
            end += 1
        for letter, problem, st, ps, closed_on in _export_block(pairs[start:end], today):
            n += 1
            yield row_values(n, letter, problem, st, ps, closed_on, known)
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


def row_values(n: int, letter, problem, st: Status, ps: ProblemStatus, closed_on: date | None,
               known: set[int] | None = None) -> list:
    """The values of COLUMNS for row n: a letter, one of its problems, their status, and st.closed_on (worked out
    once a letter: a time zone conversion). A received letter's deadline still waiting for a year's working
    calendar is written 待定（2027年工作日历未录入）; `known`: workcal.known_years, read once for the export."""
    pending = (deadline_text(None, letter.receipt_date, known)
               if st.deadline is None and letter.receipt_date is not None else None)
    return [n, letter.unit_name, letter.number, letter.issue_date, letter.receipt_date,
            st.original_deadline or pending, st.deadline or pending, problem.position, problem.text, problem.item_name or "", ps.state.label, st.label,
            st.overdue_days or None, "、".join(d.isoformat() for d in _reply_dates(st, ps)),
            _late_days(st, ps) or None, _review(ps), _accepted_on(ps), closed_on]


def _display_width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _fitted_widths(flt: LedgerFilter, today: date) -> list[float]:
    """Column widths from the longest value of each text column (asked of the database, not the rows)."""
    q = _pairs_query(flt, _letter_conditions(flt, today)).order_by(None).subquery()
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
    today = today or timeutil.today()
    columns = [Column(h, kind, w) for (h, kind, _m), w in zip(COLUMNS, _fitted_widths(flt, today), strict=True)]
    year = f"{flt.year}年" if flt.year else ""
    return write_table(out, "整改台账", columns, export_rows(flt, today),
                       title=f"{year}行政执法监督意见书整改台账{flt.describe()}",
                       footer=lambda n: f"共 {n} 个问题。导出日期：{timeutil.cn_date(today)}", freeze="D3")
