"""Rules of the schedule: week dates, the working calendar of a week, import and re-import, assignment.

Write-side functions (commit_import, assign_slot, rotate_offices, override_slot_dates, reset_slot_dates,
new_feed_token, revoke_feed_token) check their rules, write the audit entry and leave the commit to the caller.
"""
import difflib
import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from .. import audit, workcal
from ..accounts.signals import credentials_revoked
from ..accounts.models import User
from ..directory.models import Office, Unit
from ..directory.service import create_unit, guess_kind, offices
from ..extensions import db
from ..timeutil import today as local_today
from .importers import ParsedPlan, PlanFileError, PlanRow, Problem, read_plan
from .models import FeedToken, Slot, SlotStatus, SlotUnit, UnitAlias, month_label, week_label

MIN_WORKDAYS = 3

__all__ = ["PlanFileError", "ScheduleError", "week_dates", "import_plan", "commit_import", "assign_slot",
           "rotate_offices", "override_slot_dates", "reset_slot_dates", "slot_statuses", "week_calendar"]


class ScheduleError(ValueError):
    """A rule of the schedule was broken; the message is for the user."""


# ---------------------------------------------------------------------------------------------- dates

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


# ---------------------------------------------------------------------------------------------- reading

def slots_for_year(year: int) -> list[Slot]:
    """The year's slots with their units, inspectors and lead office loaded (a fixed number of queries)."""
    q = select(Slot).where(Slot.year == year).order_by(Slot.month, Slot.week)
    return db.session.scalars(_with_units(q)).all()


def year_plan(year: int) -> tuple[list[Slot], dict[int, list]]:
    """The year's slots for the grid and the print view, and {slot id: its units in plan order}.

    The slots come with inspectors and lead office; their units as light rows (id, name, kind), not ORM
    objects: a province's year holds ~3,000 slot-unit rows. Four queries, whatever the plan's size.
    """
    from sqlalchemy.orm import selectinload

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
    from sqlalchemy.orm import selectinload

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


def _visit_model():
    try:
        from ..visits.models import Visit
    except ImportError:  # the visits part not built yet: no visits
        return None
    return Visit


def visits_for_slots(slot_ids) -> list:
    Visit = _visit_model()
    ids = [i for i in slot_ids if i is not None]
    if Visit is None or not ids:
        return []
    return db.session.scalars(select(Visit).where(Visit.slot_id.in_(ids))).all()


def submitted_pairs(slot_ids) -> set[tuple[int, int]]:
    """{(slot_id, unit_id)} with a submitted visit recorded against the slot: two columns, not whole visits."""
    Visit = _visit_model()
    ids = sorted({i for i in slot_ids if i is not None})
    if Visit is None or not ids:
        return set()
    rows = db.session.execute(select(Visit.slot_id, Visit.unit_id).distinct()
                              .where(Visit.slot_id.in_(ids), Visit.status == "submitted"))
    return {(slot_id, unit_id) for slot_id, unit_id in rows}


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


# ---------------------------------------------------------------------------------------------- import

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


def _loc(row: PlanRow, plan: ParsedPlan) -> tuple:
    return plan.filename, plan.where, row.row


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


