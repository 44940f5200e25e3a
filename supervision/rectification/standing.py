"""整改状态索引: the stored output of queries.derive for every issued letter that is not 已办结 (OpenLetter,
OpenProblem), so that counting, filtering and summing open letters is a question to the database.

How it stays true:
- `refresh(letter_ids, connection)` re-derives the named letters from their facts (queries.light_states, the
  same function every page uses) and rewrites their rows; a letter derived 已办结 gets its Closure if it has
  none, so every issued letter has exactly one of the two.
- The flush hook below calls it for every letter whose facts a flush touched — the letter itself, its items,
  its PDF (issuing), replies, submissions, extensions, closure — whichever service function made the change, in
  the same transaction. (It watched the letters' audit entries too; no path needed that: every change of a
  letter's facts goes through the ORM's flush, and a bulk UPDATE/DELETE of a fact table is refused outside
  derived.bulk_write, which stores the value again itself.)
- `rebuild(connection)` rewrites all of it (the benchmark generator's bulk load, `flask ledger standing --rebuild`
  or `flask derived check --rebuild` after a repair by hand); `differences()` compares it with derive
  (`flask ledger standing`, the nightly check, and the tests after every test). All of it is registered once with
  supervision/derived.py as the stored derived value "standing" (at the end of the hook below).

Only date-free facts are stored: 逾期 is `deadline < today`, asked on the day.

The closed letters' sums per year of issue (ClosedYear, ClosedYearItem: 整改统计) are summed again from
rect_closure by `refresh_years` for the years in which a flush recorded a closure or voided a letter — the
only events that move them, closures being final.
"""
from __future__ import annotations

from collections import namedtuple
from datetime import date

from sqlalchemy import case, delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from .. import derived, timeutil
from ..directory.models import Unit
from ..extensions import db
from ..letters.models import Letter, LetterFile, LetterProblem, LetterStatus
from ..visits.models import CheckItem, Problem
from .models import Closure, ClosedYear, ClosedYearItem, Extension, OpenLetter, OpenProblem, Reply, Submission

_FACTS = (LetterProblem, LetterFile, Reply, Submission, Extension, Closure)
_BLOCK = 500
_YEAR_LOCK = 0x5E70  # advisory lock namespace of refresh_years (PostgreSQL)


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def refresh(letter_ids, conn) -> set[int]:
    """Rewrite the rows of `letter_ids` from derive: a row (and its items' rows) for each issued letter not
    已办结; none for drafts, voided, deleted or closed letters. Records the Closure of a letter derived 已办结
    that has none; returns the years of issue of the closures it recorded."""
    from .queries import closure_facts, light_states

    years: set[int] = set()
    ids = sorted({int(i) for i in letter_ids if i is not None})
    for chunk in _chunks(ids, _BLOCK):
        if conn.dialect.name == "postgresql":
            # One refresher of a letter at a time: a second transaction changing the same letter waits here
            # until the first commits, then derives from both changes (its next statements see them). SQLite
            # serialises writers already. FOR NO KEY UPDATE, not FOR UPDATE: inserting a reply (or any row whose
            # foreign key names the letter) holds KEY SHARE on the letter's row, which FOR UPDATE would wait for —
            # two such transactions on one letter deadlocked.
            conn.execute(select(Letter.id).where(Letter.id.in_(chunk)).order_by(Letter.id)
                         .with_for_update(key_share=True))
        conn.execute(delete(OpenProblem.__table__).where(OpenProblem.__table__.c.letter_id.in_(chunk)))
        conn.execute(delete(OpenLetter.__table__).where(OpenLetter.__table__.c.letter_id.in_(chunk)))
        issued = list(conn.scalars(select(Letter.id).where(Letter.id.in_(chunk),
                                                           Letter.status == LetterStatus.issued.value)))
        if not issued:
            continue
        letters, states = light_states(issued, timeutil.today(), connection=conn)
        recorded = set(conn.scalars(select(Closure.letter_id).where(Closure.letter_id.in_(issued))))
        rows, items, closures = [], [], []
        for x in letters:
            st = states[x.id]
            if st.closed:
                if x.id not in recorded:
                    closures.append(closure_facts(x, st))
                continue
            rows.append({"letter_id": x.id, "state": st.code, "deadline": st.deadline,
                         "replied_on_time": st.replied_on_time})
            items += [{"letter_problem_id": p.problem.id, "letter_id": x.id, "state": p.state.value}
                      for p in st.problems]
        if rows:
            conn.execute(insert(OpenLetter.__table__), rows)
        if items:
            conn.execute(insert(OpenProblem.__table__), items)
        if closures:
            conn.execute(insert(Closure.__table__), closures)
            years |= {c["issue_year"] for c in closures if c["issue_year"] is not None}
    return years


