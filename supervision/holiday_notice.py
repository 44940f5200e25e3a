"""国务院办公厅关于20XX年部分节假日安排的通知, read as published: every 放假 range and 上班 day of a year.

`parse_notice(text, year)` is pure (no database): it returns the holidays [(date, name)], the 调休 working days
[(date, name)] and, per numbered holiday sentence, what it understood. It refuses — NoticeError, naming the
sentence — anything it does not fully understand, a weekday in brackets that does not match its date, a 共N天
that is not the length of the range, a 上班 day inside a 放假 range. `enter_notice` records the result through
workcal.enter_year (which tells the parts waiting for the year, in the same transaction) and audits it.

The notices have one shape (2008–2026):
  一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
  二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
A date may carry its year (2011年12月31日), the end of a range its month (9月29日至10月6日); a range whose end
month is before its start month ends in the next year. Days outside the notice's year are reported, not entered
(they belong to that other year's calendar).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKDAYS_CN = "一二三四五六日"
_NUM = "一二三四五六七八九十"
_FULLWIDTH = str.maketrans("０１２３４５６７８９：，。（）", "0123456789：，。（）")

_TITLE = re.compile(r"关于\s*(\d{4})\s*年部分节假日安排的通知")
_ITEM = re.compile(rf"^([{_NUM}]+)、([^：:，。]{{1,20}})[：:](.*)$")
# A date as the notices write it: [2026年]1月1日[（周四）] — the bracket may hold 农历 words and the weekday.
_DATE = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:[（(]([^）)]*)[）)])?"
_END = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:[（(]([^）)]*)[）)])?"
_RANGE = re.compile(rf"^{_DATE}(?:(?:至|—|-|～|~){_END})?放假(调休)?[，,]共(\d+)天$")
_ONE_DATE = re.compile(rf"^{_DATE}$")
_DATE_LIKE = re.compile(r"\d{1,2}月|\d{1,2}日")
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")


class NoticeError(ValueError):
    """The notice cannot be used; the message (Chinese) names the sentence and what is wrong."""


@dataclass
class NoticeLine:
    """One numbered holiday sentence and what was understood of it."""

    number: str  # 一
    name: str  # 元旦
    sentence: str  # as written
    holidays: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)
    outside: list[date] = field(default_factory=list)  # days of another year, not entered
    explanation: str = ""


@dataclass
class Notice:
    year: int
    holidays: list[tuple[date, str]]
    workdays: list[tuple[date, str]]
    lines: list[NoticeLine]

    @property
    def explanations(self) -> list[str]:
        return [x.explanation for x in self.lines]


def cn_day(d: date, year: int | None = None) -> str:
    """1月4日（周日）; with the year when it is not the notice's."""
    head = f"{d.year}年" if year is not None and d.year != year else ""
    return f"{head}{d.month}月{d.day}日（周{WEEKDAYS_CN[d.weekday()]}）"


