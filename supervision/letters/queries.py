"""Reads of letters: letter types, what waits for a letter, a letter's content and documents, the lists, the
batch print and the 发文登记. Nothing here writes (operations.py does)."""
from __future__ import annotations

import hashlib
import io
import tempfile
from datetime import date

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import aliased, defer, selectinload

from .. import search, timeutil, workcal
from ..directory.models import Unit
from ..directory import queries as directory_queries
from ..directory.queries import unit_ids_named
from ..extensions import db
from ..fonts import font_set
from ..spreadsheet import Column, write_table
from ..visits.models import Problem, Visit
from ..visits.queries import awaiting_letter_keys
from . import masthead
from .content import LetterContent
from .deadline import deadline_text
from .errors import LetterError
from .models import RECEIPT_KINDS, Letter, LetterFile, LetterProblem, LetterStatus, LetterType
from .papertext import normalise
from .text import REGULATION_IN_FORCE, case_sentence, contact_line, request_paragraph, suggested_authority

DEFAULT_TYPE_NAME = "行政执法监督意见书"
LETTER_DISPOSITION = "需下达意见书"


def default_type() -> LetterType | None:
    """The default type (行政执法监督意见书) once it is stored; None before the first letter or setup created it."""
    lt = db.session.query(LetterType).filter_by(is_default=True).order_by(LetterType.id).first()
    return lt or db.session.query(LetterType).filter_by(name=DEFAULT_TYPE_NAME).first()


def unsaved_default_type() -> LetterType:
    """The default type as operations.ensure_default_type will store it, not added to the session: shown on a page
    read before it exists (a page never writes)."""
    return LetterType(name=DEFAULT_TYPE_NAME, prefix="", reply_period_days=None, is_default=True, active=True,
                      sort_order=0)


def letter_types(active_only: bool = True, with_default: bool = False) -> list[LetterType]:
    """The letter types in their order. with_default: the default type first, unsaved, when none is stored yet
    (it is stored by the first draft that needs it)."""
    q = db.session.query(LetterType)
    if active_only:
        q = q.filter_by(active=True)
    rows = q.order_by(LetterType.sort_order, LetterType.id).all()
    if with_default and default_type() is None:
        rows.insert(0, unsaved_default_type())
    return rows


def letter_years() -> list[int]:
    """The years that have letters, newest first: a recursive query that seeks the next year in the index on
    letter.year, once per year — not a DISTINCT over every letter of ten years."""
    rows = db.session.execute(text(
        "WITH RECURSIVE years(y) AS (SELECT min(year) FROM letter UNION ALL "
        "SELECT (SELECT min(year) FROM letter WHERE year > years.y) FROM years WHERE years.y IS NOT NULL) "
        "SELECT y FROM years WHERE y IS NOT NULL ORDER BY y DESC"))
    return [y for (y,) in rows]


def type_prefix(lt: LetterType, profile=None) -> str:
    return lt.prefix or (profile or directory_queries.profile()).letter_prefix


def type_authority(lt: LetterType, profile=None) -> str:
    """The 署名 letters of this type carry: the type's own setting, else the organisation profile's 发文机关."""
    return normalise(lt.issuing_authority or "").strip() or normalise((profile or directory_queries.profile()).issuing_authority)


def authority_hint(authority: str, day: date | None) -> str:
    """A word of advice (not a rule) when a letter dated `day` would sign as another body than 《行政执法监督条例》
    suggests for that date; the 署名 itself stays a setting of the letter type."""
    if day is None:
        return ""
    wanted = suggested_authority(day)
    if authority == wanted:
        return ""
    if day >= REGULATION_IN_FORCE:
        return (f"成文日期为{timeutil.cn_date(day)}：《行政执法监督条例》（国务院令第825号）自2026年2月1日起施行，"
                f"第六条规定县级司法行政部门为行政执法监督机构，建议署名为“{wanted}”（当前为“{authority}”）。"
                "可在“文书类型”中设置本类文书的发文机关署名。")
    return (f"成文日期为{timeutil.cn_date(day)}，早于《行政执法监督条例》施行之日（2026年2月1日），"
            f"按2021年的文书通常署名为“{wanted}”（当前为“{authority}”）。")


def request_preview(template: str, lt: LetterType | None = None, name: str = "", profile=None,
                    period: int | None = None) -> str:
    """The request paragraph as it will read on a letter of this type (its period, the profile's reply place)."""
    profile = profile or directory_queries.profile()
    days = period or (lt.reply_period_days if lt is not None else None) or profile.reply_period_days or 30
    try:
        return request_paragraph(days, normalise(profile.reply_place),
                                 normalise(template or "").replace("\n", "") or None,
                                 name=normalise(name).strip() or (lt.name if lt is not None else DEFAULT_TYPE_NAME))
    except (KeyError, IndexError, ValueError):
        return ""