def _year_figures_query(years=None):
    """(issue_year, closed, close_days_sum, close_days_n, reported, on_time) of the closed issued letters."""
    voided = select(Letter.id).where(Letter.status == LetterStatus.voided.value)
    q = (select(Closure.issue_year, func.count(), func.coalesce(func.sum(Closure.days_to_close), 0),
                func.count(Closure.days_to_close), func.count(Closure.replied_on_time),
                func.count(case((Closure.replied_on_time.is_(True), 1))))
         .where(Closure.issue_year.is_not(None), Closure.letter_id.not_in(voided)).group_by(Closure.issue_year))
    return q if years is None else q.where(Closure.issue_year.in_(years))


def _year_items_query(years=None):
    """(issue_year, check item id, problems) of the closed issued letters."""
    q = (select(Closure.issue_year, Problem.item_id, func.count())
         .select_from(LetterProblem).join(Closure, Closure.letter_id == LetterProblem.letter_id)
         .join(Letter, Letter.id == LetterProblem.letter_id)
         .outerjoin(Problem, Problem.id == LetterProblem.problem_id)
         .where(Letter.status == LetterStatus.issued.value, Closure.issue_year.is_not(None))
         .group_by(Closure.issue_year, Problem.item_id))
    return q if years is None else q.where(Closure.issue_year.in_(years))


def refresh_years(years, conn) -> None:
    """Sum the closures of these years of issue again (ClosedYear, ClosedYearItem) from rect_closure."""
    years = sorted({int(y) for y in years if y is not None})
    if not years:
        return
    if conn.dialect.name == "postgresql":
        # One summer of a year at a time (two letters of one year closing at once): the second waits, then sums
        # with the first one's closure committed.
        for y in years:
            conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :year)"), {"ns": _YEAR_LOCK, "year": y})
    conn.execute(delete(ClosedYearItem.__table__).where(ClosedYearItem.__table__.c.issue_year.in_(years)))
    conn.execute(delete(ClosedYear.__table__).where(ClosedYear.__table__.c.issue_year.in_(years)))
    cols = ["issue_year", "closed", "close_days_sum", "close_days_n", "reported", "on_time"]
    conn.execute(insert(ClosedYear.__table__).from_select(cols, _year_figures_query(years)))
    conn.execute(insert(ClosedYearItem.__table__).from_select(["issue_year", "check_item_id", "problems"],
                                                              _year_items_query(years)))


def _open_candidates(conn) -> list[int]:
    """Issued letters without a recorded closure: every letter that may be open."""
    from .queries import not_recorded_closed

    return list(conn.scalars(select(Letter.id).where(Letter.status == LetterStatus.issued.value,
                                                     not_recorded_closed(conn.dialect.name)).order_by(Letter.id)))


def rebuild(conn) -> int:
    """Rewrite every row from derive, and every year's sums. Returns how many letters are open."""
    conn.execute(delete(OpenProblem.__table__))
    conn.execute(delete(OpenLetter.__table__))
    refresh(_open_candidates(conn), conn)
    conn.execute(delete(ClosedYearItem.__table__))
    conn.execute(delete(ClosedYear.__table__))
    refresh_years(conn.scalars(select(Closure.issue_year).distinct()), conn)
    return conn.scalar(select(func.count()).select_from(OpenLetter.__table__)) or 0


