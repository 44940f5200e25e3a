"""Reading visits: lists and filters by the user's reach, the problems list and its states, the problems awaiting
a letter, statistics and their charts, the plan links of a visit. Writes nothing."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from flask import g, has_request_context
from sqlalchemy import and_, case, distinct, false, func, or_, select, true
from sqlalchemy.orm import contains_eager, selectinload

from .. import audit, search, workcal
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..directory.queries import unit_ids_named
from ..extensions import db
from ..policy import can
from ..schedule.models import Slot
from ..timeutil import cn_date
from .access import INSPECTOR_ROLES
from .models import (CheckCatalogue, CheckItem, Disposition, Problem, ProblemState, Rating, Visit, VisitKind,
                     VisitRating, VisitStatus)

def catalogues() -> list[CheckCatalogue]:
    return (db.session.query(CheckCatalogue)
            .order_by(CheckCatalogue.year.desc(), CheckCatalogue.version.desc()).all())


def plan_exists(year: int) -> bool:
    """Whether the weekly plan (依法行政日常监督分组计划表) of `year` has been entered."""
    return db.session.query(Slot.id).filter(Slot.year == year).first() is not None


def find_slot_for(unit: Unit, visit_date: date):
    """The plan slot of `unit` in the visit's year: the one containing the date, else the nearest."""
    slots = [s for s in db.session.query(Slot).filter(Slot.year == visit_date.year).all()
             if any(u.id == unit.id for u in s.units)]
    if not slots:
        return None

    def distance(s):
        if s.start_date <= visit_date <= s.end_date:
            return 0
        return min(abs((s.start_date - visit_date).days), abs((s.end_date - visit_date).days))

    return min(slots, key=distance)


def open_visit_for_slot(slot_id: int, unit_id: int) -> Visit | None:
    return (db.session.query(Visit)
            .filter(Visit.slot_id == slot_id, Visit.unit_id == unit_id, Visit.kind == VisitKind.routine.value)
            .order_by(Visit.id).first())


def eligible_inspectors() -> list[User]:
    return (db.session.query(User).filter(User.role.in_(INSPECTOR_ROLES), User.active.is_(True))
            .order_by(User.role.desc(), User.id).all())


CONFIRM_DATE_LABEL = "日期无误，仍然保存"


def date_warning(visit_date: date | None, slot=None) -> str:
    """"" or why a visit's date looks like a clerk's slip: outside its week of the plan, or on a rest day
    (weekend or holiday, by the working calendar; a year the calendar does not know is checked for the week only).
    A warning, not a refusal: the person confirms to keep the date."""
    if visit_date is None:
        return ""
    found = []
    if slot is not None and not slot.start_date <= visit_date <= slot.end_date:
        end = slot.end_date
        found.append(f"不在所属检查周（{slot.title}，{cn_date(slot.start_date)}—{end.month}月{end.day}日）内")
    try:
        info = workcal.day_info(visit_date)
    except workcal.UnknownYear:
        info = None
    if info is not None and not info.workday:
        found.append(f"是休息日（{info.reason}）")
    if not found:
        return ""
    return (f"检查日期{cn_date(visit_date)}" + "，且".join(found) + "，可能填错了。请核对日期；"
            f"如确实如此，请勾选“{CONFIRM_DATE_LABEL}”后再保存。")


def visit_history(visit: Visit) -> list:
    return (db.session.query(audit.AuditEntry)
            .filter_by(record_type="visit", record_id=visit.id)
            .order_by(audit.AuditEntry.id).all())


def _reach(user) -> list:
    """Conditions on Visit: staff see all, a leader the submitted ones, a unit user its own unit's submitted —
    the "visits.view" rule (access.py) in SQL."""
    if user.role == Role.unit.value:
        return [Visit.unit_id == user.unit_id, Visit.status == VisitStatus.submitted.value]
    if user.role == Role.leader.value:
        return [Visit.status == VisitStatus.submitted.value]
    return []


def visible_visits(user):
    """A query of the visits `user` may see: staff all, a unit user its own unit's submitted ones."""
    return db.session.query(Visit).filter(*_reach(user))


@dataclass
class VisitFilter:
    year: int | None = None
    unit_id: int | None = None
    kind: str = ""
    status: str = ""
    q: str = ""  # keyword: the unit's name or a problem's text (search.py)