def type_period(lt: LetterType, profile=None) -> int:
    return lt.reply_period_days or (profile or directory_queries.profile()).reply_period_days or 30


def live_letter_of(problem_id: int) -> Letter | None:
    row = db.session.query(LetterProblem).filter_by(problem_id=problem_id, live=True).first()
    return row.letter if row else None


def _unassigned_query():
    # NOT EXISTS on letter_problem (problem_id, live): an index-only probe per problem, where NOT IN built the
    # set of every live letter problem of ten years first.
    taken = select(LetterProblem.id).where(LetterProblem.problem_id == Problem.id, LetterProblem.live.is_(True))
    return (db.session.query(Problem).join(Visit, Problem.visit_id == Visit.id)
            .filter(Problem.disposition == LETTER_DISPOSITION, Visit.status == "submitted",
                    ~taken.exists()))


def unassigned_problems(visit=None, unit_id: int | None = None) -> list:
    """需下达意见书 problems of a submitted visit (or of a unit) not yet in a live letter."""
    q = _unassigned_query()
    if visit is not None:
        q = q.filter(Problem.visit_id == visit.id)
    if unit_id is not None:
        q = q.filter(Visit.unit_id == unit_id)
    return q.order_by(Visit.visit_date, Problem.visit_id, Problem.seq, Problem.id).all()


def visits_awaiting_letter() -> list:
    """Submitted visits that have problems waiting for a letter and no live letter yet, with their units and
    problems: the visits part's seek to the problems awaiting a letter (problem.in_letter, a few hundred at
    province scale) — not an anti-join over every problem of ten years — then the visits by id."""
    ids = sorted({visit_id for _, visit_id in awaiting_letter_keys()})
    if not ids:
        return []
    return (db.session.query(Visit).filter(Visit.id.in_(ids)).order_by(Visit.id)
            .options(selectinload(Visit.unit), selectinload(Visit.problems)).all())


def live_letter_for_visit(visit_id: int) -> Letter | None:
    return (db.session.query(Letter)
            .filter(Letter.visit_id == visit_id, Letter.status != LetterStatus.voided.value)
            .order_by(Letter.id).first())


def build_content(letter: Letter, profile=None, issue_date: date | None = None, number: str = "") -> LetterContent:
    """What the letter says, from the letter, its type and the organisation profile now."""
    profile = profile or directory_queries.profile()
    lt = letter.letter_type
    return LetterContent(
        title=lt.name,
        number=number,
        addressee=letter.unit.name,
        intro=case_sentence(normalise(letter.case_name), normalise(letter.case_number)),
        problems=[normalise(i.text) for i in sorted(letter.items, key=lambda i: i.position)],
        request=request_paragraph(letter.period_days, normalise(profile.reply_place),
                                  normalise(lt.request_template) or None, name=lt.name),
        authority=type_authority(lt, profile),
        date=issue_date,
        contact=contact_line(normalise(profile.contact_person), normalise(profile.contact_phone)),
        draft=not number,
        **masthead.content_fields(lt, type_authority(lt, profile), issue_date),
    )


def content_of(letter: Letter) -> LetterContent:
    """The frozen content of an issued letter; a draft's content as it would print today."""
    if letter.content_json:
        return LetterContent.from_json(letter.content_json)
    return build_content(letter, issue_date=timeutil.today())


def _render_pdf(content: LetterContent) -> tuple[bytes, str]:
    from .pdf import render_pdf  # ReportLab is loaded by the first page that renders, not at start

    fonts = font_set()
    return render_pdf(content, fonts), fonts.body.family


def letter_pdf(letter: Letter) -> bytes:
    """The stored PDF of an issued (or voided) letter; a preview marked 草稿 for a draft."""
    if letter.is_draft:
        return _render_pdf(content_of(letter))[0]
    stored = stored_file(letter)
    if stored is None:
        raise LetterError(f"{letter.display_name} 的存档 PDF 缺失。")
    return stored.data


def letter_docx(letter: Letter) -> bytes:
    from .docx import render_docx

    return render_docx(content_of(letter))


