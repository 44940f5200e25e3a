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