def differences(conn=None) -> list[str]:
    """Where the stored rows and derive disagree, in words (empty when they agree)."""
    from .queries import light_states

    conn = conn if conn is not None else db.session.connection()
    ids = _open_candidates(conn)
    letters, states = light_states(ids, timeutil.today(), connection=conn)
    stored = {r.letter_id: r for r in conn.execute(select(OpenLetter.__table__))}
    stored_items = {r.letter_problem_id: r for r in conn.execute(select(OpenProblem.__table__))}
    out = []
    for x in letters:
        st = states[x.id]
        row = stored.pop(x.id, None)
        want = None if st.closed else (st.code, st.deadline, st.replied_on_time)
        have = (row.state, row.deadline, row.replied_on_time) if row is not None else None
        if want != have:
            out.append(f"{x.number}（id {x.id}）：索引为 {have}，按事实应为 {want}")
        if st.closed:
            out.append(f"{x.number}（id {x.id}）：已办结，但没有办结记录")
        for p in ([] if st.closed else st.problems):
            item = stored_items.pop(p.problem.id, None)
            if item is None or item.state != p.state.value or item.letter_id != x.id:
                out.append(f"{x.number} 第{p.problem.position}个问题：索引为 {item and item.state}，按事实应为 {p.state.value}")
    out += [f"意见书 id {lid}：索引中有，但它已不是未办结的已签发意见书" for lid in stored]
    out += [f"问题 id {pid}：索引中有，但它不属于未办结的意见书" for pid in stored_items]
    want = {r[0]: tuple(r[1:]) for r in conn.execute(_year_figures_query())}
    have = {r[0]: tuple(r[1:]) for r in conn.execute(
        select(ClosedYear.issue_year, ClosedYear.closed, ClosedYear.close_days_sum, ClosedYear.close_days_n,
               ClosedYear.reported, ClosedYear.on_time))}
    out += [f"{y}年办结汇总：记录为 {have.get(y)}，按办结记录应为 {want.get(y)}"
            for y in sorted(set(want) | set(have)) if want.get(y) != have.get(y)]
    want = {(r[0], r[1]): r[2] for r in conn.execute(_year_items_query())}
    have = {(r[0], r[1]): r[2] for r in conn.execute(
        select(ClosedYearItem.issue_year, ClosedYearItem.check_item_id, ClosedYearItem.problems))}
    out += [f"{y}年办结问题（检查项目 id {i}）：记录为 {have.get((y, i))}，应为 {want.get((y, i))}"
            for y, i in sorted(set(want) | set(have), key=lambda k: (k[0], k[1] or 0))
            if want.get((y, i)) != have.get((y, i))]
    return out


@event.listens_for(Session, "after_flush")
def _keep_standing(session, _context) -> None:
    """After a flush, refresh the letters whose facts it touched."""
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Letter):
            ids.add(obj.id)
        elif isinstance(obj, _FACTS):
            ids.add(obj.letter_id)
    ids.discard(None)
    if not ids:
        return
    conn = session.connection()
    years = refresh(ids, conn)
    # Sums of closed letters move only when a letter closes, or a closed one is voided.
    for obj in session.new:
        if isinstance(obj, Closure):
            years.add(obj.issue_year)
    for obj in session.dirty:
        if isinstance(obj, Letter) and obj.is_voided and obj.issue_date is not None:
            years.add(obj.issue_date.year)
    refresh_years(years, conn)


def open_states(letter_ids, conn) -> dict:
    """What the stored rows of `letter_ids` should say: derive's status of each issued letter (service.light_states)."""
    from .queries import light_states

    ids = sorted({int(i) for i in letter_ids if i is not None})
    issued = list(conn.scalars(select(Letter.id).where(Letter.id.in_(ids), Letter.status == LetterStatus.issued.value)))
    return light_states(issued, timeutil.today(), connection=conn)[1]


def store(letter_ids, conn) -> None:
    """The one writer, for the letters `letter_ids`: their rows (refresh), then the sums of the years they close in."""
    ids = sorted({int(i) for i in letter_ids if i is not None})
    years = refresh(ids, conn)
    for chunk in _chunks(ids, _BLOCK):
        years |= set(conn.scalars(select(Closure.issue_year).where(Closure.letter_id.in_(chunk))))
    refresh_years(years, conn)


derived.register(
    "standing", label="整改状态索引（未办结意见书的状态、已办结记录及各年办结汇总）", key="letter",
    facts=(Letter, LetterProblem, LetterFile, Reply, Submission, Extension, Closure, "problem"),
    compute=open_states, store=store, check=lambda conn: differences(conn), rebuild=rebuild)


