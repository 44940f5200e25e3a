"""Panels the schedule adds to the role dashboard."""
from datetime import timedelta

from ..policy import can
from ..timeutil import today as local_today
from . import access  # noqa: F401  (declares the rules asked below)
from . import queries


def _context(slots, today):
    return {
        "slots": slots,
        "statuses": queries.slot_statuses(slots, today),
        "cals": queries.week_calendars(slots),
    }


def panels(user, today=None):
    """[(template_name, context)]: this and next week for staff, my weeks for inspectors, a unit's own visits."""
    today = today or local_today()
    out = []
    if can("schedule.view_plan", user=user):
        monday = today - timedelta(days=today.weekday())
        this_week = queries.slots_between(monday, monday + timedelta(days=6))
        next_week = queries.slots_between(monday + timedelta(days=7), monday + timedelta(days=13))
        ctx = _context(this_week + [s for s in next_week if s not in this_week], today)
        ctx.update(this_week=this_week, next_week=next_week, monday=monday, next_monday=monday + timedelta(days=7),
                   unknown_years=queries.calendar_unknown_years([monday.year, (monday + timedelta(days=13)).year]))
        out.append(("schedule/_panel_weeks.html", ctx))
    if can("schedule.own_weeks", user=user):
        mine = queries.slots_for_inspector(user)
        upcoming = [s for s in mine if s.end_date >= today][:3]
        ctx = _context(upcoming, today)
        ctx.update(total=len(mine), remaining=len([s for s in mine if s.end_date >= today]),
                   unknown_years=queries.calendar_unknown_years([s.year for s in upcoming]))
        out.append(("schedule/_panel_mine.html", ctx))
    if user.role == "unit" and user.unit_id:
        slots = [s for s in queries.slots_for_unit(user.unit_id) if s.year >= today.year]
        ctx = _context(slots, today)
        ctx.update(unit=user.unit, unknown_years=queries.calendar_unknown_years([s.year for s in slots]))
        out.append(("schedule/_panel_unit.html", ctx))
    return out
