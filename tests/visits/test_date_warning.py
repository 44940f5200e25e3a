"""A clerk's slip caught (issue 15): a visit dated 2022-12-25 (a Sunday in December) for the week 2022年3月第3周
is not saved silently: the form comes back with a warning and a 「仍然保存」 box; ticked, the date is kept."""
from datetime import date

from supervision.extensions import db
from supervision.visits import operations, queries
from supervision.visits.models import Visit
from tests.helpers import login, make_unit, make_user

from .conftest import form_data, make_slot

SLIP = date(2022, 12, 25)


def _week(catalogue):
    inspector = make_user("inspector", display_name="张检查")
    unit = make_unit("鲁山县司法局")
    slot = make_slot([unit], [inspector], year=2022, month=3, week=3, start=date(2022, 3, 14), end=date(2022, 3, 18))
    return inspector, unit, slot


def test_date_warning_names_the_week_and_the_rest_day(catalogue):
    _, _, slot = _week(catalogue)
    text = queries.date_warning(SLIP, slot)
    assert "2022年12月25日" in text and "不在所属检查周（2022年3月第3周" in text and "休息日（周末）" in text
    assert "仍然保存" in text
    assert queries.date_warning(date(2022, 3, 15), slot) == ""
    assert "休息日" in queries.date_warning(date(2022, 3, 19), slot)  # a Saturday
    assert queries.date_warning(date(2022, 10, 3), None).endswith("可能填错了。请核对日期；如确实如此，请勾选“日期无误，仍然保存”后再保存。")
    assert "国庆" in queries.date_warning(date(2022, 10, 3), None)


def test_unknown_calendar_year_checks_the_week_only(catalogue):
    from supervision import workcal

    year = workcal.package_last_year() + 5
    saturday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() == 5)
    assert queries.date_warning(saturday, None) == ""  # the calendar is unknown: no rest-day claim
    slot = make_slot([make_unit("鲁山县民政局")], year=year, month=4, week=1, start=date(year, 4, 5),
                     end=date(year, 4, 9))
    assert "不在所属检查周" in queries.date_warning(saturday, slot)


def test_new_visit_with_a_slip_asks_to_confirm(app, client, catalogue):
    inspector, unit, slot = _week(catalogue)
    assert login(client, inspector.username).status_code == 302
    form = {"kind": "routine", "unit_id": str(unit.id), "visit_date": SLIP.isoformat(), "slot_id": str(slot.id)}
    resp = client.post(f"/visits/new?slot={slot.id}", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "不在所属检查周" in body and 'name="confirm_date"' in body
    assert db.session.query(Visit).count() == 0
    resp = client.post(f"/visits/new?slot={slot.id}", data={**form, "confirm_date": "y"})
    assert resp.status_code == 302
    assert db.session.query(Visit).one().visit_date == SLIP


def test_editing_the_date_to_a_slip_asks_to_confirm(app, client, catalogue):
    inspector, unit, slot = _week(catalogue)
    visit = operations.create_visit(kind="routine", unit=unit, visit_date=date(2022, 3, 15), user=inspector, slot=slot)
    db.session.commit()
    assert login(client, inspector.username).status_code == 302
    data = form_data(visit, visit_date=SLIP.isoformat())
    resp = client.post(f"/visits/{visit.id}/edit", data=data, content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "2022年12月25日" in body and "日期无误，仍然保存" in body
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).visit_date == date(2022, 3, 15)
    # The ticked box keeps the slip; a later save that leaves the date alone is not asked again.
    resp = client.post(f"/visits/{visit.id}/edit", data={**data, "confirm_date": "y"},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.visit_date == SLIP
    resp = client.post(f"/visits/{visit.id}/edit", data=form_data(visit), content_type="multipart/form-data")
    assert resp.status_code == 302