# --- questions the pages ask ----------------------------------------------------------------------

def state_counts(year: int | None = None) -> dict[str, int]:
    """Open letters by state code (of those issued in `year`, when given)."""
    q = select(OpenLetter.state, func.count()).group_by(OpenLetter.state)
    if year is not None:
        q = q.join(Letter, Letter.id == OpenLetter.letter_id).where(Letter.year == year)
    return dict(db.session.execute(q).all())


class OverdueLetter(namedtuple("OverdueLetter", "id number unit_id unit_name state deadline overdue_days")):
    """An overdue letter as the office's lists show it (number, unit, state, days overdue)."""

    __slots__ = ()

    @property
    def label(self) -> str:
        from .queries import LetterState

        return LetterState(self.state).label


def overdue_letters(today: date, year: int | None = None) -> list[OverdueLetter]:
    """Open letters past their deadline in force (of those issued in `year`, when given), most overdue first."""
    q = (select(Letter.id, Letter.number, Letter.unit_id, Unit.name, OpenLetter.state, OpenLetter.deadline)
         .join(Letter, Letter.id == OpenLetter.letter_id).join(Unit, Unit.id == Letter.unit_id)
         .where(OpenLetter.deadline < today))
    if year is not None:
        q = q.where(Letter.year == year)
    rows = db.session.execute(q)
    out = [OverdueLetter(*r, (today - r[5]).days) for r in rows]
    return sorted(out, key=lambda r: (-r.overdue_days, r.id))


def open_letter_ids(state: str) -> list[int]:
    """Ids of the open letters whose stored state is `state` (a LetterState code), in id order."""
    return list(db.session.scalars(select(OpenLetter.letter_id).where(OpenLetter.state == state)
                                   .order_by(OpenLetter.letter_id)))


def open_deadlines() -> list[tuple[int, date]]:
    """(letter id, deadline in force) of the open letters that have a deadline, in id order."""
    q = select(OpenLetter.letter_id, OpenLetter.deadline).where(OpenLetter.deadline.is_not(None))
    return [tuple(r) for r in db.session.execute(q.order_by(OpenLetter.letter_id))]


def figures_by_year(today: date) -> list[tuple[int, int, int, int]]:
    """(year of issue, open letters, of them due — first report in or deadline passed —, reported on time)."""
    due = case((OpenLetter.replied_on_time.is_not(None) | (OpenLetter.deadline < today), 1))
    on_time = case((OpenLetter.replied_on_time.is_(True), 1))
    return [tuple(r) for r in db.session.execute(
        select(Letter.year, func.count(), func.count(due), func.count(on_time))
        .join(Letter, Letter.id == OpenLetter.letter_id).where(Letter.year.is_not(None)).group_by(Letter.year))]


def closed_years() -> list[ClosedYear]:
    """The closed letters' sums per year of issue."""
    return list(db.session.scalars(select(ClosedYear).order_by(ClosedYear.issue_year)))


def closed_item_figures(year: int):
    """(check item name, seq, problems, accepted) of the closed letters issued in `year` (all accepted)."""
    return db.session.execute(
        select(CheckItem.name, CheckItem.seq, func.sum(ClosedYearItem.problems), func.sum(ClosedYearItem.problems))
        .select_from(ClosedYearItem).outerjoin(CheckItem, CheckItem.id == ClosedYearItem.check_item_id)
        .where(ClosedYearItem.issue_year == year).group_by(CheckItem.name, CheckItem.seq)).all()


def item_figures(year: int):
    """(check item name, seq, problems, accepted) of the open letters issued in `year` (letter.year, the year of
    issue: the index on (year, status, problem_count) finds them without reading each letter)."""
    accepted = case((OpenProblem.state == "accepted", 1))
    return db.session.execute(
        select(CheckItem.name, CheckItem.seq, func.count(), func.count(accepted))
        .select_from(OpenProblem).join(LetterProblem, LetterProblem.id == OpenProblem.letter_problem_id)
        .join(Letter, Letter.id == OpenProblem.letter_id)
        .outerjoin(Problem, Problem.id == LetterProblem.problem_id)
        .outerjoin(CheckItem, CheckItem.id == Problem.item_id)
        .where(Letter.year == year)
        .group_by(CheckItem.name, CheckItem.seq)).all()
