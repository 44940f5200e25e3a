"""The demo adds submitted visits with both dispositions (瀼河乡 among them); dashboards show visits."""
from datetime import date, datetime

from supervision import timeutil
from supervision.extensions import db
from supervision.visits import demo, operations
from supervision.visits.dashboard import panels
from supervision.visits.models import Disposition, Problem, Visit, VisitKind
from tests.helpers import login_as, make_unit, make_user
from tests.visits.conftest import make_slot


def test_demo_without_slots_is_idempotent_and_has_both_dispositions(ctx):
    make_user("inspector")
    lines = []
    demo.load(lines.append)
    demo.load(lines.append)
    visits = db.session.query(Visit).all()
    assert len(visits) == 3 and all(v.is_submitted for v in visits)
    assert {p.disposition for p in db.session.query(Problem)} == {Disposition.fixed.value, Disposition.letter.value}
    rang = next(v for v in visits if v.unit.name == "鲁山县瀼河乡人民政府")
    assert any(p.needs_letter for p in rang.problems)
    assert "新增演示检查记录 0 份" in lines[-1]


def test_demo_links_to_slots_when_the_plan_exists(ctx, monkeypatch):
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 12, 30, 10, tzinfo=timeutil.TZ))
    inspector = make_user("inspector")
    unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
    slot = make_slot([unit], [inspector], year=2026, month=12, week=3, start=date(2026, 12, 21),
                     end=date(2026, 12, 25))
    demo.load(lambda s: None)
    visit = db.session.query(Visit).filter_by(unit_id=unit.id).one()
    assert visit.slot_id == slot.id and visit.kind == "routine"
    assert slot.start_date <= visit.visit_date <= slot.end_date


def test_demo_visits_are_in_the_past_when_the_units_week_is_still_to_come(ctx, monkeypatch):
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 12, 1, 10, tzinfo=timeutil.TZ))
    inspector = make_user("inspector")
    unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
    make_slot([unit], [inspector], year=2026, month=12, week=3, start=date(2026, 12, 21), end=date(2026, 12, 25))
    demo.load(lambda s: None)
    visit = db.session.query(Visit).filter_by(unit_id=unit.id).one()
    assert visit.slot_id is None and date(2026, 1, 1) <= visit.visit_date < date(2026, 12, 1)


def test_dashboard_panels_by_role(app, client, plan):
    draft = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    db.session.commit()
    admin = make_user("admin")
    with app.test_request_context():
        mine = panels(plan.inspector)
        assert [t for t, _ in mine] == ["visits/_panel_visits.html"]
        assert mine[0][1]["visits"] == [draft]
        assert "visits/_panel_problems.html" in [t for t, _ in panels(admin)]
    login_as(client, "admin")
    assert "待下达意见书的问题" in client.get("/").get_data(as_text=True)
