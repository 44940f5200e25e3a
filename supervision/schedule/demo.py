"""Demo: the plan table of 鲁法政办〔2021〕4号 附件一 loaded as the current year's plan, offices assigned by rotation.

The shipped table (schedules/2021.csv) is imported for timeutil.today()'s year: the same 月份/周次, that year's
dates by the week rule (week N = the week of the month's Nth Monday). When this week or next week has no plan
week (the table has no 5th weeks, and ends in December's 3rd week), a demo week is added so that a newcomer's
dashboard shows work this week and next week. Idempotent: a second run adds nothing.
"""
import os
from datetime import date, timedelta

from .. import timeutil
from ..directory.models import Office, Unit
from ..extensions import db
from . import operations, queries
from .models import Slot

PLAN_2021 = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "schedules", "2021.csv")
# The demo inspector's office: the demo weeks added for this week and next week are its work.
DEMO_OFFICE = "行政执法协调监督室"
# Units the other demos visit on their own; a demo week takes others.
BUSY_UNITS = ("鲁山县瀼河乡人民政府", "鲁山县张良镇人民政府", "鲁山县下汤镇人民政府")


def load(echo):
    """Import the shipped table for the current year once (creating missing units), fill empty assignments by
    rotation, and make sure this week and next week have a plan week."""
    year = timeutil.today().year
    if not queries.slots_for_year(year):
        with open(PLAN_2021, "rb") as fh:
            data = fh.read()
        preview = queries.import_plan("2021.csv", data, year)
        if not preview.valid:
            raise RuntimeError(f"附带的计划表无法作为{year}年计划导入：" + "；".join(str(p) for p in preview.errors))
        operations.commit_import(preview, {"units": {u.name: "create" for u in preview.unknown}})
    filled = operations.rotate_offices(year)
    added = _current_weeks(timeutil.today())
    slots = queries.slots_for_year(year)
    units = {u.id for s in slots for u in s.units}
    echo(f"监督计划：{year}年 {len(slots)}周、{len(units)}家单位" + (f"，本次轮换分工{filled}周" if filled else "")
         + (f"，补充演示周{added}周（本周和下周）" if added else ""))


def _week_key(monday: date) -> tuple[int, int, int]:
    """(year, month, N) of the week starting `monday`: the month's Nth Monday."""
    return monday.year, monday.month, queries.mondays(monday.year, monday.month).index(monday) + 1


def _demo_units(n: int = 2) -> list[Unit]:
    taken = {su.unit_id for s in db.session.query(Slot).filter(Slot.start_date >= timeutil.today() - timedelta(days=7))
             for su in s.entries}
    units = (db.session.query(Unit).filter(Unit.active.is_(True), Unit.name.notin_(BUSY_UNITS))
             .order_by(Unit.id.desc()).all())
    return [u for u in units if u.id not in taken][:n] or units[:n]


def _current_weeks(today: date) -> int:
    """Add a demo plan week for this week and for next week when none covers them; staff the demo office's
    weeks with its inspectors once they exist. Returns the number of weeks added."""
    office = db.session.query(Office).filter_by(name=DEMO_OFFICE).first()
    monday = today - timedelta(days=today.weekday())
    added = 0
    for start in (monday, monday + timedelta(days=7)):
        slots = queries.slots_between(start, start + timedelta(days=6))
        if not slots:
            year, month, week = _week_key(start)
            slot = db.session.query(Slot).filter_by(year=year, month=month, week=week).first()
            if slot is None:  # (a slot with these numbers but moved dates is left alone)
                slot = Slot(year=year, month=month, week=week, start_date=start, end_date=start + timedelta(days=4),
                            lead_office=office)
                db.session.add(slot)
                operations._set_units(slot, _demo_units())
                db.session.flush()
                added += 1
                slots = [slot]
        for slot in slots:
            if office is not None and slot.lead_office_id in (None, office.id) and not slot.inspectors:
                people = queries.inspectors_of_office(office.id)
                if people:
                    operations.assign_slot(slot, office, people)
    db.session.flush()
    return added
