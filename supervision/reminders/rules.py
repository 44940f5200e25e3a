"""The reminder rules: each a small function that, given the moment of a sweep, yields the reminders due by then.

A rule never keeps state: it works out from the data (slots, letters, the calendar) which reminders fall due
at which moment and yields those whose moment lies within the sweep's window (catch-up hours before `now` up to
`now`). Each reminder has a deterministic key — rule, recipient, subject record, due date — and the sweep
(jobs.run_due_reminders) inserts it under a unique constraint, so yielding it again later is harmless.

Non-working days: a "before" reminder (ahead of a date) falling on a rest day goes out on the previous working
day, an "after" reminder (once something has passed or begun) on the next one. Where the working calendar does
not know a year, weekends and 1 January, 1–3 May and 1–7 October count as rest days, and the sweep says so.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from .. import workcal
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..directory.queries import stored_profile
from ..extensions import db
from ..letters.models import Letter, LetterStatus
from ..rectification.queries import id_set, self_inspection_of, states_for
from ..rectification.standing import open_deadlines, open_letter_ids
from ..schedule.models import Slot
from ..timeutil import TZ, cn_date, to_local
from ..visits.catalogue_data import ITEMS
from ..visits.models import CheckCatalogue
from .models import SETTING_DEFAULTS

log = logging.getLogger("supervision.reminders")

WEEKDAYS = "一二三四五六日"
# Rest days assumed for a year the working calendar does not know (besides weekends).
FALLBACK_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3)} | {(10, d) for d in range(1, 8)}


class SettingsError(ValueError):
    """A setting cannot be used; the message (Chinese) says which and how to write it."""


TIME_RE = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*$")
MONTH_DAY_RE = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")


def parse_time(text: str, label: str = "时间") -> time:
    """'09:00' -> time(9, 0). Raises SettingsError with a clear message for anything else."""
    m = TIME_RE.match(text or "")
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        if h < 24 and mi < 60:
            return time(h, mi)
    raise SettingsError(f"{label}“{text}”不是有效的时间，请写成24小时制的“时:分”，例如 09:00。")


def parse_month_day(text: str, label: str = "日期") -> tuple[int, int]:
    """'03-01' -> (3, 1). Raises SettingsError for anything that is not a real day of every year."""
    m = MONTH_DAY_RE.match(text or "")
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        try:
            date(2021, month, day)  # not a leap year: 02-29 would be skipped in most years
            return month, day
        except ValueError:
            pass
    raise SettingsError(f"{label}“{text}”不是有效的月-日，请写成“月-日”，例如 03-01。")


def parse_offsets(text: str, label: str = "提前天数") -> list[int]:
    """'7,3,1' -> [7, 3, 1] (also with ，、 or spaces)."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text or "") if p]
    try:
        values = sorted({int(p) for p in parts}, reverse=True)
    except ValueError:
        values = []
    if not values or any(not 1 <= v <= 60 for v in values):
        raise SettingsError(f"{label}“{text}”应为1–60之间的整数，用逗号分隔，例如 7,3,1。")
    return values


@dataclass
class Reminder:
    """One reminder to one user. `send_at` is the local moment it falls due."""

    rule: str
    recipient: User
    subject: str  # the record it is about: slot-12, letter-5, year-2021
    due: date  # the date it is about (the week's Monday, the deadline, the weekly overdue date …)
    send_at: datetime
    title: str
    body: str = ""
    link: str = ""
    key: str = field(init=False)

    def __post_init__(self):
        self.key = make_key(self.rule, self.recipient.id, self.subject, self.due)


def make_key(rule: str, recipient_id: int, subject: str, due: date) -> str:
    """The reminder's identity: the same reminder always gets the same key, a different one never does."""
    return f"{rule}:{recipient_id}:{subject}:{due.isoformat()}"


