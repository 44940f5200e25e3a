"""A revised table loaded again keeps assignments and recorded visits; visited units never vanish silently."""
from datetime import date

from sqlalchemy import select

from supervision.directory.models import Office, Unit
from supervision.directory import queries as directory_queries
from supervision.extensions import db
from supervision.schedule import operations, queries
from supervision.schedule.models import Slot, SlotStatus
from supervision.visits.models import Visit
from tests.helpers import make_user
from tests.schedule import builders

BLOCKS = builders.blocks_2021()


def _unit(name):
    return db.session.scalars(select(Unit).where(Unit.name == name)).one()


def _slot(month, week):
    return db.session.scalars(select(Slot).where(Slot.year == 2021, Slot.month == month, Slot.week == week)).first()


def _visit(slot, unit, status="submitted", day=None):
    from supervision.visits.operations import ensure_default_catalogue

    v = Visit(slot_id=slot.id, unit_id=unit.id, catalogue_id=ensure_default_catalogue().id, status=status,
              visit_date=day or slot.start_date)
    db.session.add(v)
    db.session.commit()
    return v


def _revised(edit):
    """The 2021 table with edit(list of [month, week, units]) applied, as UTF-8 CSV."""
    rows = [[m, w, list(u)] for m, w, u in builders.flat(BLOCKS)]
    rows = edit(rows)
    lines = ["月份,周次,受监督单位"] + [f"{m},{w},{'、'.join(u)}" for m, w, u in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _reimport(data, decisions=None):
    preview = queries.import_plan("修订.csv", data, 2021, decisions)
    assert preview.valid, [str(p) for p in preview.problems]
    summary = operations.commit_import(preview, decisions)
    db.session.commit()
    return preview, summary


def test_same_table_again_changes_nothing(plan_2021):
    operations.rotate_offices(2021)
    db.session.commit()
    zhangliang = _slot(3, 1)
    visit = _visit(zhangliang, _unit("鲁山县张良镇人民政府"))
    ids = [s.id for s in plan_2021]
    with open(builders.PLAN_2021, "rb") as fh:
        preview, summary = _reimport(fh.read())
    assert {c.kind for c in preview.changes} == {"unchanged"}
    assert [s.id for s in queries.slots_for_year(2021)] == ids
    assert db.session.get(Visit, visit.id).slot_id == zhangliang.id
    assert zhangliang.lead_office is not None


def test_moved_week_keeps_its_assignment_and_visits(plan_2021):
    inspector = make_user("inspector")
    slot = _slot(3, 1)
    office = db.session.scalars(select(Office)).first()
    operations.assign_slot(slot, office, [inspector])
    db.session.commit()
    visit = _visit(slot, _unit("鲁山县张良镇人民政府"))

    def move(rows):  # 张良镇 from 三月第一周 to 三月第五周 (2021-03-29..04-02)
        rows[0][1] = "第五周"
        return rows[1:4] + [rows[0]] + rows[4:]

    preview, summary = _reimport(_revised(move))
    assert [c.kind for c in preview.changes if c.kind != "unchanged"] == ["moved"]
    assert summary["moved"] == 1 and summary["removed"] == 0 and summary["created"] == 0
    moved = db.session.get(Slot, slot.id)
    assert (moved.month, moved.week) == (3, 5)
    assert (moved.start_date, moved.end_date) == (date(2021, 3, 29), date(2021, 4, 2))
    assert moved.lead_office_id == office.id and moved.inspectors == [inspector]
    assert db.session.get(Visit, visit.id).slot_id == slot.id
    assert _slot(3, 1) is None


def test_unit_moved_into_another_week_takes_its_visits_along(plan_2021):
    old = _slot(3, 1)
    target = _slot(3, 4)
    unit = _unit("鲁山县张良镇人民政府")
    visit = _visit(old, unit)

    def move(rows):  # 三月第一周 dropped; 张良镇 joins 张店乡 in 三月第四周
        rows[3][2].append("鲁山县张良镇人民政府")
        return rows[1:]

    preview, summary = _reimport(_revised(move))
    assert ("鲁山县张良镇人民政府", "3月第1周", "3月第4周", 1) in preview.moved_visits
    assert summary["visits_moved"] == 1 and summary["removed"] == 1
    assert db.session.get(Visit, visit.id).slot_id == target.id
    assert [u.name for u in db.session.get(Slot, target.id).units] == ["鲁山县张店乡人民政府", "鲁山县张良镇人民政府"]
    assert queries.slot_status(db.session.get(Slot, target.id), today=date(2021, 12, 31)) == SlotStatus.missed


def test_visited_unit_left_out_is_shown_and_kept_unless_the_admin_drops_it(plan_2021):
    slot = _slot(3, 1)
    unit = _unit("鲁山县张良镇人民政府")
    visit = _visit(slot, unit)
    data = _revised(lambda rows: rows[1:])

    preview = queries.import_plan("修订.csv", data, 2021)
    assert [(vr.unit.name, vr.slot.id, vr.visits) for vr in preview.visited_removals] == [(unit.name, slot.id, 1)]
    assert any(c.kind == "removed" and c.slot.id == slot.id for c in preview.changes)

    _reimport(data)  # no decision: kept
    assert db.session.get(Slot, slot.id) is not None
    assert [u.name for u in db.session.get(Slot, slot.id).units] == [unit.name]
    assert db.session.get(Visit, visit.id).slot_id == slot.id

    _reimport(data, {"visited": {unit.id: "drop"}})
    assert db.session.get(Slot, slot.id) is None
    kept = db.session.get(Visit, visit.id)
    assert kept is not None and kept.slot_id is None  # the record stays; only its link to the week goes
    assert all(unit not in s.units for s in queries.slots_for_year(2021))


def test_unvisited_unit_left_out_is_removed(plan_2021):
    _, summary = _reimport(_revised(lambda rows: rows[1:]))
    assert summary["removed"] == 1 and _slot(3, 1) is None


def test_status_is_derived_from_visits(plan_2021):
    slot = _slot(12, 3)  # 瀼河乡 and 熊背乡, 2021-12-20..24
    before, during, after = date(2021, 12, 1), date(2021, 12, 22), date(2021, 12, 31)
    assert queries.slot_status(slot, before) == SlotStatus.planned
    assert queries.slot_status(slot, after) == SlotStatus.missed
    _visit(slot, _unit("鲁山县瀼河乡人民政府"))
    _visit(slot, _unit("鲁山县熊背乡人民政府"), status="draft")
    assert queries.slot_status(slot, during) == SlotStatus.planned
    assert queries.slot_status(slot, after) == SlotStatus.missed
    draft = db.session.scalars(select(Visit).where(Visit.status == "draft")).one()
    draft.status = "submitted"
    db.session.commit()
    assert queries.slot_status(slot, after) == SlotStatus.done


def test_rotation_fills_only_empty_assignments(plan_2021):
    inspector = make_user("inspector")  # 行政执法协调监督室
    first = _slot(3, 1)
    offices = directory_queries.offices()
    operations.assign_slot(first, offices[2], [])
    db.session.commit()
    changed = operations.rotate_offices(2021)
    db.session.commit()
    slots = queries.slots_for_year(2021)
    assert changed == 37  # the first got its inspectors; the rest got an office (and inspectors where any)
    assert first.lead_office == offices[2]
    assert [s.lead_office for s in slots[1:4]] == [offices[1], offices[2], offices[0]]
    assert all((inspector in s.inspectors) == (s.lead_office == inspector.office) for s in slots)
    assert operations.rotate_offices(2021) == 0
