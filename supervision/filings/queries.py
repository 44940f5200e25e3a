"""Reads of the filing registers: settings, the on-time rule, the registers, the yearly summary per unit.

On time (按时备案) is computed here on read, never stored: the period (a setting, 15 days for a 重大行政处罚) is
counted by the rule of letter deadlines (letters.deadline.compute_deadline): calendar days from the day after the
decision, the last day moved past rest days by the working calendar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from .. import search, timeutil, workcal
from ..extensions import db
from ..letters.deadline import Deadline, compute_deadline
from ..letters.text import deadline_explanation
from .models import (NORMATIVE_DAYS_DEFAULT, PENALTY_DAYS_DEFAULT, FilingEvent, FilingSettings, NormativeFiling,
                     NormativeStatus, PenaltyFiling, PenaltyStatus, Timeliness)

PER_PAGE = 50

RULE_EXPLANATION = (
    "期限按日历日计算，自作出决定（或发布）的次日起算；期限的最后一日是法定节假日或周末的，顺延至其后的第一个工作日"
    "（与意见书整改期限同一规则，依据《民法典》第二百零一条、第二百零三条；休息日以“工作日历”为准）。"
    "报送日期以监督室首次收到备案材料之日为准，补正后重新报送不改变报送日期。"
    "到期仍未报送、或监督室发现未报送的决定，记为“未备案”。")


def settings() -> FilingSettings:
    """The stored settings, or the defaults unsaved (a page that is only read writes nothing)."""
    s = db.session.query(FilingSettings).order_by(FilingSettings.id).first()
    return s if s is not None else FilingSettings(penalty_days=PENALTY_DAYS_DEFAULT,
                                                   normative_days=NORMATIVE_DAYS_DEFAULT)


def penalty_deadline(decision_date: date, days: int | None = None) -> Deadline:
    """The last day to file a 重大行政处罚 decided on `decision_date` (raises workcal.UnknownYear)."""
    return compute_deadline(decision_date, days or settings().penalty_days, verb="作出决定")


def normative_deadline(published_on: date, days: int | None = None) -> Deadline:
    return compute_deadline(published_on, days or settings().normative_days, verb="发布")


def rule_example(days: int) -> str:
    """The rule on a real day: a decision of 2026-09-22 (before 国庆) with `days` days."""
    start = date(2026, 9, 22)
    try:
        d = compute_deadline(start, days, verb="作出决定")
        return d.explanation
    except workcal.UnknownYear:
        nominal = start + timedelta(days=days)
        return deadline_explanation(start, days, nominal, nominal, "", "作出决定")


class DueDays:
    """The due date of many start dates with one period: the working calendar read once for their span."""

    def __init__(self, days: int, starts, reader=None):
        self.days = days
        starts = [s for s in starts if s is not None]
        self._cache: dict[date, date | None] = {}
        self._reader = reader
        if starts and reader is None:
            first, last = min(starts), max(starts) + timedelta(days=days + 40)
            self._reader = workcal.day_reader(first + timedelta(days=days), last)

    def due(self, start: date) -> date | None:
        """The last day, or None when the working calendar does not know the year it falls in."""
        if start not in self._cache:
            nominal = start + timedelta(days=self.days)
            try:
                d = nominal
                while not self._reader(d).workday:
                    d += timedelta(days=1)
                self._cache[start] = d
            except workcal.UnknownYear:
                self._cache[start] = None
        return self._cache[start]


def timeliness(status: str, start: date, filed_on: date | None, due: date | None, today: date) -> Timeliness:
    """按时备案 / 逾期备案 / 未备案 (or 未到期, 待定) for one filing."""
    if status in (PenaltyStatus.missing.value,):
        return Timeliness.missing
    if due is None:
        return Timeliness.unknown
    if filed_on is not None:
        return Timeliness.on_time if filed_on <= due else Timeliness.late
    return Timeliness.missing if today > due else Timeliness.pending


def penalty_timeliness(f: PenaltyFiling, today: date | None = None) -> Timeliness:
    try:
        due = penalty_deadline(f.decision_date).due
    except workcal.UnknownYear:
        due = None
    return timeliness(f.status, f.decision_date, f.filed_on, due, today or timeutil.today())


def normative_timeliness(f: NormativeFiling, today: date | None = None) -> Timeliness:
    try:
        due = normative_deadline(f.published_on).due
    except workcal.UnknownYear:
        due = None
    return timeliness(f.status, f.published_on, f.filed_on, due, today or timeutil.today())


# --- the registers ----------------------------------------------------------------------------------------------

@dataclass
class RegisterFilter:
    year: int | None = None  # the decision's (publication's) year
    unit_id: int | None = None
    status: str = ""
    q: str = ""


def penalty_register_query(flt: RegisterFilter, unit_id: int | None = None):
    """The SELECT of the 重大行政处罚备案 register, newest decisions first (ix_penalty_filing_decision_date)."""
    q = select(PenaltyFiling)
    if unit_id is not None:
        q = q.where(PenaltyFiling.unit_id == unit_id)
    if flt.year:
        q = q.where(PenaltyFiling.decision_date.between(date(flt.year, 1, 1), date(flt.year, 12, 31)))
    if flt.unit_id:
        q = q.where(PenaltyFiling.unit_id == flt.unit_id)
    if flt.status in {s.value for s in PenaltyStatus}:
        q = q.where(PenaltyFiling.status == flt.status)
    term = search.clean(flt.q)
    if term:
        # The matching ids first, in one pass over the rows with OR (PostgreSQL: a BitmapOr of the trigram
        # indexes), then the page sorted from those: with the OR on the outer query SQLite walks the whole date
        # index looking each row up (4× slower for a rare term).
        q = q.where(PenaltyFiling.id.in_(select(PenaltyFiling.id).where(or_(
            search.contains(PenaltyFiling.decision_number, term), search.contains(PenaltyFiling.party_name, term),
            search.contains(PenaltyFiling.number, term)))))
    return q.order_by(PenaltyFiling.decision_date.desc(), PenaltyFiling.id.desc())


def normative_register_query(flt: RegisterFilter, unit_id: int | None = None):
    q = select(NormativeFiling)
    if unit_id is not None:
        q = q.where(NormativeFiling.unit_id == unit_id)
    if flt.year:
        q = q.where(NormativeFiling.published_on.between(date(flt.year, 1, 1), date(flt.year, 12, 31)))
    if flt.unit_id:
        q = q.where(NormativeFiling.unit_id == flt.unit_id)
    if flt.status in {s.value for s in NormativeStatus}:
        q = q.where(NormativeFiling.status == flt.status)
    term = search.clean(flt.q)
    if term:
        q = q.where(NormativeFiling.id.in_(select(NormativeFiling.id).where(or_(
            search.contains(NormativeFiling.doc_number, term), search.contains(NormativeFiling.title, term)))))
    return q.order_by(NormativeFiling.published_on.desc(), NormativeFiling.id.desc())


def penalty_rows(filings: list[PenaltyFiling], today: date | None = None) -> list[tuple[PenaltyFiling, Timeliness]]:
    """Each filing of a page with its timeliness; the calendar read once for the page."""
    today = today or timeutil.today()
    dues = DueDays(settings().penalty_days, [f.decision_date for f in filings])
    return [(f, timeliness(f.status, f.decision_date, f.filed_on, dues.due(f.decision_date), today))
            for f in filings]


def normative_rows(filings: list[NormativeFiling], today: date | None = None):
    today = today or timeutil.today()
    dues = DueDays(settings().normative_days, [f.published_on for f in filings])
    return [(f, timeliness(f.status, f.published_on, f.filed_on, dues.due(f.published_on), today))
            for f in filings]


def filing_years() -> list[int]:
    """The years with a decision on the register, and this year (newest first)."""
    lo, hi = db.session.execute(select(func.min(PenaltyFiling.decision_date),
                                       func.max(PenaltyFiling.decision_date))).one()
    this = timeutil.today().year
    first = min(lo.year if lo else this, this)
    last = max(hi.year if hi else this, this)
    return list(range(last, first - 1, -1))


def history(filing) -> list[FilingEvent]:
    return (db.session.query(FilingEvent).filter_by(filing_kind=filing.kind, filing_id=filing.id)
            .order_by(FilingEvent.id).all())


def filing_for_decision(unit_id: int, decision_number: str) -> PenaltyFiling | None:
    """The unit's filing of a decision by its 决定书文号 (as typed, spaces trimmed), or None: e.g. 案卷评查 asking
    whether a reviewed decision was filed."""
    number = (decision_number or "").strip()
    if not number:
        return None
    return db.session.execute(select(PenaltyFiling).where(PenaltyFiling.unit_id == unit_id,
                                                          PenaltyFiling.decision_number == number)).scalar()


def units_with_filings(year: int) -> list[int]:
    """The units with a decision or a publication in `year` (from the date indexes alone)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return list(db.session.scalars(
        select(PenaltyFiling.unit_id).where(PenaltyFiling.decision_date.between(first, last))
        .union(select(NormativeFiling.unit_id).where(NormativeFiling.published_on.between(first, last)))))