class SweepContext:
    """What a rule needs: the moment, the window, the settings, and working-day arithmetic (cached per sweep)."""

    def __init__(self, now: datetime, settings, catch_up_hours: int | None = None):
        self.now = now
        self.settings = settings
        hours = catch_up_hours if catch_up_hours is not None else settings.catch_up_hours
        self.start = now - timedelta(hours=max(0, int(hours or 0)))
        self.errors: list[str] = []
        self.unknown_years: set[int] = set()
        self._workday: dict[date, bool] = {}
        self._times: dict[str, time] = {}
        self._unit_users: dict[int, list[User]] = {}

    def unit_users(self, unit_id: int) -> list[User]:
        """Every account of a unit, deactivated ones too (the sweep records those as skipped), asked once per unit
        per sweep (not once per letter)."""
        if unit_id not in self._unit_users:
            self.prefetch_unit_users([unit_id])
        return self._unit_users[unit_id]

    def prefetch_unit_users(self, unit_ids) -> None:
        """The accounts of these units in one query — a rule about to go through their letters — for unit_users."""
        wanted = sorted({u for u in unit_ids if u not in self._unit_users})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found: dict[int, list[User]] = {u: [] for u in chunk}
            for user in db.session.scalars(select(User).where(User.role == Role.unit.value, User.unit_id.in_(chunk))
                                           .order_by(User.id)):
                found[user.unit_id].append(user)
            self._unit_users.update(found)

    # ----------------------------------------------------------------------------------------- settings
    def time(self, name: str) -> time:
        """A time setting; a malformed one is reported once and its default used, so the sweep carries on."""
        if name not in self._times:
            raw = getattr(self.settings, name, None) or SETTING_DEFAULTS[name]
            try:
                self._times[name] = parse_time(raw, SETTING_LABELS.get(name, name))
            except SettingsError as exc:
                self.errors.append(f"设置错误：{exc}暂按默认 {SETTING_DEFAULTS[name]} 发送。")
                self._times[name] = parse_time(SETTING_DEFAULTS[name])
        return self._times[name]

    def month_day(self, name: str) -> tuple[int, int]:
        raw = getattr(self.settings, name, None) or SETTING_DEFAULTS[name]
        try:
            return parse_month_day(raw, SETTING_LABELS.get(name, name))
        except SettingsError as exc:
            self.errors.append(f"设置错误：{exc}暂按默认 {SETTING_DEFAULTS[name]}。")
            return parse_month_day(SETTING_DEFAULTS[name])

    def offsets(self) -> list[int]:
        try:
            return parse_offsets(self.settings.deadline_offsets or "", SETTING_LABELS["deadline_offsets"])
        except SettingsError as exc:
            self.errors.append(f"设置错误：{exc}暂按默认 {SETTING_DEFAULTS['deadline_offsets']}。")
            return parse_offsets(SETTING_DEFAULTS["deadline_offsets"])

    def number(self, name: str) -> int:
        value = getattr(self.settings, name, None)
        return int(value) if value is not None else int(SETTING_DEFAULTS[name])

    # ----------------------------------------------------------------------------------------- moments
    def at(self, day: date, time_setting: str) -> datetime:
        return datetime.combine(day, self.time(time_setting), tzinfo=TZ)

    def due(self, when: datetime) -> bool:
        """Within this sweep's window: not in the future, and not older than the catch-up window."""
        return self.start <= when <= self.now

    # ----------------------------------------------------------------------------------------- working days
    def is_workday(self, d: date) -> bool:
        if d not in self._workday:
            try:
                self._workday[d] = workcal.is_workday(d)
            except workcal.UnknownYear:
                if d.year not in self.unknown_years:
                    self.unknown_years.add(d.year)
                    log.warning("working calendar does not know %s; reminders use weekdays", d.year)
                self._workday[d] = d.weekday() < 5 and (d.month, d.day) not in FALLBACK_HOLIDAYS
        return self._workday[d]

    def before(self, d: date) -> date:
        """A "before" reminder's day: d, or the last working day before it."""
        while not self.is_workday(d):
            d -= timedelta(days=1)
        return d

    def after(self, d: date) -> date:
        """An "after" reminder's day: d, or the first working day after it."""
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def last_workday_before(self, d: date) -> date:
        return self.before(d - timedelta(days=1))

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after d."""
        while n > 0:
            d += timedelta(days=1)
            if self.is_workday(d):
                n -= 1
        return d


SETTING_LABELS = {
    "group_notice_time": "检查组周前提醒时间",
    "group_monday_time": "检查周当天提醒时间",
    "unit_notice_time": "单位检查周通知时间",
    "deadline_offsets": "整改期限提前提醒天数",
    "deadline_time": "整改期限提醒时间",
    "office_time": "监督室提醒时间",
    "selfcheck_notice_date": "自查提醒日期",
    "plan_notice_date": "年度计划提醒日期",
    "yearly_time": "年度提醒时间",
}


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    fn: Callable[[SweepContext], Iterable[Reminder]]


RULES: list[Rule] = []


def rule(code: str, label: str):
    """Register a rule function under a stable code (the code is part of every key it makes: never rename)."""

    def register(fn):
        RULES.append(Rule(code, label, fn))
        fn.code = code
        return fn

    return register


# Kinds of one-off messages (the first part of their key), registered by the part that sends them.
KIND_LABELS: dict[str, str] = {"test": "测试消息"}
UNKNOWN_KIND = "消息"


def register_kind(code: str, label: str) -> None:
    """Name a kind of one-off message a part sends with notify(key="<code>:...") for the inbox and the admin."""
    KIND_LABELS[code] = label


def rule_label(code: str) -> str:
    """The Chinese name of a reminder rule or message kind; a generic word, never the code, for an unknown one."""
    for r in RULES:
        if r.code == code:
            return r.label
    m = re.fullmatch(r"deadline-(\d+)d", code or "")
    if m:
        return f"受监督单位：整改期限前{m.group(1)}天"
    return KIND_LABELS.get(code, UNKNOWN_KIND)


# --------------------------------------------------------------------------------------------- helpers

def url(endpoint: str, **values) -> str:
    """The path of an endpoint without a request (the sweep runs outside one); '' when the part is not built."""
    try:
        adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT", "/"))
        return adapter.build(endpoint, values)
    except (BuildError, KeyError, ValueError):
        return ""


def weekday_date(d: date) -> str:
    return f"{cn_date(d)}（星期{WEEKDAYS[d.weekday()]}）"


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.admin.value).order_by(User.id)))


def check_item_names(year: int) -> list[str]:
    """The check items in force in `year`, read without writing (the catalogue may not be loaded yet)."""
    q = db.session.query(CheckCatalogue)
    cat = (q.filter(CheckCatalogue.year <= year)
           .order_by(CheckCatalogue.year.desc(), CheckCatalogue.version.desc()).first()
           or q.order_by(CheckCatalogue.year, CheckCatalogue.version).first())
    if cat is not None and cat.items:
        return [i.numbered_name for i in cat.items]
    nums = "一二三四五六七八九十"
    return [f"（{nums[i]}）{name}" for i, (_key, name, *_rest) in enumerate(ITEMS[:10])]


def _slots_starting(start: date, end: date) -> list:
    return list(db.session.scalars(select(Slot).where(Slot.start_date >= start, Slot.start_date <= end)
                                   .order_by(Slot.start_date, Slot.id)))


def slot_dates(slot) -> str:
    if slot.start_date.year == slot.end_date.year:
        return (f"{cn_date(slot.start_date)}（星期{WEEKDAYS[slot.start_date.weekday()]}）至"
                f"{slot.end_date.month}月{slot.end_date.day}日（星期{WEEKDAYS[slot.end_date.weekday()]}）")
    return f"{weekday_date(slot.start_date)}至{weekday_date(slot.end_date)}"


def slot_short_dates(slot) -> str:
    return f"{slot.start_date.month}月{slot.start_date.day}日—{slot.end_date.month}月{slot.end_date.day}日"


def slot_body(slot, intro: str) -> str:
    units = "、".join(u.name for u in slot.units) or "（未列单位）"
    inspectors = "、".join(u.name for u in slot.inspectors) or "（未指派）"
    lines = [
        intro,
        f"时间：{slot_dates(slot)}（{slot.title}）",
        f"受监督单位：{units}",
        f"牵头科室：{slot.lead_office.name if slot.lead_office else '（未指定）'}",
        f"检查组成员：{inspectors}",
        "检查内容：" + ("；".join(check_item_names(slot.year)) or "见年度检查内容"),
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- rule 1

@rule("group-before", "检查组：检查周前最后一个工作日")
def group_before_week(ctx: SweepContext) -> Iterator[Reminder]:
    """To the slot's inspectors, 09:00 on the last working day before the week: units, dates, office, items."""
    for slot in _slots_starting(ctx.start.date(), ctx.now.date() + timedelta(days=31)):
        send_at = ctx.at(ctx.last_workday_before(slot.start_date), "group_notice_time")
        if not ctx.due(send_at):
            continue
        units = "、".join(u.name for u in slot.units)
        title = f"检查提醒：{slot_short_dates(slot)}（{slot.label}）监督检查{units}"
        body = slot_body(slot, f"下周（{slot.label}）您所在的检查组按计划开展依法行政日常监督检查：")
        for user in slot.inspectors:
            yield Reminder("group-before", user, f"slot-{slot.id}", slot.start_date, send_at, title, body,
                           url("schedule.slot", slot_id=slot.id))