def commit_import(preview: ImportPreview, decisions: dict | None = None, user=None) -> dict:
    """Apply a valid preview in the caller's transaction and return the summary.

    decisions = {"units": {name: "create" | "map:<unit id>"}, "visited": {unit_id: "keep" | "drop"}}.
    Every unknown name needs a decision. A unit leaving the plan with visits recorded is kept in its slot
    unless decided "drop" (its visits stay, only unlinked from the slot). Visits follow a unit that moves.
    """
    decisions = decisions or {}
    if not preview.valid:
        raise ScheduleError("计划表有错误，不能导入：" + "；".join(str(p) for p in preview.errors[:5]))
    unit_decisions = decisions.get("units", {})
    visited_decisions = {int(k): v for k, v in decisions.get("visited", {}).items()}
    missing = [u.name for u in preview.unknown if u.name not in preview._resolved and not unit_decisions.get(u.name)]
    if missing:
        raise ScheduleError("以下单位不在单位名录中，请选择新建或对应到已有单位：" + "、".join(missing))
    year = preview.year

    # Units: create, or map (and remember the mapping).
    for u in preview.unknown:
        if u.name in preview._resolved and not unit_decisions.get(u.name, "").startswith("map:"):
            continue
        choice = unit_decisions.get(u.name, "")
        if choice.startswith("map:"):
            target = db.session.get(Unit, int(choice[4:]))
            if target is None:
                raise ScheduleError(f"“{u.name}”要对应的单位不存在。")
            if db.session.scalars(select(UnitAlias).where(UnitAlias.alias == u.name)).first() is None:
                db.session.add(UnitAlias(alias=u.name, unit_id=target.id))
                audit.record("map_unit", record_type="schedule_unit_alias", record_id=target.id, user=user,
                             summary=f"计划表中的“{u.name}”对应到单位“{target.name}”",
                             after={"alias": u.name, "unit": target.name})
            preview._resolved[u.name] = target
        elif choice == "create":
            preview._resolved[u.name] = create_unit({"name": u.name, "kind": guess_kind(u.name)})
        else:
            raise ScheduleError(f"“{u.name}”的处理方式不明。")
    db.session.flush()

    old_slots = slots_for_year(year)
    old_home = {u.id: s for s in old_slots for u in s.units}
    targets: dict[tuple[int, int], Slot] = {}
    created = moved = changed = 0
    for ps in preview.slots:
        slot = preview._pairs.get(ps.key)
        if slot is None:
            slot = Slot(year=year, month=ps.month, week=ps.week, start_date=ps.start, end_date=ps.end)
            db.session.add(slot)
            created += 1
        elif (slot.month, slot.week) != ps.key:
            slot.month, slot.week = ps.month, ps.week
            slot.start_date, slot.end_date = ps.start, ps.end
            slot.dates_overridden, slot.override_note = False, ""
            moved += 1
        targets[ps.key] = slot
    db.session.flush()

    kept: dict[int, list[Unit]] = defaultdict(list)
    dropped: list[tuple[Unit, Slot]] = []
    for vr in preview.visited_removals:
        if visited_decisions.get(vr.unit.id, "keep") == "drop":
            dropped.append((vr.unit, vr.slot))
        else:
            kept[vr.slot.id].append(vr.unit)

    for ps in preview.slots:
        slot = targets[ps.key]
        units = [preview._resolved[n] for n in ps.names] + kept.pop(slot.id, [])
        before = [u.id for u in slot.units]
        _set_units(slot, units)
        if before and before != [u.id for u in units]:
            changed += 1
    db.session.flush()

    Visit = _visit_model()
    moved_visits = unlinked = 0
    if Visit is not None:
        for ps in preview.slots:
            slot = targets[ps.key]
            for u in slot.units:
                prev = old_home.get(u.id)
                if prev is not None and prev.id != slot.id:
                    moved_visits += db.session.query(Visit).filter(
                        Visit.slot_id == prev.id, Visit.unit_id == u.id).update(
                        {Visit.slot_id: slot.id}, synchronize_session="fetch")
        for unit, slot in dropped:
            unlinked += db.session.query(Visit).filter(Visit.slot_id == slot.id, Visit.unit_id == unit.id).update(
                {Visit.slot_id: None}, synchronize_session="fetch")

    removed = 0
    target_ids = {s.id for s in targets.values()}
    for s in preview._removed_slots:
        if s.id in target_ids:
            continue
        if kept.get(s.id):
            _set_units(s, kept.pop(s.id))  # the admin kept units that were visited: the week stays
            continue
        if Visit is not None:
            unlinked += db.session.query(Visit).filter(Visit.slot_id == s.id).update(
                {Visit.slot_id: None}, synchronize_session="fetch")
        audit.record("delete", s, user=user, summary=f"{year}年计划删除{s.label}（{s.unit_names}）",
                     before={"units": [u.name for u in s.units], "lead_office_id": s.lead_office_id})
        db.session.delete(s)
        removed += 1
    db.session.flush()

    counts = preview.counts()
    summary = {"year": year, "file": preview.filename, "created": created, "moved": moved, "changed": changed,
               "removed": removed, "visits_moved": moved_visits, "visits_unlinked": unlinked, **counts}
    audit.record("import", record_type="schedule_slot", user=user,
                 summary=(f"导入{year}年日常监督分组计划表“{preview.filename}”：{counts['slots']}周、{counts['units']}家单位"
                          f"（新建{created}、调整{moved}、变更{changed}、删除{removed}）"),
                 after=summary)
    return summary