def _make_date(sentence: str, y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise NoticeError(f"“{sentence}”中的{y}年{m}月{d}日不存在。") from None


def _check_weekday(sentence: str, day: date, bracket: str | None, year: int) -> None:
    """The weekday in brackets (周四 / 星期四), when there is one, must be the date's."""
    if not bracket:
        return
    m = _WEEKDAY.search(bracket)
    if m is None:
        return
    said = "日" if m.group(1) == "天" else m.group(1)
    if WEEKDAYS_CN[day.weekday()] != said:
        raise NoticeError(f"“{sentence}”：{day.year}年{day.month}月{day.day}日是星期{WEEKDAYS_CN[day.weekday()]}，"
                          f"不是括号中写的“周{said}”。请核对年份和日期。")


def _normalise(text: str) -> str:
    text = (text or "").replace("\ufeff", "").translate(_FULLWIDTH)
    text = re.sub(r"[ \t\u3000\xa0]+", "", text)
    # Pasted from a web page, the numbered sentences may run together: one to a line.
    return re.sub(rf"(?<!\n)(?=(?:[{_NUM}]+)、[^：:，。\n]{{1,20}}[：:]\d)", "\n", text)


def _parse_range(sentence: str, m: re.Match, year: int) -> tuple[list[date], int, bool]:
    y1, m1, d1, b1, y2, m2, d2, b2, in_lieu, total = m.groups()
    start = _make_date(sentence, int(y1 or year), int(m1), int(d1))
    if d2 is None:
        end = start
    else:
        end_month = int(m2) if m2 else start.month
        end_year = int(y2) if y2 else start.year + (1 if end_month < start.month else 0)
        end = _make_date(sentence, end_year, end_month, int(d2))
    _check_weekday(sentence, start, b1, year)
    if d2 is not None:
        _check_weekday(sentence, end, b2, year)
    if end < start:
        raise NoticeError(f"“{sentence}”：放假结束日早于开始日。")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    if len(days) != int(total):
        raise NoticeError(f"“{sentence}”：{cn_day(start, year)}至{cn_day(end, year)}是{len(days)}天，"
                          f"与“共{total}天”不符。")
    return days, int(total), bool(in_lieu)


def _parse_workdays(sentence: str, year: int) -> list[date] | None:
    """「1月4日（周日）、2月28日（周六）上班」 -> the dates; None when the sentence is not of that shape."""
    if not sentence.endswith("上班"):
        return None
    body = sentence[:-2]
    parts = re.split(r"[、，,和及]", body)
    out = []
    for part in parts:
        m = _ONE_DATE.match(part)
        if m is None:
            return None
        y, mo, d, bracket = m.groups()
        day = _make_date(sentence, int(y or year), int(mo), int(d))
        _check_weekday(sentence, day, bracket, year)
        out.append(day)
    return out or None


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read the notice. The year comes from its title (关于2026年部分节假日安排的通知) or `year`; both given must
    agree. Raises NoticeError naming the sentence it cannot use."""
    text = _normalise(text)
    m = _TITLE.search(text)
    title_year = int(m.group(1)) if m else None
    if title_year and year and title_year != year:
        raise NoticeError(f"通知标题是{title_year}年的节假日安排，与要录入的{year}年不符。")
    year = year or title_year
    if not year:
        raise NoticeError("看不出是哪一年的通知：请连同标题（国务院办公厅关于20XX年部分节假日安排的通知）一起粘贴，"
                          "或填写年份。")
    lines: list[NoticeLine] = []
    holiday_of: dict[date, tuple[str, str]] = {}  # day -> (name, sentence)
    numbered = [(raw.strip(), m) for raw in text.splitlines() if (m := _ITEM.match(raw.strip())) is not None]
    for index, (raw, item) in enumerate(numbered):
        number, name, rest = item.groups()
        line = NoticeLine(number=number, name=name, sentence=raw)
        described = []
        sentences = [s for s in re.split(r"[。；;]", rest) if s]
        if not sentences:
            raise NoticeError(f"“{line.sentence}”没有写放假日期。")
        for position, s in enumerate(sentences):
            if (index == len(numbered) - 1 and position > 0 and described and not _DATE_LIKE.search(s)
                    and "放假" not in s and "上班" not in s):
                # Pasted as one paragraph, the last holiday runs into the closing words (鼓励单位和个人…): they
                # hold no date, 放假 or 上班, and end the holiday sentences.
                break
            r = _RANGE.match(s)
            try:
                days, total, in_lieu = _parse_range(s, r, year) if r is not None else (None, 0, False)
                work = _parse_workdays(s, year) if r is None else None
            except NoticeError as exc:
                raise NoticeError(f"第{number}条（{name}）{exc}") from None
            if r is not None:
                for d in days:
                    if d in holiday_of:
                        raise NoticeError(f"“{s}”：{cn_day(d, year)}已在“{holiday_of[d][1]}”中放假。")
                    holiday_of[d] = (name, s)
                    (line.holidays if d.year == year else line.outside).append(d)
                rest_days = sum(1 for d in days if d.weekday() >= 5)
                described.append(f"放假{cn_day(days[0], year)}至{cn_day(days[-1], year)}，共{total}天"
                                 f"（其中周末{rest_days}天{'，调休' if in_lieu else ''}）"
                                 if len(days) > 1 else f"放假{cn_day(days[0], year)}，共1天")
                continue
            if work is not None:
                for d in work:
                    if d.weekday() < 5:
                        raise NoticeError(f"“{s}”：{cn_day(d, year)}本来就是工作日，不是调休上班日。")
                    (line.workdays if d.year == year else line.outside).append(d)
                described.append("调休上班" + "、".join(cn_day(d, year) for d in work))
                continue
            raise NoticeError(f"“{line.sentence}”中的“{s}”看不懂：应写成“1月1日（周四）至3日（周六）放假调休，"
                              f"共3天”或“1月4日（周日）上班”。")
        if not line.holidays and not line.outside:
            raise NoticeError(f"“{line.sentence}”没有写放假日期。")
        if line.outside:
            described.append("不属于" + f"{year}年、未录入：" + "、".join(cn_day(d, year) for d in line.outside))
        line.explanation = f"{number}、{name}：" + "；".join(described) + "。"
        lines.append(line)
    if not lines:
        raise NoticeError("没有找到放假安排：通知中应有“一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。”"
                          "这样的编号句子。")
    for line in lines:
        for d in line.workdays:
            if d in holiday_of:
                raise NoticeError(f"“{line.sentence}”：上班日{cn_day(d, year)}在“{holiday_of[d][1]}”的放假期间内。")
    seen_work: set[date] = set()
    for line in lines:
        for d in line.workdays:
            if d in seen_work:
                raise NoticeError(f"“{line.sentence}”：上班日{cn_day(d, year)}重复。")
            seen_work.add(d)
    holidays = sorted((d, x.name) for x in lines for d in x.holidays)
    workdays = sorted((d, x.name) for x in lines for d in x.workdays)
    return Notice(year=year, holidays=holidays, workdays=workdays, lines=lines)


# --- the year month by month ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    day: date
    kind: str  # holiday / workday (调休上班) / weekend / normal
    name: str = ""

    @property
    def label(self) -> str:
        return {"holiday": f"{self.name}放假", "workday": f"{self.name}调休上班", "weekend": "周末",
                "normal": "工作日"}[self.kind]


def month_grids(year: int, holidays, workdays) -> list[tuple[int, list[list[Cell | None]]]]:
    """12 months of weeks (Monday first), each day a Cell; None pads the first and last weeks."""
    hol = dict(holidays)
    work = dict(workdays)
    out = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(None)
                elif d in hol:
                    row.append(Cell(d, "holiday", hol[d]))
                elif d in work:
                    row.append(Cell(d, "workday", work[d]))
                else:
                    row.append(Cell(d, "weekend" if d.weekday() >= 5 else "normal"))
            weeks.append(row)
        out.append((month, weeks))
    return out


def month_text(year: int, holidays, workdays) -> str:
    """The month view as text (the CLI's dry run): 休 a holiday, 班 a 调休 working day, 末 a weekend."""
    mark = {"holiday": "休", "workday": "班", "weekend": "末", "normal": "  "}
    lines = [f"{year}年（休 = 放假，班 = 调休上班，末 = 周末）"]
    for month, weeks in month_grids(year, holidays, workdays):
        lines.append("")
        lines.append(f"{month:>2}月 " + "  ".join(f"  {w}" for w in WEEKDAYS_CN))
        for week in weeks:
            cells = ["    " if c is None else f"{c.day.day:>2}{mark[c.kind]}" for c in week]
            lines.append("     " + "  ".join(cells).rstrip())
    return "\n".join(lines)


# --- entering it -----------------------------------------------------------------------------------------

def enter_notice(notice: Notice, source: str = "") -> list[str]:
    """Record the notice's year (workcal.enter_year: replaces earlier entries of that year, and the parts waiting
    for it act in this transaction) and audit it. Returns what those parts report. The caller commits."""
    from . import audit, workcal
    from .extensions import db
    from sqlalchemy import select

    before = db.session.execute(select(workcal.CalendarDay.day, workcal.CalendarDay.kind, workcal.CalendarDay.name)
                                .where(workcal.CalendarDay.day.between(date(notice.year, 1, 1),
                                                                        date(notice.year, 12, 31)))
                                .order_by(workcal.CalendarDay.day)).all()
    said = workcal.enter_year(notice.year, notice.holidays, notice.workdays,
                              source=(source or f"国务院办公厅关于{notice.year}年部分节假日安排的通知")[:200])
    audit.record("enter_year", record_type="calendar_year", record_id=notice.year,
                 summary=f"按国务院办公厅通知录入{notice.year}年节假日{len(notice.holidays)}天、"
                         f"调休上班{len(notice.workdays)}天",
                 before={"days": [f"{d} {k} {n}" for d, k, n in before]} if before else None,
                 after={"holidays": [f"{d} {n}" for d, n in notice.holidays],
                        "workdays": [f"{d} {n}" for d, n in notice.workdays],
                        "understood": notice.explanations})
    return said