@rule("group-monday", "检查组：检查周第一个工作日早上")
def group_week_start(ctx: SweepContext) -> Iterator[Reminder]:
    """To the slot's inspectors on the morning of the week's first working day (the Monday, unless a holiday)."""
    for slot in _slots_starting(ctx.start.date() - timedelta(days=10), ctx.now.date()):
        day = ctx.after(slot.start_date)
        if day > slot.end_date:
            continue
        send_at = ctx.at(day, "group_monday_time")
        if not ctx.due(send_at):
            continue
        units = "、".join(u.name for u in slot.units)
        title = f"本周检查：{slot_short_dates(slot)}监督检查{units}"
        body = slot_body(slot, f"本周（{slot.label}）您所在的检查组开展依法行政日常监督检查：")
        for user in slot.inspectors:
            yield Reminder("group-monday", user, f"slot-{slot.id}", slot.start_date, send_at, title, body,
                           url("schedule.slot", slot_id=slot.id))


# --------------------------------------------------------------------------------------------- rule 2

@rule("unit-week", "受监督单位：检查周通知")
def unit_week_notice(ctx: SweepContext) -> Iterator[Reminder]:
    """To each planned unit's users, N days before its week (on by default; the admin can turn it off)."""
    if not ctx.settings.unit_notice_enabled:
        return
    days = ctx.number("unit_notice_days")
    for slot in _slots_starting(ctx.start.date(), ctx.now.date() + timedelta(days=days + 31)):
        send_at = ctx.at(ctx.before(slot.start_date - timedelta(days=days)), "unit_notice_time")
        if not ctx.due(send_at):
            continue
        title = f"监督检查通知：{slot_short_dates(slot)}对你单位开展依法行政日常监督检查"
        office = slot.lead_office.name if slot.lead_office else "县司法局"
        for unit in slot.units:
            if not unit.active:
                continue
            body = "\n".join([
                f"{unit.name}：",
                f"根据{slot.year}年依法行政日常监督分组计划，县司法局检查组（牵头科室：{office}）将于"
                f"{slot_dates(slot)}到你单位开展依法行政日常监督检查。",
                "检查内容：" + ("；".join(check_item_names(slot.year)) or "见年度检查内容"),
                "检查方式主要有听取汇报、查阅资料、调阅案卷、现场询问、公共法律知识考核等，请提前做好准备。",
            ])
            for user in ctx.unit_users(unit.id):
                yield Reminder("unit-week", user, f"slot-{slot.id}", slot.start_date, send_at, title, body,
                               url("main.index"))