def visit_search_condition(term: str):
    """The visits whose unit's name, or one of whose problems' text, contains `term`. How they are sought
    depends on how common the term is (search.way): checked on each visit the list's order walks (its problems,
    by the visit's id), or the few visits that have it gathered first."""
    units = unit_ids_named(term)
    way = search.way(term, "visits", (Problem.description,), select(Visit.id).where(Visit.unit_id.in_(units)))
    if way == search.WALK:
        return or_(Visit.unit_id.in_(units),
                   search.per_row(select(Problem.id).where(Problem.visit_id == Visit.id,
                                                           search.contains(Problem.description, term, per_row=True))))
    if way == search.WALK_UNITS:
        return or_(search.unindexed(Visit.unit_id).in_(units), search.unindexed(Visit.id).in_(
            select(Problem.visit_id).where(search.contains(Problem.description, term)).correlate(None)))
    return search.any_of(Visit.id, select(Visit.id).where(Visit.unit_id.in_(units)),
                         select(Problem.visit_id).where(search.contains(Problem.description, term)))


def _listed(q):
    """Load a listed visit's unit and inspectors with the page (one statement each, not one per row)."""
    return q.options(selectinload(Visit.unit), selectinload(Visit.inspectors))


def visits_select(user, flt: VisitFilter):
    """The SELECT of the visits `user` may see that meet `flt`, newest first, for db.paginate."""
    q = select(Visit).where(*_reach(user))
    if flt.year:
        q = q.where(Visit.visit_date >= date(flt.year, 1, 1), Visit.visit_date <= date(flt.year, 12, 31))
    if flt.unit_id:
        q = q.where(Visit.unit_id == flt.unit_id)
    if flt.kind in {k.value for k in VisitKind}:
        q = q.where(Visit.kind == flt.kind)
    if flt.status in {s.value for s in VisitStatus}:
        q = q.where(Visit.status == flt.status)
    if flt.q:
        q = q.where(visit_search_condition(flt.q))
    return _listed(q).order_by(Visit.visit_date.desc(), Visit.id.desc())


def unit_visits(user, unit_id: int) -> list[Visit]:
    """Every visit of one unit that `user` may see, newest first (a unit has a few a year), with what the
    visit table shows loaded in a fixed number of statements."""
    q = visits_select(user, VisitFilter(unit_id=unit_id))
    return list(db.session.scalars(q))


def drafts_of(user) -> list[Visit]:
    """The drafts `user` created or is an inspector of, oldest first. Drafts are few at any scale: their keys
    are sought by status, then only those visits are loaded (ordering by date in SQL would let SQLite walk ten
    years of visits by date, as the dashboard notes)."""
    if not can("visits.create", user=user):
        return []
    ids = db.session.scalars(select(Visit.id).where(
        Visit.status == VisitStatus.draft.value,
        or_(Visit.created_by_id == user.id, Visit.inspectors.any(User.id == user.id)))).all()
    if not ids:
        return []
    return list(db.session.scalars(_listed(select(Visit).where(Visit.id.in_(ids)))
                                   .order_by(Visit.visit_date, Visit.id)))


def problem_counts(visit_ids) -> dict[int, tuple[int, int]]:
    """{visit id: (problems, of which 需下达意见书)} for the listed visits, counted by the database."""
    ids = list(visit_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Problem.visit_id, func.count(),
               func.sum(case((Problem.disposition == Disposition.letter.value, 1), else_=0)))
        .where(Problem.visit_id.in_(ids)).group_by(Problem.visit_id))
    return {vid: (n, int(letter or 0)) for vid, n, letter in rows}


def _letter_of(problem: Problem):
    """The letter a problem was put in, if the letters part has linked one (duck-typed, it adds the link)."""
    for attr in ("letter", "letters"):
        value = getattr(problem, attr, None)
        if value:
            return value
    return None


def problem_state(problem: Problem) -> ProblemState:
    """A problem's state for display. `problem_state_condition` below says the same rule in SQL for the
    problems list's status filter; change both together (tests/visits/test_lists.py checks they agree)."""
    if not problem.visit.is_submitted:
        return ProblemState.draft
    if problem.disposition == Disposition.fixed.value:
        return ProblemState.fixed
    if _letter_of(problem):
        return ProblemState.in_letter
    return ProblemState.awaiting_letter


