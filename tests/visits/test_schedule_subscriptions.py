"""The visits part answers the schedule's questions and follows its changes (visits/on_schedule.py): the
schedule, a layer below, asks through its signals and never imports visits. Each test fails when its `connect`
line is removed."""
from datetime import date

from supervision.extensions import db
from supervision.schedule import queries as schedule_queries
from supervision.schedule import signals
from supervision.schedule.models import SlotStatus
from supervision.visits import operations
from supervision.visits.models import Visit
from tests.visits.conftest import complete_visit, make_slot


def _visit(plan, unit):
    visit = operations.create_visit(kind="routine", unit=unit, visit_date=date(2021, 4, 13), user=plan.inspector,
                                    slot=plan.slot)
    db.session.commit()
    return visit


def test_the_schedule_reads_the_visits_of_a_week(plan):
    visit = _visit(plan, plan.unit_a)
    assert schedule_queries.visits_for_slots([plan.slot.id]) == [visit]


def test_a_week_is_done_when_each_unit_has_a_submitted_visit(plan):
    for unit in (plan.unit_a, plan.unit_b):
        complete_visit(_visit(plan, unit), plan.inspector)
    assert schedule_queries.submitted_pairs([plan.slot.id]) == {(plan.slot.id, plan.unit_a.id),
                                                               (plan.slot.id, plan.unit_b.id)}
    assert schedule_queries.slot_status(plan.slot, today=date(2021, 12, 31)) == SlotStatus.done


def test_visits_follow_a_unit_whose_week_moves(plan):
    visit = _visit(plan, plan.unit_a)
    other = make_slot([plan.unit_a], month=5, week=1, start=date(2021, 5, 3), end=date(2021, 5, 7))
    assert signals.answers(signals.unit_moved, plan.unit_a.id, from_slot=plan.slot, to_slot=other) == [1]
    assert db.session.get(Visit, visit.id).slot_id == other.id


def test_visits_let_go_of_a_dropped_unit_and_of_a_removed_week(plan):
    a, b = _visit(plan, plan.unit_a), _visit(plan, plan.unit_b)
    assert signals.answers(signals.unit_left_slot, plan.unit_a.id, slot=plan.slot) == [1]
    db.session.expire_all()
    assert db.session.get(Visit, a.id).slot_id is None and db.session.get(Visit, b.id).slot_id == plan.slot.id
    assert signals.answers(signals.slot_removing, plan.slot) == [1]
    db.session.expire_all()
    assert db.session.get(Visit, b.id).slot_id is None