# --------------------------------------------------------------------------------------------- letters

def _issued_letters(*conditions) -> list:
    # The items with the letters: deriving their states reads letter.items (one lazy load per letter otherwise).
    q = (select(Letter).where(Letter.status == LetterStatus.issued.value, *conditions).order_by(Letter.id)
         .options(selectinload(Letter.items), selectinload(Letter.unit)))
    return list(db.session.scalars(q))


def _open_letters(ctx: SweepContext, deadline_from: date | None = None, deadline_to: date | None = None) -> list:
    """(letter, deadline in force) of issued letters not 已办结, the deadline optionally within [from, to].

    The deadline is the letters part's (computed at receipt, letters.deadline); an approved extension (延期)
    moves it, as the rectification part derives. Worked out once per sweep (several rules ask) and kept as
    plain (id, deadline) pairs: holding the letter objects would make every per-reminder commit expire them all.
    """
    cached = getattr(ctx, "_open_letters_cache", None)
    if cached is None:
        cached = ctx._open_letters_cache = _all_open_letters(ctx)
    wanted = {lid: dl for lid, dl in cached
              if not (deadline_from and dl < deadline_from) and not (deadline_to and dl > deadline_to)}
    if not wanted:
        return []
    letters = list(db.session.scalars(select(Letter).where(Letter.id.in_(wanted)).order_by(Letter.id)
                                      .options(selectinload(Letter.unit))))
    ctx.prefetch_unit_users(x.unit_id for x in letters)
    return [(letter, wanted[letter.id]) for letter in letters]


