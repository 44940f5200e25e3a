"""Reading the schedule: week dates and the working calendar of a week, the year's plan, a slot's status,
what importing a plan file would do (the preview writes nothing), the calendar feed's owner. Writes nothing."""
import difflib
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import workcal
from ..accounts.models import User
from ..directory.models import Unit
from ..directory.queries import guess_kind
from ..extensions import db
from ..policy import can
from ..timeutil import today as local_today
from . import access  # noqa: F401  (declares the rules asked below)
from . import signals
from .importers import ParsedPlan, PlanFileError, PlanRow, Problem, read_plan  # noqa: F401  (PlanFileError: the importer's error, said here)
from .models import FeedToken, Slot, SlotStatus, SlotUnit, UnitAlias, month_label, week_label
from .signals import answers

MIN_WORKDAYS = 3


class ScheduleError(ValueError):
    """A rule of the schedule was broken; the message is for the user."""


def mondays(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    out = []
    while monday.month == month:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def week_dates(year: int, month: int, week: int) -> tuple[date, date]:
    """(Monday, Friday) of week N: the week whose Monday is the month's Nth Monday.

    2021-03 第一周 -> 2021-03-01..2021-03-05. ScheduleError when the month has fewer Mondays.
    """
    if not 1 <= month <= 12:
        raise ScheduleError(f"没有{month}月。")
    ms = mondays(year, month)
    if not 1 <= week <= len(ms):
        raise ScheduleError(f"{year}年{month}月只有{len(ms)}个星期一，没有{week_label(week)}。")
    return ms[week - 1], ms[week - 1] + timedelta(days=4)


def dates_text(start: date, end: date) -> str:
    if start.year == end.year:
        return f"{start.month}月{start.day}日—{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日—{end.year}年{end.month}月{end.day}日"


@dataclass
class WeekCalendar:
    """What the working calendar says about one slot's days."""

    known: bool
    workdays: int | None = None
    off_days: list[tuple[date, str]] = field(default_factory=list)  # weekdays that are rest days
    extra_workdays: list[tuple[date, str]] = field(default_factory=list)  # 调休 weekend working days
    unknown_years: list[int] = field(default_factory=list)

    @property
    def too_few(self) -> bool:
        return self.known and self.workdays is not None and self.workdays < MIN_WORKDAYS

    @property
    def message(self) -> str:
        if not self.known:
            years = "、".join(str(y) for y in self.unknown_years)
            return f"{years}年工作日历未知，无法判断节假日"
        if not self.off_days:
            return ""
        names = sorted({reason for _, reason in self.off_days})
        days = "、".join(f"{d.month}月{d.day}日" for d, _ in self.off_days)
        return f"{days}放假（{'、'.join(names)}），本周只有{self.workdays}个工作日"


def week_calendar(start: date, end: date) -> WeekCalendar:
    """Working days of [start, end]; never guesses for a year the calendar does not know."""
    return _week_calendar(start, end, workcal.day_info)


def week_calendars(slots) -> dict[int, WeekCalendar]:
    """week_calendar of each slot, {slot id: WeekCalendar}, reading the admin's calendar entries in two queries
    (workcal.day_info asks the database twice per day: ~500 statements for a year's plan)."""
    slots = list(slots)
    if not slots:
        return {}
    info_of = workcal.day_reader(min(s.start_date for s in slots), max(s.end_date for s in slots))
    return {s.id: _week_calendar(s.start_date, s.end_date, info_of) for s in slots}


def _week_calendar(start: date, end: date, info_of) -> WeekCalendar:
    info = WeekCalendar(known=True, workdays=0)
    cur = start
    while cur <= end:
        try:
            day = info_of(cur)
        except workcal.UnknownYear as exc:
            if exc.year not in info.unknown_years:
                info.unknown_years.append(exc.year)
            info.known = False
            cur += timedelta(days=1)
            continue
        if day.workday:
            info.workdays += 1
            if cur.weekday() >= 5:
                info.extra_workdays.append((cur, day.reason))
        elif cur.weekday() < 5:
            info.off_days.append((cur, day.reason))
        cur += timedelta(days=1)
    if not info.known:
        info.workdays = None
    return info


def calendar_unknown_years(years) -> list[int]:
    return [y for y in sorted(set(years)) if not workcal.year_known(y)]


def slots_for_year(year: int) -> list[Slot]:
    """The year's slots with their units, inspectors and lead office loaded (a fixed number of queries)."""
    q = select(Slot).where(Slot.year == year).order_by(Slot.month, Slot.week)
    return db.session.scalars(_with_units(q)).all()


def year_plan(year: int) -> tuple[list[Slot], dict[int, list]]:
    """The year's slots for the grid and the print view, and {slot id: its units in plan order}.

    The slots come with inspectors and lead office; their units as light rows (id, name, kind), not ORM
    objects: a province's year holds ~3,000 slot-unit rows. Four queries, whatever the plan's size.
    """
    slots = db.session.scalars(select(Slot).where(Slot.year == year).order_by(Slot.month, Slot.week)
                               .options(selectinload(Slot.inspectors), selectinload(Slot.lead_office))).all()
    units: dict[int, list] = {s.id: [] for s in slots}
    if slots:
        rows = db.session.execute(select(SlotUnit.slot_id, Unit.id, Unit.name, Unit.kind)
                                  .join(Unit, Unit.id == SlotUnit.unit_id).join(Slot, Slot.id == SlotUnit.slot_id)
                                  .where(Slot.year == year).order_by(SlotUnit.slot_id, SlotUnit.position))
        for row in rows:
            units[row.slot_id].append(row)
    return slots, units


def years_with_slots() -> list[int]:
    return list(db.session.scalars(select(Slot.year).distinct().order_by(Slot.year)))


def slots_between(start: date, end: date) -> list[Slot]:
    """Slots whose Monday-Friday overlaps [start, end]."""
    return db.session.scalars(_with_units(select(Slot).where(Slot.start_date <= end, Slot.end_date >= start)
                                          .order_by(Slot.start_date))).all()


def _with_units(q):
    """Load each slot's units (and inspectors) with the slots: a slot's units number ~60 at province scale,
    and statuses and panels read them all (one lazy load per unit otherwise)."""
    return q.options(selectinload(Slot.entries).joinedload(SlotUnit.unit), selectinload(Slot.inspectors),
                     selectinload(Slot.lead_office))


def slot_with_units(slot_id: int) -> Slot | None:
    """One slot with its units (~60 at province scale), inspectors and lead office loaded."""
    return db.session.scalars(_with_units(select(Slot).where(Slot.id == slot_id))).first()


def slots_for_unit(unit_id: int, year: int | None = None) -> list[Slot]:
    q = select(Slot).join(SlotUnit).where(SlotUnit.unit_id == unit_id)
    if year is not None:
        q = q.where(Slot.year == year)
    return db.session.scalars(_with_units(q.order_by(Slot.start_date))).all()


def slots_for_inspector(user: User, year: int | None = None, newest_first: bool = False) -> list[Slot]:
    q = select(Slot).where(Slot.inspectors.any(User.id == user.id))
    if year is not None:
        q = q.where(Slot.year == year)
    order = Slot.start_date.desc() if newest_first else Slot.start_date
    return db.session.scalars(_with_units(q.order_by(order))).all()


def inspector_years(user: User) -> list[int]:
    """The years in which `user` has weeks, newest first."""
    return list(db.session.scalars(select(Slot.year).where(Slot.inspectors.any(User.id == user.id))
                                   .distinct().order_by(Slot.year.desc())))


def visits_for_slots(slot_ids) -> list:
    """The visits recorded against the slots (asked of the visits part: signals.slot_visits_wanted)."""
    ids = tuple(sorted({i for i in slot_ids if i is not None}))
    if not ids:
        return []
    return [v for found in answers(signals.slot_visits_wanted, ids) for v in found]


def submitted_pairs(slot_ids) -> set[tuple[int, int]]:
    """{(slot_id, unit_id)} with a submitted visit recorded against the slot (asked of the visits part:
    signals.slot_units_done_wanted; it reads two columns, not whole visits)."""
    ids = tuple(sorted({i for i in slot_ids if i is not None}))
    if not ids:
        return set()
    return set().union(*answers(signals.slot_units_done_wanted, ids))


def slot_statuses(slots, today: date | None = None, units: dict | None = None) -> dict[int, SlotStatus]:
    """planned / done / missed for each slot, derived from visits (never stored).

    done: every unit of the slot has a submitted visit recorded against the slot;
    missed: the week is over and it is not done; planned otherwise.
    units: {slot id: rows with .id} (year_plan's) instead of each slot's loaded units.
    """
    today = today or local_today()
    submitted = submitted_pairs([s.id for s in slots])
    out = {}
    for s in slots:
        unit_ids = [u.id for u in (units[s.id] if units is not None else s.units)]
        if unit_ids and all((s.id, uid) in submitted for uid in unit_ids):
            out[s.id] = SlotStatus.done
        elif s.end_date < today:
            out[s.id] = SlotStatus.missed
        else:
            out[s.id] = SlotStatus.planned
    return out


def slot_status(slot: Slot, today: date | None = None) -> SlotStatus:
    return slot_statuses([slot], today)[slot.id]


@dataclass
class PlannedSlot:
    month: int
    week: int
    start: date | None
    end: date | None
    rows: list[PlanRow]
    names: list[str]
    cal: WeekCalendar | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.month, self.week)

    @property
    def label(self) -> str:
        return f"{month_label(self.month)}{week_label(self.week)}"