def _state_parts(code: str) -> tuple[bool | None, list]:
    """The rule of `problem_state` in SQL, in two parts: whether the problem's visit must be submitted (True),
    must not be (False) or either (None), and the conditions on the problem itself ([false()] for an unknown
    code: nothing has it).

    "A live letter carries it" is Problem.in_letter, which the letters part keeps equal to "a live
    letter_problem row exists" after every flush (letters.models._keep_in_letter; before the letters part
    exists nothing sets it and every such problem is awaiting, as problem_state says). "Not fixed" is written
    as 需下达意见书: a problem's disposition is always one of the two (add_problem and the visit form refuse
    anything else), and the equality lets the index (in_letter, disposition, visit_id) find the few problems
    awaiting a letter instead of reading every problem of ten years.
    """
    if code == ProblemState.draft.value:
        return False, []
    if code == ProblemState.fixed.value:
        return True, [Problem.disposition == Disposition.fixed.value]
    if code == ProblemState.in_letter.value:
        return True, [Problem.disposition == Disposition.letter.value, Problem.in_letter == true()]
    if code == ProblemState.awaiting_letter.value:
        return True, [Problem.disposition == Disposition.letter.value, Problem.in_letter == false()]
    return None, [false()]


def _submitted(required: bool):
    return Visit.status == VisitStatus.submitted.value if required else Visit.status != VisitStatus.submitted.value


def problem_state_condition(code: str):
    """The SQL version of `problem_state` (the same rule, see _state_parts): the problems whose state is `code`,
    as a condition on a statement that joins Problem to its Visit. tests/visits/test_lists.py checks that the
    two agree for every state; change them together."""
    submitted, conditions = _state_parts(code)
    return and_(*([] if submitted is None else [_submitted(submitted)]), *conditions)


@dataclass
class ProblemFilter:
    year: int | None = None
    unit_id: int | None = None
    item_key: str = ""
    disposition: str = ""
    status: str = ""
    q: str = ""  # keyword: the unit's name or the problem's text (search.py)


def _problem_conditions(user, flt: ProblemFilter) -> tuple[bool | None, list, list]:
    """What `flt` and the user's reach ask, split as the count needs it: (whether the visit must be submitted,
    other conditions on the visit, conditions on the problem)."""
    submitted, on_problem = _state_parts(flt.status) if flt.status else (None, [])
    on_problem = list(on_problem)
    on_visit = []
    if user.role in (Role.unit.value, Role.leader.value):
        if submitted is False:
            on_problem.append(false())  # a draft's problems, which they may not see
        submitted = True
    if user.role == Role.unit.value:
        on_visit.append(Visit.unit_id == user.unit_id)
    if flt.year:
        on_visit += [Visit.visit_date >= date(flt.year, 1, 1), Visit.visit_date <= date(flt.year, 12, 31)]
    if flt.unit_id:
        on_visit.append(Visit.unit_id == flt.unit_id)
    if flt.item_key:
        on_problem.append(Problem.item_id.in_(select(CheckItem.id).where(CheckItem.key == flt.item_key)))
    if flt.disposition:
        on_problem.append(Problem.disposition == flt.disposition)
    if flt.q:
        on_problem.append(problem_search_condition(flt.q))
    return submitted, on_visit, on_problem


def problem_search_condition(term: str):
    """The problems whose visit's unit's name or own text contains `term` (a condition on Problem alone). How
    they are sought depends on how common the term is (search.way): checked on each problem the list's order
    walks, or the few problems that have it gathered first."""
    of_units = select(Visit.id).where(Visit.unit_id.in_(unit_ids_named(term))).correlate(None)
    way = search.way(term, "problems", (Problem.description,), select(Problem.id).where(Problem.visit_id.in_(of_units)))
    if way == search.WALK:
        return or_(search.contains(Problem.description, term, per_row=True), Problem.visit_id.in_(of_units))
    if way == search.WALK_UNITS:
        return or_(search.unindexed(Problem.visit_id).in_(of_units), search.unindexed(Problem.id).in_(
            select(Problem.id).where(search.contains(Problem.description, term)).correlate(None)))
    return search.any_of(Problem.id, select(Problem.id).where(search.contains(Problem.description, term)),
                         select(Problem.id).join(Visit, Problem.visit_id == Visit.id)
                         .where(Visit.unit_id.in_(unit_ids_named(term))))