def _all_open_letters(ctx: SweepContext) -> list[tuple[int, date]]:
    """The open letters' deadlines in force, as the rectification part keeps them (its stored states: derive's
    output after every change): one indexed read, so the sweep stays cheap when nothing is due."""
    return open_deadlines()


def _letter_link(letter) -> str:
    return url("letters.show", letter_id=letter.id)


# --------------------------------------------------------------------------------------------- rule 3

@rule("deadline-before", "受监督单位：整改期限临近")
def deadline_approaching(ctx: SweepContext) -> Iterator[Reminder]:
    """To the unit's users N days before the rectification deadline (7, 3, 1 by default)."""
    offsets = ctx.offsets()
    for letter, deadline in _open_letters(ctx, ctx.start.date(), ctx.now.date() + timedelta(days=max(offsets) + 31)):
        # Two offsets can land on the same working day (a Monday deadline: 1 day → Friday, 3 days → Friday):
        # send one, the nearer.
        by_day: dict[date, int] = {}
        for n in offsets:
            day = ctx.before(deadline - timedelta(days=n))
            if letter.receipt_date and day <= letter.receipt_date:
                continue
            by_day[day] = min(n, by_day.get(day, n))
        for day, n in sorted(by_day.items()):
            send_at = ctx.at(day, "deadline_time")
            if not ctx.due(send_at):
                continue
            left = (deadline - day).days
            title = f"整改期限提醒：{letter.number}还有{left}天到期（{cn_date(deadline)}）"
            body = "\n".join([
                f"{letter.unit.name}：",
                f"你单位{letter.receipt_label or '签收'}的{letter.title}（{letter.number}）整改期限为"
                f"{weekday_date(deadline)}，距今还有{left}天。",
                f"请在期限内将整改情况书面报送{_reply_place(ctx)}。",
                f"期限计算：{letter.deadline_note}" if letter.deadline_note else "",
            ]).strip()
            for user in ctx.unit_users(letter.unit_id):
                yield Reminder(f"deadline-{n}d", user, f"letter-{letter.id}", deadline, send_at, title, body,
                               _letter_link(letter))