def stored_file(letter: Letter, kind: str = "pdf", with_data: bool = True) -> LetterFile | None:
    """The stored file; with_data=False leaves the PDF bytes unread (loaded on access) — the letter page shows
    only its size and hash."""
    q = db.session.query(LetterFile).filter_by(letter_id=letter.id, kind=kind)
    if not with_data:
        q = q.options(defer(LetterFile.data))
    return q.first()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rest_day_warning(day: date) -> str:
    """A word of warning (not a refusal) when the 成文日期 falls on a rest day; nothing when the calendar does not
    know the year."""
    try:
        info = workcal.day_info(day)
    except workcal.UnknownYear:
        return ""
    if info.workday:
        return ""
    why = f"星期{'一二三四五六日'[day.weekday()]}" if info.reason == "周末" else info.reason
    return f"成文日期{timeutil.cn_date(day)}是休息日（{why}）。"


def letter_path(letter_id: int) -> str:
    """The letter page's path, also outside a request (CLI, demo)."""
    if has_request_context():
        return url_for("letters.show", letter_id=letter_id)
    return f"/letters/{letter_id}"


def pending_deadline_letters() -> list[Letter]:
    """Issued letters received (签收 / 送达) whose deadline waits for a year's working calendar, in id order."""
    return list(db.session.scalars(select(Letter).where(
        Letter.status == LetterStatus.issued.value, Letter.receipt_date.is_not(None), Letter.deadline.is_(None))
        .order_by(Letter.id)))


def unit_letters(unit_id: int) -> list[Letter]:
    return (db.session.query(Letter)
            .filter(Letter.unit_id == unit_id, Letter.status != LetterStatus.draft.value)
            .order_by(Letter.issue_date.desc(), Letter.id.desc()).all())


def unread_count(unit_id: int) -> int:
    return (db.session.query(func.count(Letter.id))
            .filter(Letter.unit_id == unit_id, Letter.status == LetterStatus.issued.value,
                    Letter.unit_seen_at.is_(None)).scalar() or 0)


PRINT_CHUNK = 50  # stored PDFs read from the database this many at a time while merging


def print_limit() -> int:
    return int(current_app.config.get("LETTERS_PRINT_MAX", 500))


def _issued_ids(start: date, end: date) -> list[int]:
    return db.session.scalars(
        select(Letter.id).where(Letter.issue_date >= start, Letter.issue_date <= end,
                                Letter.status == LetterStatus.issued.value)
        .order_by(Letter.issue_date, Letter.letter_type_id, Letter.seq)).all()


def combined_pdf_file(start: date, end: date):
    """Every letter issued in [start, end] (not voided), stored PDFs in order, merged into a temporary file.

    Returns (open binary file at position 0, count); the caller streams and closes it. At most print_limit()
    letters (LetterError beyond, before anything is read). The stored PDFs are read PRINT_CHUNK at a time and
    dropped once appended: what stays in memory is the merged document's objects (one copy), never a list of
    every stored PDF, the merged bytes and a response body besides."""
    from pypdf import PdfWriter

    if end < start:
        raise LetterError("结束日期不能早于开始日期。")
    ids = _issued_ids(start, end)
    if not ids:
        raise LetterError(f"{start.isoformat()} 至 {end.isoformat()} 没有签发的意见书。")
    limit = print_limit()
    if len(ids) > limit:
        raise LetterError(f"{timeutil.cn_date(start)}至{timeutil.cn_date(end)}共签发意见书 {len(ids)} 份，"
                          f"超过一次批量打印的上限 {limit} 份。请缩小日期范围，分几次打印。")
    writer = PdfWriter()
    for i in range(0, len(ids), PRINT_CHUNK):
        chunk = ids[i:i + PRINT_CHUNK]
        files = {f.letter_id: f for f in db.session.scalars(
            select(LetterFile).where(LetterFile.letter_id.in_(chunk), LetterFile.kind == "pdf"))}
        for letter_id in chunk:
            stored = files.get(letter_id)
            if stored is None:
                raise LetterError(f"{db.session.get(Letter, letter_id).display_name} 的存档 PDF 缺失。")
            writer.append(io.BytesIO(stored.data))
        for f in files.values():
            db.session.expunge(f)  # the PDF bytes go with the object
        del files
    out = tempfile.TemporaryFile()
    try:
        writer.write(out)
    except BaseException:
        out.close()
        raise
    finally:
        writer.close()
    out.seek(0)
    return out, len(ids)