def visible_problems(user, flt: ProblemFilter):
    """The SELECT of the problems `user` may see that meet `flt`, newest visit first, for one page at a time
    (db.paginate): every filter, the state one included, is a condition in SQL, and a page comes with its
    visit (from the same join), unit, check item, subpoint and live letters in a fixed number of statements."""
    submitted, on_visit, on_problem = _problem_conditions(user, flt)
    q = select(Problem).join(Visit, Problem.visit_id == Visit.id).where(*on_visit, *on_problem)
    if submitted is not None:
        q = q.where(_submitted(submitted))
    options = [contains_eager(Problem.visit).selectinload(Visit.unit), selectinload(Problem.item),
               selectinload(Problem.subpoint)]
    letters = getattr(Problem, "letters", None)  # added by the letters part; problem_state reads it
    if letters is not None:
        options.append(selectinload(letters))
    return q.options(*options).order_by(Visit.visit_date.desc(), Visit.id.desc(), Problem.seq, Problem.id)


def count_visible_problems(user, flt: ProblemFilter) -> int:
    """How many problems visible_problems(user, flt) lists, counted the cheap way.

    With a year or unit the database finds those visits first and counts their problems. Without, it counts
    the problems from their own indexes (every problem of ten years is one index count, the few awaiting a
    letter one seek) and, when the visit must be submitted, takes away those of draft visits — drafts are few
    at any scale. Counting through the join to the visit instead read every problem's visit (~25 ms for the
    leader's unfiltered list at province scale, ~1 ms this way).
    """
    submitted, on_visit, on_problem = _problem_conditions(user, flt)

    def count(q) -> int:
        return db.session.scalar(q.where(*on_problem)) or 0

    problems = select(func.count()).select_from(Problem)
    if on_visit:
        joined = problems.join(Visit, Problem.visit_id == Visit.id)
        return count(joined.where(*on_visit, *([] if submitted is None else [_submitted(submitted)])))
    # The drafts' problems: the (few) draft visits' ids as a list the problem indexes are sought with; written
    # as a join, SQLite (whose statistics see a visit status as two values of equal weight) read the problems
    # of the condition first and looked up each one's visit.
    of_drafts = problems.where(Problem.visit_id.in_(select(Visit.id).where(_submitted(False))))
    if submitted is False:
        return count(of_drafts)
    everything = count(problems)
    if submitted is None:
        return everything
    return everything - count(of_drafts)


def _awaiting_letter_ids():
    """SELECT of the ids of 需下达意见书 problems of submitted visits that no live letter carries.

    Problem.in_letter (kept by the letters part equal to "a live letter_problem row exists" after every flush)
    makes it an index seek to the few hundred such problems; the visit's status is then checked for just those
    rows. The problem table is the statement's only FROM on purpose: joined with visit, SQLite's planner (whose
    statistics see in_letter as two values of equal weight) walked every visit of ten years by date and probed
    the index per visit (~35 ms at province scale, 0.5 ms this way).
    """
    submitted = select(Visit.id).where(Visit.id == Problem.visit_id, Visit.status == VisitStatus.submitted.value)
    return select(Problem.id).where(Problem.in_letter == false(), Problem.disposition == Disposition.letter.value,
                                    submitted.exists())


def awaiting_letter_keys() -> list[tuple[int, int]]:
    """(problem id, visit id) of every problem awaiting a letter, in visit order: one pass of the index seek.

    Kept for the rest of the request in flask.g (the dashboard's letters and visits panels both need it); a
    request that changes letters or problems after asking would have to call it again — only the dashboard
    (a GET) asks.
    """
    if has_request_context() and "awaiting_letter_keys" in g:
        return g.awaiting_letter_keys
    visit_date = select(Visit.visit_date).where(Visit.id == Problem.visit_id).scalar_subquery()
    rows = db.session.execute(_awaiting_letter_ids().add_columns(Problem.visit_id, Problem.seq, visit_date)).all()
    keys = [(pid, vid) for pid, vid, _, _ in sorted(rows, key=lambda r: (r[3], r[1], r[2]))]
    if has_request_context():
        g.awaiting_letter_keys = keys
    return keys