@rule("deadline-passed", "受监督单位：整改期限已过")
def deadline_passed(ctx: SweepContext) -> Iterator[Reminder]:
    """To the unit's users the (working) day after the deadline passed without the letter being closed."""
    for letter, deadline in _open_letters(ctx, ctx.start.date() - timedelta(days=31), ctx.now.date()):
        send_at = ctx.at(ctx.after(deadline + timedelta(days=1)), "deadline_time")
        if not ctx.due(send_at):
            continue
        title = f"整改已逾期：{letter.number}的整改期限{cn_date(deadline)}已过"
        body = "\n".join([
            f"{letter.unit.name}：",
            f"你单位的{letter.title}（{letter.number}）整改期限已于{weekday_date(deadline)}届满，"
            "尚未完成整改报送。",
            f"请尽快将整改情况书面报送{_reply_place(ctx)}。",
        ])
        for user in ctx.unit_users(letter.unit_id):
            yield Reminder("deadline-passed", user, f"letter-{letter.id}", deadline, send_at, title, body,
                           _letter_link(letter))


def _reply_place(ctx: SweepContext | None = None) -> str:
    """Where replies go (the org profile), read once per sweep."""
    if ctx is not None:
        if not hasattr(ctx, "_reply_place"):
            ctx._reply_place = _reply_place()
        return ctx._reply_place
    profile = stored_profile()
    return profile.reply_place if profile is not None else "县司法局"


# --------------------------------------------------------------------------------------------- rule 4