def _set_units(slot: Slot, units: list[Unit]) -> None:
    """Replace the slot's units, reusing existing rows so (slot, unit) keys never clash in one flush."""
    existing = {e.unit_id: e for e in slot.entries if e.unit_id is not None}
    entries = [existing.get(u.id) or SlotUnit(unit=u) for u in units]
    slot.entries = entries
    slot.entries.reorder()


def load_file(path: str, year: int, create_units: bool = False, user=None) -> tuple[ImportPreview, dict | None]:
    """Read and, if valid and every unit resolves, commit a plan file (CLI and demo). Caller commits."""
    with open(path, "rb") as fh:
        data = fh.read()
    import os

    name = os.path.basename(path)
    preview = import_plan(name, data, year)
    if not preview.valid:
        return preview, None
    decisions = {"units": {u.name: "create" for u in preview.unknown}} if create_units else {}
    if not create_units and preview.unknown:
        return preview, None
    return preview, commit_import(preview, decisions, user=user)


# ---------------------------------------------------------------------------------------------- assignment

def assign_slot(slot: Slot, office: Office | None, inspectors: list[User], user=None) -> Slot:
    """Set the lead office and inspectors of a slot."""
    for u in inspectors:
        if u.role != "inspector" or not u.active:
            raise ScheduleError(f"“{u.name}”不是在用的检查组成员，不能安排检查。")
    before = {"lead_office": slot.lead_office.name if slot.lead_office else None,
              "inspectors": [u.name for u in slot.inspectors]}
    slot.lead_office = office
    slot.inspectors = list(inspectors)
    after = {"lead_office": office.name if office else None, "inspectors": [u.name for u in inspectors]}
    audit.record("assign", slot, user=user, summary=f"{slot.title}分工：{after['lead_office'] or '未定'}，"
                 f"检查人员{'、'.join(after['inspectors']) or '未定'}", before=before, after=after)
    return slot


def inspectors_of_office(office_id: int) -> list[User]:
    return db.session.scalars(select(User).where(User.role == "inspector", User.active.is_(True),
                                                 User.office_id == office_id).order_by(User.id)).all()


def rotate_offices(year: int, assign_inspectors: bool = True, user=None) -> int:
    """Fill empty lead offices by rotating the three offices week by week (and empty inspector lists
    with the lead office's inspectors). Filled assignments are left alone. Returns slots changed."""
    slots = slots_for_year(year)
    if not slots:
        raise ScheduleError(f"{year}年还没有计划，无法轮换分工。")
    offs = offices()
    if not offs:
        raise ScheduleError("还没有科室，无法轮换分工。")
    changed = {}
    for i, slot in enumerate(slots):
        did = False
        if slot.lead_office_id is None:
            slot.lead_office = offs[i % len(offs)]
            did = True
        if assign_inspectors and not slot.inspectors and slot.lead_office is not None:
            people = inspectors_of_office(slot.lead_office.id)
            if people:
                slot.inspectors = people
                did = True
        if did:
            changed[slot.label] = {"lead_office": slot.lead_office.name,
                                   "inspectors": [u.name for u in slot.inspectors]}
    if changed:
        audit.record("rotate", record_type="schedule_slot", user=user,
                     summary=f"{year}年计划按三个科室轮换分工，填补{len(changed)}周", after=changed)
    return len(changed)


