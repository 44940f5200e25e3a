"""`flask --app wsgi demo` makes one current year: the plan of today's year with work this week and next week,
visits in past weeks, letters of the year in every state, a unit with something to do; idempotent, and it runs
in a year the working calendar does not know."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from supervision import demo, timeutil
from supervision.accounts.models import User
from supervision.extensions import db
from supervision.letters.models import Letter, LetterStatus
from supervision.rectification import operations as rect_ops, queries as rect_q
from supervision.schedule import dashboard as schedule_dashboard
from supervision.schedule.models import Slot
from supervision.visits.models import Visit
from tests.helpers import login

UNIT = "鲁山县瀼河乡人民政府"


def _today_is(monkeypatch, day: date) -> None:
    # timeutil.today() reads timeutil.now(); every `from timeutil import today` follows it too.
    monkeypatch.setattr(timeutil, "now", lambda: datetime(day.year, day.month, day.day, 10, 0, tzinfo=timeutil.TZ))


def _counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def _load() -> list[str]:
    lines = []
    demo.load(lines.append)
    return lines


@pytest.mark.parametrize("day", [date(2026, 12, 1), date(2026, 6, 10)])
def test_demo_twice_adds_nothing(ctx, monkeypatch, day):
    _today_is(monkeypatch, day)
    _load()
    first = _counts()
    lines = _load()
    assert _counts() == first, "\n".join(lines)
    assert first["schedule_slot"] >= 37 and first["visit"] > 10 and first["letter"] >= 10
    assert first["penalty_filing"] >= 5 and first["normative_filing"] >= 2  # the demo unit's filings


@pytest.mark.parametrize("day", [date(2026, 12, 1), date(2026, 6, 10), date(2026, 12, 28)])
def test_the_inspector_sees_work_this_week_and_next_week(ctx, client, monkeypatch, day):
    _today_is(monkeypatch, day)
    _load()
    db.session.commit()
    inspector = db.session.query(User).filter_by(username="inspector").one()
    (weeks,) = [c for t, c in schedule_dashboard.panels(inspector) if t == "schedule/_panel_weeks.html"]
    assert weeks["this_week"] and weeks["next_week"]
    assert all(s.year == day.year for s in weeks["this_week"])
    login(client, "inspector", demo.DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    for slot in weeks["this_week"] + weeks["next_week"]:
        assert slot.title in page or slot.label in page


def test_this_week_without_a_plan_week_is_the_demo_inspectors(ctx, client, monkeypatch):
    # 2026-11-30 is November's 5th Monday: the shipped table has no 5th weeks, the demo adds one.
    _today_is(monkeypatch, date(2026, 12, 1))
    _load()
    db.session.commit()
    inspector = db.session.query(User).filter_by(username="inspector").one()
    (weeks,) = [c for t, c in schedule_dashboard.panels(inspector) if t == "schedule/_panel_weeks.html"]
    (slot,) = weeks["this_week"]
    assert (slot.month, slot.week, slot.start_date) == (11, 5, date(2026, 11, 30))
    assert inspector in slot.inspectors and slot.units
    login(client, "inspector", demo.DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "11月第5周" in page and "张检查" in page


def test_past_weeks_are_visited_and_the_plan_is_this_years(ctx, monkeypatch):
    _today_is(monkeypatch, date(2026, 12, 1))
    _load()
    assert db.session.query(Slot).filter(Slot.year != 2026).count() == 0
    past = db.session.query(Slot).filter(Slot.end_date < date(2026, 12, 1)).all()
    visited = {v.slot_id for v in db.session.query(Visit).filter(Visit.slot_id.isnot(None))}
    assert len([s for s in past if s.id in visited]) >= len(past) - 1
    assert all(v.visit_date.year == 2026 for v in db.session.query(Visit))
    assert all(v.visit_date <= date(2026, 12, 1) for v in db.session.query(Visit) if v.is_submitted)


def test_the_unit_has_a_letter_to_sign_and_a_report_to_write(ctx, client, monkeypatch):
    _today_is(monkeypatch, date(2026, 12, 1))
    _load()
    db.session.commit()
    unit_user = db.session.query(User).filter_by(username="unit").one()
    letters = db.session.query(Letter).filter_by(unit_id=unit_user.unit_id, status=LetterStatus.issued.value).all()
    assert any(x.receipt_date is None for x in letters)
    states = rect_q.states_for(letters)
    assert any(states[x.id].label == "整改中" and not states[x.id].overdue for x in letters if x.receipt_date)
    login(client, "unit", demo.DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "待签收" in page and "整改中" in page


def test_letters_of_the_current_year_in_every_state(ctx, monkeypatch):
    _today_is(monkeypatch, date(2026, 12, 1))
    lines = _load()
    letters = db.session.query(Letter).all()
    statuses = {x.status for x in letters}
    assert statuses == {LetterStatus.draft.value, LetterStatus.issued.value, LetterStatus.voided.value}
    issued = [x for x in letters if x.is_issued]
    states = rect_q.states_for(issued)
    labels = {st.label for st in states.values()}
    assert {"待签收", "整改中", "已报送待审", "退回修改", "待实地查验", "已办结"} <= labels, "\n".join(lines)
    assert any(st.overdue for st in states.values())
    assert any(st.label == "整改中" and not st.overdue for st in states.values())
    for x in letters:
        assert x.visit.visit_date.year == 2026
        if not x.is_draft:
            assert x.year == 2026 and x.issue_date.year == 2026 and "〔2026〕" in x.number
        if x.receipt_date:
            assert x.receipt_date.year == 2026


@pytest.mark.parametrize("day", [date(2027, 3, 15), date(2027, 1, 6)])
def test_the_demo_runs_in_a_year_the_calendar_does_not_know(ctx, client, monkeypatch, day):
    _today_is(monkeypatch, day)
    _load()
    first = _counts()
    lines = _load()
    assert _counts() == first, "\n".join(lines)
    assert "演示账号" in "\n".join(lines)
    letters = db.session.query(Letter).all()
    assert letters and all(x.visit.visit_date.year == day.year for x in letters)
    assert all(x.year == day.year for x in letters if not x.is_draft)
    inspector = db.session.query(User).filter_by(username="inspector").one()
    (weeks,) = [c for t, c in schedule_dashboard.panels(inspector) if t == "schedule/_panel_weeks.html"]
    assert weeks["this_week"] and weeks["next_week"]
    db.session.commit()
    login(client, "unit", demo.DEMO_PASSWORD)
    assert client.get("/").status_code == 200