@rule("office-overdue", "监督室：意见书逾期（次日起每周）")
def office_overdue_letters(ctx: SweepContext) -> Iterator[Reminder]:
    """To every admin: the day after a letter's deadline, then every week while it stays open."""
    every = max(1, ctx.number("overdue_repeat_days"))
    recipients = admins()
    for letter, deadline in _open_letters(ctx, None, ctx.now.date() - timedelta(days=1)):
        first = deadline + timedelta(days=1)
        k = max(0, (ctx.start.date() - first).days // every - 2)  # skip repeats long before the window
        while True:
            nominal = first + timedelta(days=k * every)
            if nominal > ctx.now.date() + timedelta(days=1):
                break
            k += 1
            send_at = ctx.at(ctx.after(nominal), "office_time")
            if not ctx.due(send_at):
                continue
            late = (send_at.date() - deadline).days
            title = f"意见书逾期：{letter.unit.name} {letter.number}已逾期{late}天"
            body = "\n".join([
                f"{letter.unit.name}的{letter.title}（{letter.number}）整改期限为{weekday_date(deadline)}，"
                f"至今已逾期{late}天，尚未办结。",
                f"签发日期：{cn_date(letter.issue_date)}；{letter.receipt_label or '签收'}日期：{cn_date(letter.receipt_date)}。",
            ])
            for user in recipients:
                yield Reminder("office-overdue", user, f"letter-{letter.id}", nominal, send_at, title, body,
                               _letter_link(letter))


@rule("office-unsigned", "监督室：意见书签发后未签收")
def office_unsigned_letters(ctx: SweepContext) -> Iterator[Reminder]:
    """To every admin, the working day after N working days (3) passed since issue without receipt."""
    n = ctx.number("unsigned_workdays")
    letters = db.session.scalars(select(Letter).where(
        Letter.status == LetterStatus.issued.value, Letter.receipt_date.is_(None), Letter.issue_date.is_not(None),
        Letter.issue_date >= ctx.start.date() - timedelta(days=3 * n + 31), Letter.issue_date <= ctx.now.date(),
    ).order_by(Letter.id))
    recipients = admins()
    for letter in letters:
        send_at = ctx.at(ctx.add_workdays(letter.issue_date, n + 1), "office_time")
        if not ctx.due(send_at):
            continue
        title = f"意见书未签收：{letter.unit.name} {letter.number}签发{n}个工作日后仍未签收"
        body = "\n".join([
            f"{letter.unit.name}的{letter.title}（{letter.number}）于{weekday_date(letter.issue_date)}签发，"
            f"已超过{n}个工作日仍未签收。",
            "请联系该单位在系统中签收，或送达纸质文书后登记送达日期（整改期限自签收或送达次日起算）。",
        ])
        for user in recipients:
            yield Reminder("office-unsigned", user, f"letter-{letter.id}", letter.issue_date, send_at, title, body,
                           _letter_link(letter))


@rule("office-review", "监督室：整改报告待审超期")
def office_reports_waiting(ctx: SweepContext) -> Iterator[Reminder]:
    """To every admin when a unit's rectification report has waited more than N working days (5) for review.

    A letter waits for review while its derived state is 已报送待审 (a submitted reply has no decision yet); the
    wait counts from its latest 报送.
    """
    # Only the letters whose stored state is 已报送待审, derived again here for their submissions.
    ids = open_letter_ids("submitted")
    letters = _issued_letters(id_set(Letter.id, ids)) if ids else []
    statuses = states_for(letters, ctx.now.date()) if letters else {}
    n = ctx.number("review_workdays")
    recipients = admins()
    for letter in letters:
        status = statuses.get(letter.id)
        if status is None or status.code != "submitted" or not status.submissions:
            continue
        sub = status.submissions[-1]
        if sub.submitted_on is None:
            continue
        send_at = ctx.at(ctx.add_workdays(sub.submitted_on, n + 1), "office_time")
        if not ctx.due(send_at):
            continue
        title = f"整改报告待审：{letter.unit.name} {letter.number}的整改报告已等待超过{n}个工作日"
        body = (f"{letter.unit.name}于{weekday_date(sub.submitted_on)}报送了{letter.title}（{letter.number}）的"
                f"整改情况（第{sub.round}次），已超过{n}个工作日尚未审核，请及时书面审阅或安排实地查验。")
        for user in recipients:
            yield Reminder("office-review", user, f"submission-{sub.id}", sub.submitted_on, send_at, title, body,
                           url("rectification.letter", letter_id=letter.id) or _letter_link(letter))


# --------------------------------------------------------------------------------------------- rule 5

def _years(ctx: SweepContext) -> range:
    return range(ctx.start.year, ctx.now.year + 1)


@rule("yearly-selfcheck", "受监督单位：每年3月自查和工作计划")
def yearly_self_check(ctx: SweepContext) -> Iterator[Reminder]:
    """To every active unit's users in March (四、(一) 自查阶段: 3月底之前 自查并编排计划表)."""
    month, day = ctx.month_day("selfcheck_notice_date")
    for year in _years(ctx):
        send_at = ctx.at(ctx.after(date(year, month, day)), "yearly_time")
        if not ctx.due(send_at):
            continue
        end = date(year, 3, 31)
        title = f"{year}年自查提醒：请于{cn_date(end)}前完成自查并编排全年工作计划"
        body = "\n".join([
            "根据《关于在全县开展依法行政监督考核的工作制度》四、（一）自查阶段：",
            f"各行政执法单位于{year}年3月底之前，对照工作要求对自身工作存在的或可能存在的问题进行梳理，"
            "将今年计划开展的工作编排计划表。",
            "请按期完成自查并报送自查报告和工作计划。",
        ])
        units = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))
        for unit in units:
            si = self_inspection_of(unit.id, year)
            if si is not None and not si.is_draft:
                continue  # already submitted its 自查 this year
            for user in ctx.unit_users(unit.id):
                yield Reminder("yearly-selfcheck", user, f"year-{year}", end, send_at, title, body, url("main.index"))


@rule("yearly-plan", "监督室：每年1月导入新年度计划")
def yearly_plan(ctx: SweepContext) -> Iterator[Reminder]:
    """To every admin in January, when the new year's 分组计划表 is not loaded yet."""
    month, day = ctx.month_day("plan_notice_date")
    for year in _years(ctx):
        send_at = ctx.at(ctx.after(date(year, month, day)), "yearly_time")
        if not ctx.due(send_at):
            continue
        if db.session.scalar(select(Slot.id).where(Slot.year == year).limit(1)) is not None:
            continue
        title = f"请导入{year}年依法行政日常监督分组计划表"
        body = (f"系统中还没有{year}年的日常监督分组计划。1月份至3月份为总结计划阶段，"
                f"请在收到{year}年的《依法行政日常监督分组计划表》后导入系统，并指派各周的牵头科室和检查组成员。")
        for user in admins():
            yield Reminder("yearly-plan", user, f"year-{year}", date(year, 1, 1), send_at, title, body,
                           url("schedule.import_upload"))