def override_slot_dates(slot: Slot, start: date, end: date, note: str = "", user=None) -> Slot:
    """Give one slot dates other than the rule's (e.g. a week moved for a holiday); marked as overridden."""
    if end < start:
        raise ScheduleError("结束日期不能早于开始日期。")
    if (end - start).days > 13:
        raise ScheduleError("一个检查周不能超过两周。")
    if start.year != slot.year and end.year != slot.year:
        raise ScheduleError(f"日期应在{slot.year}年内。")
    before = {"start_date": slot.start_date, "end_date": slot.end_date, "overridden": slot.dates_overridden}
    slot.start_date, slot.end_date = start, end
    slot.dates_overridden = True
    slot.override_note = note.strip()[:200]
    audit.record("override_dates", slot, user=user, summary=f"{slot.title}日期改为{dates_text(start, end)}"
                 + (f"（{slot.override_note}）" if slot.override_note else ""),
                 before=before, after={"start_date": start, "end_date": end, "overridden": True})
    return slot


def reset_slot_dates(slot: Slot, user=None) -> Slot:
    """Back to the rule's Monday-Friday."""
    start, end = week_dates(slot.year, slot.month, slot.week)
    before = {"start_date": slot.start_date, "end_date": slot.end_date, "overridden": slot.dates_overridden}
    slot.start_date, slot.end_date = start, end
    slot.dates_overridden, slot.override_note = False, ""
    audit.record("reset_dates", slot, user=user, summary=f"{slot.title}日期恢复为{dates_text(start, end)}",
                 before=before, after={"start_date": start, "end_date": end, "overridden": False})
    return slot


# ---------------------------------------------------------------------------------------------- feed

def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_feed_token(user: User) -> bool:
    return db.session.scalar(select(FeedToken.id).where(FeedToken.user_id == user.id)) is not None


def new_feed_token(user: User) -> str:
    """A new .ics feed secret for the user (the old address, if any, stops working). Only its hash is kept:
    the secret is returned to be shown this once."""
    token = secrets.token_urlsafe(24)
    tok = db.session.scalars(select(FeedToken).where(FeedToken.user_id == user.id)).first()
    if tok is None:
        db.session.add(FeedToken(user_id=user.id, token_hash=feed_token_hash(token)))
        audit.record("create_feed", record_type="schedule_feed_token", record_id=user.id,
                     summary=f"为{user.name}生成日历订阅地址")
    else:
        tok.token_hash = feed_token_hash(token)
        audit.record("reset_feed", record_type="schedule_feed_token", record_id=user.id,
                     summary=f"重置{user.name}的日历订阅地址（旧地址失效）")
    db.session.flush()
    return token


def revoke_feed_token(user: User, why: str) -> bool:
    """The user's feed address stops working for good (a later one must be made anew). True if there was one."""
    tok = db.session.scalars(select(FeedToken).where(FeedToken.user_id == user.id)).first()
    if tok is None:
        return False
    db.session.delete(tok)
    audit.record("revoke_feed", record_type="schedule_feed_token", record_id=user.id,
                 summary=f"{user.name}的日历订阅地址已作废（{why}）")
    db.session.flush()
    return True


def _on_credentials_revoked(user: User, why: str) -> None:
    revoke_feed_token(user, why)


credentials_revoked.connect(_on_credentials_revoked)


def user_by_feed_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    tok = db.session.scalars(select(FeedToken).where(FeedToken.token_hash == feed_token_hash(token))).first()
    if tok is None or not tok.user.active or tok.user.role != "inspector":
        return None
    return tok.user
