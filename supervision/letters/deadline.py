"""The rectification deadline: receipt date + period in calendar days, counted from the next day.

民法典 第二百零一条: a period in days starts the day after the event. 第二百零三条 (and 民事诉讼法
第八十五条): when the last day is a statutory rest day, the period ends on the first day after the rest.
Weekends are rest days; a 调休 working Saturday is a working day. The working calendar decides
(supervision.workcal); a year it does not know raises workcal.UnknownYear.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .. import workcal
from ..timeutil import cn_date
from .text import deadline_explanation


@dataclass(frozen=True)
class Deadline:
    start: date  # the day of receipt (签收 / 送达)
    days: int
    nominal: date  # start + days
    due: date  # the last day, after moving past rest days
    reason: str  # why nominal was (not) moved: 国庆节 / 周末 / 工作日 / 调休工作日…
    explanation: str

    @property
    def moved(self) -> bool:
        return self.due != self.nominal


def compute_deadline(start: date, days: int, verb: str = "签收") -> Deadline:
    """The deadline for a period of `days` calendar days beginning the day after `start`."""
    if days < 1:
        raise ValueError("期限天数至少为1天")
    nominal = start + timedelta(days=days)
    info = workcal.day_info(nominal)  # raises UnknownYear
    due = nominal if info.workday else workcal.next_workday(nominal)
    return Deadline(start=start, days=days, nominal=nominal, due=due, reason=info.reason,
                    explanation=deadline_explanation(start, days, nominal, due, info.reason, verb))


# --- a receipt whose deadline waits for the working calendar ------------------------------------------

def pending_label(year: int | None) -> str:
    """What is shown for the deadline of a received letter whose period ends in a year nobody knows yet."""
    return f"待定（{year}年工作日历未录入）" if year else "待定（工作日历未录入）"


def pending_note(start: date, days: int, year: int, verb: str = "签收") -> str:
    """The stored explanation (letter.deadline_note) while the deadline waits for `year`'s calendar."""
    return (f"{start.isoformat()} {verb} + {days} 日，期满日在{year}年；整改期限{pending_label(year)}，"
            f"录入{year}年节假日安排后自动计算")


def pending_year(receipt_date: date | None, known: set[int] | None = None) -> int | None:
    """The year whose calendar a received letter's deadline waits for: the first unknown one from its receipt."""
    return workcal.first_unknown_year(receipt_date.year, known=known) if receipt_date is not None else None


def deadline_text(deadline: date | None, receipt_date: date | None = None, known: set[int] | None = None) -> str:
    """整改期限 as shown on every page and export: the date, 待定（2027年工作日历未录入） for a received letter
    whose deadline is pending, or '' before receipt. `known`: workcal.known_years read once for many rows."""
    if deadline is not None:
        return cn_date(deadline)
    if receipt_date is not None:
        return pending_label(pending_year(receipt_date, known))
    return ""
