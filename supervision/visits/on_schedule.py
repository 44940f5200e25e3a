"""The visits part answers the schedule's questions and follows its changes (supervision/schedule/signals.py):
the schedule, a layer below, never imports visits. Connected when this module is imported (visits/__init__.py).
Each subscriber runs in the sender's transaction."""
from sqlalchemy import select

from ..extensions import db
from ..schedule import signals as schedule_signals
from .models import Visit, VisitStatus


def _visits_of_slots(slot_ids, **_):
    return db.session.scalars(select(Visit).where(Visit.slot_id.in_(list(slot_ids)))).all()


def _done_units_of_slots(slot_ids, **_):
    """(slot id, unit id) with a submitted visit recorded against the slot: two columns, not whole visits."""
    rows = db.session.execute(select(Visit.slot_id, Visit.unit_id).distinct()
                              .where(Visit.slot_id.in_(list(slot_ids)), Visit.status == VisitStatus.submitted.value))
    return {(slot_id, unit_id) for slot_id, unit_id in rows}


def _follow_moved_unit(unit_id, from_slot, to_slot, **_) -> int:
    """A unit's week moved in a re-imported plan: its visits move with it."""
    return db.session.query(Visit).filter(Visit.slot_id == from_slot.id, Visit.unit_id == unit_id).update(
        {Visit.slot_id: to_slot.id}, synchronize_session="fetch")


def _unlink_dropped_unit(unit_id, slot, **_) -> int:
    """The admin dropped a visited unit from its week: its visits stay, only no longer tied to the week."""
    return db.session.query(Visit).filter(Visit.slot_id == slot.id, Visit.unit_id == unit_id).update(
        {Visit.slot_id: None}, synchronize_session="fetch")


def _unlink_removed_slot(slot, **_) -> int:
    """A week leaves the plan: its visits stay, no longer tied to it."""
    return db.session.query(Visit).filter(Visit.slot_id == slot.id).update(
        {Visit.slot_id: None}, synchronize_session="fetch")


schedule_signals.slot_visits_wanted.connect(_visits_of_slots)
schedule_signals.slot_units_done_wanted.connect(_done_units_of_slots)
schedule_signals.unit_moved.connect(_follow_moved_unit)
schedule_signals.unit_left_slot.connect(_unlink_dropped_unit)
schedule_signals.slot_removing.connect(_unlink_removed_slot)
