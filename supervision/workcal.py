"""China's working calendar: statutory holidays and 调休 working days.

Source of truth, in order: days the admin entered (CalendarDay, from the State Council notice) ->
the `chinesecalendar` package (knows 2004-2026 in 1.11.0). A year neither knows raises UnknownYear:
the app never silently treats a holiday as a working day.

A year the admin has entered is marked in CalendarYear; from then on, days of that year not listed
as holiday or workday follow the weekday rule (Mon-Fri work, Sat-Sun rest).
"""
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from blinker import Namespace
from sqlalchemy import Boolean, Date, Integer, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

HOLIDAY_NAMES_CN = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

WEEKDAYS_CN = "一二三四五六日"

# Sent by enter_year, inside the caller's transaction, once a year's holidays are recorded (sender: the year).
# Other parts subscribe (the letters compute the deadlines that were waiting for that year): the calendar knows
# nothing of them.
calendar_year_entered = Namespace().signal("calendar_year_entered")


class UnknownYear(Exception):
    """Neither the package nor the admin's entries know this year's holidays."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的法定节假日和调休安排尚未录入（chinesecalendar 只收录到"
            f"{package_last_year()}年）。请在“工作日历”页面按国务院办公厅通知录入{year}年的安排。"
        )


class CalendarYear(db.Model):
    """A year whose holidays the admin has entered in full."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(200), default="")  # e.g. 国办发明电〔2026〕×号


class CalendarDay(db.Model):
    """One day the admin entered: a holiday (kind='holiday') or a 调休 working day (kind='workday')."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday / workday
    name: Mapped[str] = mapped_column(String(50), default="")


@dataclass(frozen=True)
class DayInfo:
    day: date
    workday: bool
    reason: str  # 工作日 / 周末 / 国庆节 / 调休工作日 …
    source: str  # "package" / "admin"

    @property
    def holiday(self) -> bool:
        return not self.workday and self.reason not in ("周末",)


def package_last_year() -> int:
    """The last year chinesecalendar knows."""
    return max(d.year for d in chinese_calendar.holidays)


def package_first_year() -> int:
    return min(d.year for d in chinese_calendar.holidays)


def _admin_day(d: date):
    return db.session.get(CalendarDay, d)


def _admin_year(year: int):
    return db.session.get(CalendarYear, year)


def year_known(year: int) -> bool:
    if _admin_year(year) is not None:
        return True
    return package_first_year() <= year <= package_last_year()


def known_years(first: int, last: int) -> set[int]:
    """The years of [first, last] the calendar knows (the admin's and the package's), in one query."""
    admin = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.year.between(first, last))))
    return admin | {y for y in range(first, last + 1) if package_first_year() <= y <= package_last_year()}


def first_unknown_year(year: int, horizon: int = 5, known: set[int] | None = None) -> int | None:
    """The first year from `year` on (within `horizon` years) whose working calendar nobody knows; None if all
    are known. `known`: the known years already read (known_years), to ask no query."""
    for y in range(year, year + horizon + 1):
        if not (y in known if known is not None else year_known(y)):
            return y
    return None


def day_info(d: date) -> DayInfo:
    """Whether d is a working day and why. Raises UnknownYear for a year nobody knows."""
    entry = _admin_day(d)
    return _decide(d, (entry.kind, entry.name) if entry is not None else None, _admin_year(d.year) is not None)


def day_reader(first: date, last: date):
    """A function d -> day_info(d), for many days: the admin's entries of [first, last] read here in two queries
    (day_info asks twice per day; a year's plan has ~500 days), the same rule (_decide) applied. Days outside the
    range are asked of day_info."""
    days = {d: (kind, name) for d, kind, name in db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(CalendarDay.day.between(first, last)))}
    years = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.year.between(first.year, last.year))))

    def info_of(d: date) -> DayInfo:
        if not first <= d <= last:
            return day_info(d)
        return _decide(d, days.get(d), d.year in years)

    return info_of


def _decide(d: date, entry: tuple[str, str] | None, admin_year: bool) -> DayInfo:
    """The rule: the admin's entry for the day (kind, name), else the admin's year (Monday–Friday), else
    chinesecalendar; UnknownYear when none knows the year."""
    if entry is not None:
        kind, name = entry
        if kind == "workday":
            return DayInfo(d, True, "调休工作日" + (f"（{name}）" if name else ""), "admin")
        return DayInfo(d, False, name or "法定节假日", "admin")
    if admin_year:
        return DayInfo(d, d.weekday() < 5, "工作日" if d.weekday() < 5 else "周末", "admin")
    try:
        workday = chinese_calendar.is_workday(d)
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        raise UnknownYear(d.year) from None
    if workday:
        if d.weekday() >= 5:
            label = HOLIDAY_NAMES_CN.get(name, name) if name else ""
            return DayInfo(d, True, "调休工作日" + (f"（{label}）" if label else ""), "package")
        return DayInfo(d, True, "工作日", "package")
    if on_holiday and name:
        return DayInfo(d, False, HOLIDAY_NAMES_CN.get(name, name), "package")
    return DayInfo(d, False, "周末", "package")


def is_workday(d: date) -> bool:
    return day_info(d).workday


def next_workday(d: date, *, include_self: bool = True) -> date:
    """The first working day on or after d (after d when include_self is False)."""
    cur = d if include_self else d + timedelta(days=1)
    while not is_workday(cur):
        cur += timedelta(days=1)
    return cur


def describe(d: date) -> str:
    """One line for people and the CLI: 2021年10月1日（星期五）：休息日 — 国庆节; a plain working day is just 工作日."""
    head = f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS_CN[d.weekday()]}）"
    try:
        info = day_info(d)
    except UnknownYear as exc:
        return f"{head}：未知 — {exc}"
    kind = "工作日" if info.workday else "休息日"
    return f"{head}：{kind}" if info.reason == kind else f"{head}：{kind} — {info.reason}"


_ENTRY_LOCK = 0x5E71  # advisory lock of entering a year (PostgreSQL)


def lock_entries() -> None:
    """Wait for a year being entered in another transaction to commit, and keep others from entering one until this
    transaction ends (PostgreSQL; SQLite serialises writers). enter_year takes it; so does a receipt that found its
    deadline's year unknown, before asking again: otherwise a receipt and the entry of its year, committed at the
    same moment, would each miss the other and leave the deadline pending with the year known."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ENTRY_LOCK})


def enter_year(year: int, holidays: list[tuple[date, str]], workdays: list[tuple[date, str]],
               source: str = "") -> list[str]:
    """Record a year's holidays and 调休 working days from the State Council notice (replaces earlier entries).

    Then tells the subscribers of calendar_year_entered, in the same transaction (the caller commits both), and
    returns what they report (sentences for the admin, e.g. how many deadlines were computed)."""
    for d, _ in list(holidays) + list(workdays):
        if d.year != year:
            raise ValueError(f"日期 {d.isoformat()} 不属于 {year} 年")
    lock_entries()
    db.session.query(CalendarDay).filter(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).delete()
    for d, name in holidays:
        db.session.add(CalendarDay(day=d, kind="holiday", name=name))
    for d, name in workdays:
        db.session.add(CalendarDay(day=d, kind="workday", name=name))
    yr = _admin_year(year) or CalendarYear(year=year)
    yr.complete = True
    yr.source = source
    db.session.add(yr)
    db.session.flush()
    return [said for _receiver, said in calendar_year_entered.send(year) if said]