# --- the yearly summary -----------------------------------------------------------------------------------------

@dataclass
class FilingYearSummary:
    """One unit's filings of one year (decisions / publications of that year), for 考核 and the visit form."""

    penalty_due: int = 0  # decisions whose filing is due by now (filed or not)
    on_time: int = 0
    late: int = 0
    missing: int = 0
    corrections: int = 0  # 提出纠正意见
    normative_filed: int = 0
    normative_on_time: int = 0
    normative_rejected: int = 0
    pending: int = 0  # decisions still within their period, not filed yet
    penalty_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.penalty_due if self.penalty_due else None


def yearly_summary(year: int, unit_id: int | None = None, today: date | None = None,
                   unit_ids=None) -> dict[int, FilingYearSummary]:
    """{unit_id: FilingYearSummary} of the decisions and publications of `year` (of one unit, of `unit_ids`, or of
    every unit): two queries of the filings, whatever the number of units or filings, and the working calendar read
    once (two more) for every period that can end in the year or after it."""
    today = today or timeutil.today()
    s = settings()
    first, last = date(year, 1, 1), date(year, 12, 31)
    reader = workcal.day_reader(first, last + timedelta(days=max(s.penalty_days, s.normative_days) + 40))
    # Drafts too: a decision the unit entered but never submitted counts as 未备案 once its period has passed.
    pq = (select(PenaltyFiling.unit_id, PenaltyFiling.status, PenaltyFiling.decision_date, PenaltyFiling.filed_on)
          .where(PenaltyFiling.decision_date.between(first, last)))
    nq = (select(NormativeFiling.unit_id, NormativeFiling.status, NormativeFiling.published_on,
                 NormativeFiling.filed_on)
          .where(NormativeFiling.published_on.between(first, last),
                 NormativeFiling.status != NormativeStatus.draft.value))
    if unit_id is not None:
        pq = pq.where(PenaltyFiling.unit_id == unit_id)
        nq = nq.where(NormativeFiling.unit_id == unit_id)
    if unit_ids is not None:
        pq = pq.where(PenaltyFiling.unit_id.in_(list(unit_ids)))
        nq = nq.where(NormativeFiling.unit_id.in_(list(unit_ids)))
    prow = db.session.execute(pq).all()
    nrow = db.session.execute(nq).all()
    out: dict[int, FilingYearSummary] = {}
    pdue = DueDays(s.penalty_days, [r.decision_date for r in prow], reader)
    for r in prow:
        t = timeliness(r.status, r.decision_date, r.filed_on, pdue.due(r.decision_date), today)
        one = out.setdefault(r.unit_id, FilingYearSummary())
        if t is Timeliness.pending or t is Timeliness.unknown:
            one.pending += 1
            continue
        one.penalty_due += 1
        if t is Timeliness.on_time:
            one.on_time += 1
        elif t is Timeliness.late:
            one.late += 1
        else:
            one.missing += 1
        if r.status == PenaltyStatus.objected.value:
            one.corrections += 1
    ndue = DueDays(s.normative_days, [r.published_on for r in nrow], reader)
    for r in nrow:
        one = out.setdefault(r.unit_id, FilingYearSummary())
        one.normative_filed += 1
        t = timeliness(r.status, r.published_on, r.filed_on, ndue.due(r.published_on), today)
        if t is Timeliness.on_time:
            one.normative_on_time += 1
        if r.status == NormativeStatus.rejected.value:
            one.normative_rejected += 1
    return out