def awaiting_letter_panel(limit: int = 10) -> tuple[list[Problem], int]:
    """The first `limit` problems awaiting a letter (in visit order) and how many there are, from ONE pass of
    the seek: it reads the (few) awaiting rows' keys, then loads only the shown problems."""
    keys = awaiting_letter_keys()
    shown = [pid for pid, _ in keys[:limit]]
    if not shown:
        return [], len(keys)
    return _problems_in_visit_order(Problem.id.in_(shown)), len(keys)


def _problems_in_visit_order(condition, limit: int | None = None) -> list[Problem]:
    """Problems meeting `condition` with their visit, its unit and the check item, in visit order."""
    q = (db.session.query(Problem).join(Visit, Problem.visit_id == Visit.id).filter(condition)
         .options(contains_eager(Problem.visit).selectinload(Visit.unit), selectinload(Problem.item))
         .order_by(Visit.visit_date, Problem.visit_id, Problem.seq))
    return (q if limit is None else q.limit(limit)).all()


def problems_awaiting_letter(limit: int | None = None) -> list[Problem]:
    """需下达意见书 problems of submitted visits not yet in a letter (the letters part's drafting input).

    The filtering is done by the database and the visit, its unit and the check item come in the same few
    queries, so the dashboard does not load every problem of ten years to show ten of them.
    """
    return _problems_in_visit_order(Problem.id.in_(_awaiting_letter_ids().correlate(None)), limit)


def count_problems_awaiting_letter() -> int:
    return db.session.scalar(select(func.count()).select_from(_awaiting_letter_ids().subquery())) or 0


def _catalogue_items():
    """(catalogue id, item id, key, name, seq) of every check item of every catalogue version, oldest version
    first and in catalogue order: one small query (a few versions of nine items)."""
    return db.session.execute(
        select(CheckItem.catalogue_id, CheckItem.id, CheckItem.key, CheckItem.name, CheckItem.seq)
        .join(CheckCatalogue, CheckItem.catalogue_id == CheckCatalogue.id)
        .order_by(CheckCatalogue.year, CheckCatalogue.version, CheckItem.seq)).all()


def _latest_names(rows) -> OrderedDict:
    out: OrderedDict[str, str] = OrderedDict()
    for _cat, _id, key, name, _seq in rows:
        out[key] = name
    return out


def item_keys() -> list[tuple[str, str]]:
    """(key, latest name) of every check item in any catalogue version, in catalogue order."""
    return list(_latest_names(_catalogue_items()).items())


def visit_years() -> list[int]:
    """The years from the latest visit's back to the first visit's, newest first: two index seeks (min and
    max of the visit date, each its own subquery: SQLite seeks for a lone min() or max() but scans the index for
    both in one SELECT), not a scan of every visit's date. A year between them with no visit is listed too."""
    first, last = db.session.execute(select(select(func.min(Visit.visit_date)).scalar_subquery(),
                                            select(func.max(Visit.visit_date)).scalar_subquery())).one()
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


@dataclass
class ItemStats:
    key: str
    name: str
    seq: int
    problems: int = 0
    fixed: int = 0
    letter: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in Rating})

    @property
    def rated(self) -> int:
        return sum(v for k, v in self.ratings.items() if k != Rating.na.value)