@dataclass
class UnknownName:
    name: str
    key: str
    kind: str  # what a new unit would be: 乡镇 / 县直
    suggestions: list[Unit]
    where: str


@dataclass
class SlotChange:
    kind: str  # created / changed / moved / removed / unchanged
    label: str
    slot: Slot | None = None
    planned: PlannedSlot | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class VisitedRemoval:
    """A unit that leaves the plan although visits are recorded against its slot: the admin decides."""

    unit: Unit
    slot: Slot
    visits: int


@dataclass
class ImportPreview:
    year: int
    filename: str
    plan: ParsedPlan | None = None
    file_error: str = ""
    problems: list[Problem] = field(default_factory=list)
    slots: list[PlannedSlot] = field(default_factory=list)
    unknown: list[UnknownName] = field(default_factory=list)
    changes: list[SlotChange] = field(default_factory=list)
    visited_removals: list[VisitedRemoval] = field(default_factory=list)
    moved_visits: list[tuple[str, str, str, int]] = field(default_factory=list)  # unit, from, to, visits
    # internal, for commit: new slot key -> existing Slot reused for it
    _pairs: dict = field(default_factory=dict)
    _resolved: dict = field(default_factory=dict)  # name -> Unit (existing)
    _removed_slots: list = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.file_error and not self.errors

    @property
    def year_mismatch(self) -> str:
        """"" or why the chosen year looks wrong: the file's title (or name) names another year."""
        plan = self.plan
        if plan is None or plan.stated_year is None or plan.stated_year == self.year:
            return ""
        return (f"{plan.stated_from}写的是{plan.stated_year}年，与所选的计划年份{self.year}年不一致，"
                "可能选错了年份或文件。")

    def names(self) -> list[str]:
        return [n for s in self.slots for n in s.names]

    def counts(self) -> dict:
        names = self.names()
        kinds = defaultdict(int)
        for n in names:
            unit = self._resolved.get(n)
            kinds[unit.kind if unit is not None else guess_kind(n)] += 1
        return {"slots": len(self.slots), "units": len(names), "乡镇": kinds["乡镇"], "县直": kinds["县直"]}

    def changes_of(self, kind: str) -> list[SlotChange]:
        return [c for c in self.changes if c.kind == kind]