@rule("yearly-calendar", "监督室：新年度工作日历未录入")
def yearly_calendar(ctx: SweepContext) -> Iterator[Reminder]:
    """To every admin, when the working calendar does not know a year's holidays: on 1 December before it
    (the State Council notice usually comes out in November or December, and a 30-day rectification period
    counted in December already ends in the new year), and again in January."""
    month, day = ctx.month_day("plan_notice_date")
    for year in range(ctx.start.year, ctx.now.year + 2):
        if workcal.year_known(year):
            continue
        title = f"请录入{year}年法定节假日和调休安排"
        body = (f"工作日历还不知道{year}年的法定节假日和调休上班日（内置数据只到{workcal.package_last_year()}年）。"
                "在录入之前，跨入该年的整改期限无法计算（签收照常登记，期限待定），检查周和提醒也无法准确避开节假日。"
                "请按国务院办公厅的节假日安排通知，在“工作日历”页面录入。")
        for notice_day in (date(year - 1, 12, 1), date(year, month, day)):
            if notice_day > ctx.now.date():
                continue
            send_at = ctx.at(ctx.after(notice_day), "yearly_time")
            if not ctx.due(send_at):
                continue
            for user in admins():
                yield Reminder("yearly-calendar", user, f"year-{year}", notice_day, send_at, title, body,
                               url("workcal.index", year=year))


@rule("office-deadline-pending", "监督室：整改期限待定（工作日历未录入）")
def deadline_pending(ctx: SweepContext) -> Iterator[Reminder]:
    """To every admin, every working day while a received letter's deadline waits for a year's working calendar
    (its period ends in a year nobody has entered). One a day (the day is in the key). Where the calendar does not
    know the day itself, Monday to Friday."""
    pending = db.session.execute(select(Letter.id, Letter.number, Letter.receipt_date, Letter.received_at).where(
        Letter.status == LetterStatus.issued.value, Letter.receipt_date.is_not(None), Letter.deadline.is_(None))
        .order_by(Letter.id)).all()
    if not pending:
        return
    years = sorted({y for y in (workcal.first_unknown_year(r.receipt_date.year) for r in pending) if y})
    year_text = "、".join(f"{y}年" for y in years) or "新年度"
    shown = "、".join(r.number for r in pending[:10]) + (f"等{len(pending)}份" if len(pending) > 10 else "")
    title = f"请录入{year_text}工作日历：{len(pending)}份意见书的整改期限待定"
    body = "\n".join([
        f"{len(pending)}份已签收（送达）的意见书整改期限届满在{year_text}，因该年的法定节假日和调休安排尚未录入，"
        "整改期限暂定为“待定”：" + shown + "。",
        "请在“工作日历”页面粘贴国务院办公厅的节假日安排通知（或逐日录入）。录入后系统立即计算这些意见书的整改期限，"
        "并通知受文单位。",
    ])
    # Not for days before the first of them was recorded (the sweep's catch-up window reaches back).
    since = min(max(r.receipt_date, to_local(r.received_at).date() if r.received_at else r.receipt_date)
                for r in pending)
    day = max(ctx.start.date(), since)
    while day <= ctx.now.date():
        try:
            working = workcal.is_workday(day)
        except workcal.UnknownYear:
            working = day.weekday() < 5
        send_at = ctx.at(day, "office_time")
        if working and ctx.due(send_at):
            for user in admins():
                yield Reminder("office-deadline-pending", user, "calendar-pending", day, send_at, title, body,
                               url("workcal.index", year=years[0]) if years else url("workcal.index"))
        day += timedelta(days=1)