def year_statistics(year: int) -> dict:
    """Problems per check item and ratings per item across units, from the submitted visits of `year`.

    Counted by the database (GROUP BY), not by loading the year's visits: a fixed handful of statements
    whatever the number of visits, problems and ratings.
    """
    in_year = (Visit.status == VisitStatus.submitted.value,
               Visit.visit_date >= date(year, 1, 1), Visit.visit_date <= date(year, 12, 31))
    kinds = list(VisitKind)
    head = db.session.execute(
        select(func.count(), func.count(distinct(Visit.unit_id)),
               *[func.sum(case((Visit.kind == k.value, 1), else_=0)) for k in kinds]).where(*in_year)).one()
    used = set(db.session.scalars(select(Visit.catalogue_id).where(*in_year).distinct()))
    all_items = _catalogue_items()
    names = _latest_names(all_items)
    key_of = {item_id: key for _cat, item_id, key, _name, _seq in all_items}
    rows: OrderedDict[str, ItemStats] = OrderedDict()
    for cat_id, _id, key, name, seq in all_items:  # the catalogues the year's visits used, oldest first
        if cat_id in used:
            rows.setdefault(key, ItemStats(key=key, name=names.get(key, name), seq=seq))

    def row(item_id: int) -> ItemStats:
        key = key_of.get(item_id, str(item_id))
        return rows.setdefault(key, ItemStats(key=key, name=names.get(key, key), seq=99))

    ratings = db.session.execute(
        select(VisitRating.item_id, VisitRating.rating, func.count())
        .join(Visit, VisitRating.visit_id == Visit.id)
        .where(*in_year, VisitRating.rating != "")
        .group_by(VisitRating.item_id, VisitRating.rating))
    for item_id, rating, n in ratings:
        st = row(item_id)
        st.ratings[rating] = st.ratings.get(rating, 0) + n
    problems = db.session.execute(
        select(Problem.item_id, Problem.disposition, func.count())
        .join(Visit, Problem.visit_id == Visit.id)
        .where(*in_year)
        .group_by(Problem.item_id, Problem.disposition))
    for item_id, disposition, n in problems:
        st = row(item_id)
        st.problems += n
        if disposition == Disposition.fixed.value:
            st.fixed += n
        else:
            st.letter += n
    items = sorted(rows.values(), key=lambda s: s.seq)
    return {
        "year": year,
        "visits": head[0],
        "units": head[1],
        "items": items,
        "problems": sum(s.problems for s in items),
        "fixed": sum(s.fixed for s in items),
        "letter": sum(s.letter for s in items),
        "by_kind": {k.label: int(n or 0) for k, n in zip(kinds, head[2:], strict=True)},
    }


def bar_chart(stats: dict, width: int = 720) -> dict:
    """Geometry of a horizontal bar chart (problems per item, split by disposition) for a server-side SVG."""
    items = stats["items"]
    label_w, bar_h, gap, top = 170, 22, 10, 30
    plot_w = width - label_w - 60
    peak = max((s.problems for s in items), default=0) or 1
    bars = []
    for i, s in enumerate(items):
        y = top + i * (bar_h + gap)
        fixed_w = round(plot_w * s.fixed / peak, 1)
        letter_w = round(plot_w * s.letter / peak, 1)
        bars.append({"label": s.name, "y": y, "text_y": y + bar_h * 0.7, "fixed_w": fixed_w,
                     "letter_x": label_w + fixed_w, "letter_w": letter_w, "total": s.problems,
                     "total_x": label_w + fixed_w + letter_w + 6, "fixed": s.fixed, "letter": s.letter})
    height = top + len(items) * (bar_h + gap) + 10
    ticks = []
    step = max(1, -(-peak // 5))
    for t in range(0, peak + 1, step):
        ticks.append({"x": round(label_w + plot_w * t / peak, 1), "value": t})
    return {"width": width, "height": height, "label_w": label_w, "bar_h": bar_h, "bars": bars,
            "ticks": ticks, "top": top, "bottom": height - 10}


def rating_chart(stats: dict, width: int = 720) -> dict:
    """Geometry of stacked bars: for each item, how many visits rated it 优/良/中/差/不适用."""
    items = stats["items"]
    label_w, bar_h, gap, top = 170, 22, 10, 30
    plot_w = width - label_w - 20
    peak = max((sum(s.ratings.values()) for s in items), default=0) or 1
    colours = {"excellent": "#198754", "good": "#0d6efd", "fair": "#ffc107", "poor": "#dc3545", "na": "#adb5bd"}
    rows = []
    for i, s in enumerate(items):
        y = top + i * (bar_h + gap)
        x = label_w
        segs = []
        for r in Rating:
            n = s.ratings[r.value]
            w = round(plot_w * n / peak, 1)
            if n:
                segs.append({"x": x, "w": w, "fill": colours[r.value], "n": n, "label": r.label,
                             "text_x": x + w / 2})
            x += w
        rows.append({"label": s.name, "y": y, "text_y": y + bar_h * 0.7, "segs": segs})
    legend = [{"x": label_w + i * 90, "fill": colours[r.value], "label": r.label} for i, r in enumerate(Rating)]
    return {"width": width, "height": top + len(items) * (bar_h + gap) + 10, "bar_h": bar_h, "rows": rows,
            "legend": legend, "label_w": label_w}
