"""The demo loads the shipped 2021 table once as the current year's plan and assigns offices by rotation;
this week and next week always have a plan week."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from supervision import timeutil
from supervision.directory.models import Unit
from supervision.extensions import db
from supervision.schedule import demo
from supervision.schedule import queries
from tests.helpers import make_user


@pytest.mark.parametrize("day, weeks, mine, added", [
    (date(2026, 6, 10), 37, 12, 0),  # June's 2nd and 3rd weeks are plan weeks
    (date(2026, 12, 1), 38, 13, 1),  # November's 5th week is not: a demo week for the demo office is added
])
def test_demo_is_idempotent_and_assigns_inspectors_once_they_exist(ctx, monkeypatch, day, weeks, mine, added):
    monkeypatch.setattr(timeutil, "now", lambda: datetime(day.year, day.month, day.day, 10, tzinfo=timeutil.TZ))
    lines = []
    demo.load(lines.append)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 55
    slots = queries.slots_for_year(2026)
    assert len(slots) == weeks and all(s.lead_office for s in slots) and not any(s.inspectors for s in slots)
    assert not queries.slots_for_year(2021)
    # the same 月份/周次, the year's dates by the week rule
    first = slots[0]
    assert (first.month, first.week) == (3, 1) and (first.start_date, first.end_date) == queries.week_dates(2026, 3, 1)
    inspector = make_user("inspector")
    demo.load(lines.append)
    db.session.commit()
    assert len(queries.slots_for_year(2026)) == weeks
    assert len(queries.slots_for_inspector(inspector)) == mine
    assert lines[0].startswith(f"监督计划：2026年 {weeks}周、55家单位")
    assert ("补充演示周" in lines[0]) == bool(added)
    monday = day - date.resolution * day.weekday()
    assert queries.slots_between(monday, monday + date.resolution * 6)
    assert queries.slots_between(monday + date.resolution * 7, monday + date.resolution * 13)