def letter_search_condition(term: str):
    """The letters whose unit's name, number, or one of whose problems' text contains `term` (search.py). How
    they are sought depends on how common the term is (search.way): checked on each letter the list's order
    walks, or the few letters that have it gathered first."""
    units = unit_ids_named(term)
    way = search.way(term, "letters", (LetterProblem.text, Letter.number),
                     select(Letter.id).where(Letter.unit_id.in_(units)))
    if way == search.WALK:
        return or_(Letter.unit_id.in_(units), search.contains(Letter.number, term, per_row=True),
                   search.per_row(select(LetterProblem.id).where(
                       LetterProblem.letter_id == Letter.id, LetterProblem.live.is_(True),
                       search.contains(LetterProblem.text, term, per_row=True))))
    by_text = (select(Letter.id).where(search.contains(Letter.number, term)),
               select(LetterProblem.letter_id)
               .where(LetterProblem.live.is_(True), search.contains(LetterProblem.text, term)))
    if way == search.WALK_UNITS:
        return or_(search.unindexed(Letter.unit_id).in_(units), search.any_of(search.unindexed(Letter.id), *by_text))
    return search.any_of(Letter.id, select(Letter.id).where(Letter.unit_id.in_(units)), *by_text)


def _register_filter(q, year: int | None, unit_id: int | None, type_id: int | None, term: str = ""):
    """`q` narrowed to the 发文登记's letters — every numbered one (issued or voided) — of the filter, in number
    order. `term`: the search box's keyword (letter_search_condition)."""
    q = q.where(Letter.status != LetterStatus.draft.value)
    if term:
        q = q.where(letter_search_condition(term))
    if year:
        q = q.where(Letter.year == year)
    if unit_id:
        q = q.where(Letter.unit_id == unit_id)
    if type_id:
        q = q.where(Letter.letter_type_id == type_id)
    return q.order_by(Letter.year, Letter.letter_type_id, Letter.seq)


def register_query(year: int | None = None, unit_id: int | None = None, type_id: int | None = None, term: str = ""):
    """发文登记: a SELECT of its letters with their unit, type and the letter each replaces loaded alongside (for
    a page of them)."""
    return (_register_filter(select(Letter), year, unit_id, type_id, term)
            .options(selectinload(Letter.unit), selectinload(Letter.letter_type), selectinload(Letter.replaces)))


REGISTER_COLUMNS = (("序号", "int", 6), ("文号", "text", 26), ("文书类型", "text", 20), ("受监督单位", "text", 30),
                    ("成文日期", "date", 12), ("送达方式", "text", 9), ("签收/送达日期", "date", 14),
                    ("整改期限", "date", 12), ("状态", "text", 8), ("备注", "wrap", 30))


def register_rows(year: int | None = None, unit_id: int | None = None, type_id: int | None = None, term: str = ""):
    """The 发文登记's rows (the values of REGISTER_COLUMNS), streamed from one query of plain columns: ten years
    of a province are 115,000 letters, too many to load as objects."""
    replaced = aliased(Letter)
    q = (select(Letter.number, LetterType.name, Unit.name, Letter.issue_date, Letter.receipt_kind,
                Letter.receipt_date, Letter.deadline, Letter.status, Letter.void_reason, replaced.number)
         .join(Unit, Unit.id == Letter.unit_id).outerjoin(LetterType, LetterType.id == Letter.letter_type_id)
         .outerjoin(replaced, replaced.id == Letter.replaces_id))
    q = _register_filter(q, year, unit_id, type_id, term)
    # Read before the rows stream (no query while the cursor is open): a received letter whose deadline waits for
    # a year's working calendar shows 待定（2027年工作日历未录入）.
    this_year = timeutil.today().year
    known = workcal.known_years(this_year - 30, this_year + 10)
    rows = db.session.execute(q.execution_options(yield_per=2000))
    for n, (number, type_name, unit, issued, kind, received, deadline, status, reason, replaces) in \
            enumerate(rows, start=1):
        if status == LetterStatus.voided.value:
            note = f"作废：{reason}"
        else:
            note = f"替代 {replaces}" if replaces else ""
        if deadline is None and received is not None and status == LetterStatus.issued.value:
            deadline = deadline_text(None, received, known)
        yield (n, number, type_name or "", unit, issued, RECEIPT_KINDS.get(kind, ""), received, deadline,
               LetterStatus(status).label, note)


def register_xlsx(out, year: int | None = None, unit_id: int | None = None, type_id: int | None = None,
                  title: str = "行政执法监督文书发文登记", term: str = "") -> int:
    """Write the 发文登记 to `out` (a path or binary file) with the streaming writer; returns the rows written."""
    columns = [Column(h, kind, w) for h, kind, w in REGISTER_COLUMNS]
    return write_table(out, "发文登记", columns, register_rows(year, unit_id, type_id, term), title=title, freeze="C3")