def name_key(name: str) -> str:
    """A stable form-field key for a unit name (names hold characters unfit for field names)."""
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def closest_units(name: str, limit: int = 5) -> list[Unit]:
    """Existing units whose names are closest to name (difflib), best first."""
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    core = _core_name(name)
    scored = []
    for u in units:
        ratio = max(difflib.SequenceMatcher(None, name, u.name).ratio(),
                    difflib.SequenceMatcher(None, core, _core_name(u.name)).ratio())
        scored.append((ratio, u))
    scored.sort(key=lambda x: (-x[0], x[1].name))
    return [u for r, u in scored[:limit] if r >= 0.3]


def _core_name(name: str) -> str:
    for prefix in ("中共鲁山县委", "鲁山县", "平顶山市", "市"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name


def resolve_unit(name: str) -> Unit | None:
    """The directory unit a plan name means: same name, else a remembered mapping."""
    unit = db.session.scalars(select(Unit).where(Unit.name == name)).first()
    if unit is not None:
        return unit
    alias = db.session.scalars(select(UnitAlias).where(UnitAlias.alias == name)).first()
    return alias.unit if alias is not None else None


def import_plan(filename: str, data: bytes, year: int, decisions: dict | None = None) -> ImportPreview:
    """Read a plan table and work out what loading it for `year` would do. Writes nothing.

    The preview lists every problem (file, row, cell), the unknown unit names with the closest existing
    ones, and the slots that would be created, changed, moved and removed. decisions (see commit_import)
    let the caller say how unknown names resolve; they only matter for the 乡镇/县直 counts here.
    """
    preview = ImportPreview(year=year, filename=filename)
    if not 2000 <= year <= 2100:
        preview.file_error = f"年份“{year}”不对。"
        return preview
    try:
        plan = read_plan(filename, data)
    except PlanFileError as exc:
        preview.file_error = str(exc)
        return preview
    preview.plan = plan
    preview.problems.extend(plan.problems)

    def problem(msg, row=None, cell="", severity="error"):
        preview.problems.append(Problem(msg, plan.filename, plan.where, row, cell, severity))

    # Rows -> slots (a key written twice is merged, with a warning).
    by_key: dict[tuple[int, int], PlannedSlot] = {}
    for r in plan.rows:
        try:
            start, end = week_dates(year, r.month, r.week)
        except ScheduleError as exc:
            problem(str(exc), r.row, r.week_ref)
            continue
        if (r.month, r.week) in by_key:
            first = by_key[(r.month, r.week)]
            problem(f"{month_label(r.month)}{week_label(r.week)}在第{first.rows[0].row}行已出现，已合并为一周。",
                    r.row, r.week_ref, "warning")
            first.rows.append(r)
            first.names.extend(r.units)
            continue
        ps = PlannedSlot(r.month, r.week, start, end, [r], list(r.units))
        by_key[ps.key] = ps
    preview.slots = sorted(by_key.values(), key=lambda s: s.key)
    if not preview.slots and not preview.errors:
        problem("没有读到任何计划行。")

    # Units: resolve, find duplicates, collect unknown names.
    decisions = decisions or {}
    unit_decisions = decisions.get("units", {})
    seen: dict = {}
    unknown: dict[str, UnknownName] = {}
    for ps in preview.slots:
        for r in ps.rows:
            for name, ref in zip(r.units, r.unit_refs or [""] * len(r.units)):
                unit = resolve_unit(name)
                if unit is not None:
                    preview._resolved[name] = unit
                    ident = ("unit", unit.id)
                    if not unit.active:
                        problem(f"“{name}”在单位名录中已停用。", r.row, ref, "warning")
                else:
                    choice = unit_decisions.get(name, "")
                    if choice.startswith("map:"):
                        mapped = db.session.get(Unit, int(choice[4:]))
                        if mapped is not None:
                            preview._resolved[name] = mapped
                            ident = ("unit", mapped.id)
                        else:
                            ident = ("new", name)
                    else:
                        ident = ("new", name)
                    if name not in unknown:
                        unknown[name] = UnknownName(name, name_key(name), guess_kind(name), closest_units(name),
                                                    f"第{r.row}行 {ref}".strip())
                if ident in seen:
                    first_label, first_row = seen[ident]
                    problem(f"“{name}”在一年中出现两次（第{first_row}行{first_label}，第{r.row}行{ps.label}）；"
                            "一个单位一年只安排一次。", r.row, ref)
                else:
                    seen[ident] = (ps.label, r.row)
    preview.unknown = list(unknown.values())

    # Working calendar: fewer than 3 working days is flagged; an unknown year is said, never guessed.
    unknown_years = set()
    for ps in preview.slots:
        ps.cal = week_calendar(ps.start, ps.end)
        r = ps.rows[0]
        if not ps.cal.known:
            unknown_years.update(ps.cal.unknown_years)
        elif ps.cal.too_few:
            problem(f"{ps.label}（{dates_text(ps.start, ps.end)}）只有{ps.cal.workdays}个工作日（少于{MIN_WORKDAYS}天）："
                    f"{ps.cal.message}。", r.row, r.week_ref, "warning")
    for y in sorted(unknown_years):
        problem(f"{y}年的法定节假日和调休安排尚未录入，无法检查各周的工作日。请先在“工作日历”页面录入{y}年的安排。",
                severity="warning")

    if preview.valid:
        _diff(preview, decisions)
    return preview


def _unit_ident(name: str, preview: ImportPreview):
    unit = preview._resolved.get(name)
    return unit.id if unit is not None else ("new", name)


def _diff(preview: ImportPreview, decisions: dict) -> None:
    """Pair new slots with existing ones: same month-week first, then the most shared units (a moved week)."""
    old_slots = slots_for_year(preview.year)
    old_by_key = {(s.month, s.week): s for s in old_slots}
    pairs: dict[tuple[int, int], Slot] = {}
    for ps in preview.slots:
        if ps.key in old_by_key:
            pairs[ps.key] = old_by_key[ps.key]
    free_old = [s for s in old_slots if (s.month, s.week) not in pairs]
    free_new = [ps for ps in preview.slots if ps.key not in pairs]
    candidates = []
    for ps in free_new:
        new_ids = {_unit_ident(n, preview) for n in ps.names}
        for s in free_old:
            overlap = len(new_ids & {u.id for u in s.units})
            if overlap:
                candidates.append((-overlap, ps.key, (s.month, s.week), ps, s))
    used_old = set()
    for _, _, _, ps, s in sorted(candidates, key=lambda c: c[:3]):
        if ps.key in pairs or s.id in used_old:
            continue
        pairs[ps.key] = s
        used_old.add(s.id)
    preview._pairs = pairs

    # Where each unit was and where it goes.
    old_home = {u.id: s for s in old_slots for u in s.units}
    new_home: dict = {}
    for ps in preview.slots:
        for n in ps.names:
            new_home[_unit_ident(n, preview)] = ps
    visits = visits_for_slots([s.id for s in old_slots])
    visit_count = defaultdict(int)
    for v in visits:
        visit_count[(v.slot_id, v.unit_id)] += 1

    for ps in preview.slots:
        slot = pairs.get(ps.key)
        new_names = ps.names
        if slot is None:
            preview.changes.append(SlotChange("created", ps.label, planned=ps, added=list(new_names)))
            continue
        old_names = [u.name for u in slot.units]
        resolved_new = [(preview._resolved[n].name if n in preview._resolved else n) for n in new_names]
        added = [n for n in resolved_new if n not in old_names]
        removed = [n for n in old_names if n not in resolved_new]
        moved = (slot.month, slot.week) != ps.key
        if moved:
            kind, note = "moved", f"由{slot.label}调整到{ps.label}，保留牵头科室、检查人员和检查记录"
        elif added or removed or old_names != resolved_new:
            kind, note = "changed", ""
        else:
            kind, note = "unchanged", ""
        preview.changes.append(SlotChange(kind, ps.label, slot=slot, planned=ps, added=added, removed=removed,
                                          note=note))

    paired_ids = {s.id for s in pairs.values()}
    for s in old_slots:
        if s.id not in paired_ids:
            preview._removed_slots.append(s)
            preview.changes.append(SlotChange("removed", s.label, slot=s, removed=[u.name for u in s.units]))

    for uid, s in old_home.items():
        unit = db.session.get(Unit, uid)
        target = new_home.get(uid)
        count = visit_count[(s.id, uid)]
        if target is None:
            if count:
                preview.visited_removals.append(VisitedRemoval(unit, s, count))
        elif pairs.get(target.key) is not s and count:
            preview.moved_visits.append((unit.name, s.label, target.label, count))
    visited_slots = {vr.slot.id for vr in preview.visited_removals}
    for ch in preview.changes:
        if ch.kind == "removed" and ch.slot.id in visited_slots:
            ch.note = "该周已有检查记录：选“保留在原周”的单位连同该周保留，其余删除"
    preview.changes.sort(key=lambda c: ("created", "moved", "changed", "removed", "unchanged").index(c.kind))


def inspectors_of_office(office_id: int) -> list[User]:
    return db.session.scalars(select(User).where(User.role == "inspector", User.active.is_(True),
                                                 User.office_id == office_id).order_by(User.id)).all()


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_feed_token(user: User) -> bool:
    return db.session.scalar(select(FeedToken.id).where(FeedToken.user_id == user.id)) is not None


def user_by_feed_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    tok = db.session.scalars(select(FeedToken).where(FeedToken.token_hash == feed_token_hash(token))).first()
    if tok is None or not tok.user.active or not can("schedule.own_weeks", user=tok.user):
        return None
    return tok.user
