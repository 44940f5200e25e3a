"""The year grid, print view and slot page at province scale: a fixed number of queries, whatever the plan holds;
the batched working calendar answers exactly as workcal does."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from supervision import workcal
from supervision.directory.models import Unit
from supervision.extensions import db
from supervision.schedule import queries
from supervision.schedule.models import Slot
from tests.helpers import login_as, make_user, office, sql_statements


def statements(app, client, url) -> tuple[int, str]:
    client.get(url)
    with sql_statements(app) as seen:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(seen), resp.get_data(as_text=True)


def add_weeks(app, months, units_per_week, prefix, visited=()):
    """A slot for week 1 and 2 of each month, with units, an office and an inspector; submitted visits for
    every unit of the slots whose (month, week) is in visited."""
    from supervision.visits.models import Visit
    from supervision.visits.operations import ensure_default_catalogue

    with app.app_context():
        inspector = make_user("inspector", display_name=f"{prefix}检查员")
        off = office()
        catalogue = ensure_default_catalogue()
        for m in months:
            for w in (1, 2):
                start, end = queries.week_dates(2021, m, w)
                units = [Unit(name=f"鲁山县{prefix}{m}月{w}周{i}" + ("镇人民政府" if i % 2 else "局"),
                              kind="乡镇" if i % 2 else "县直") for i in range(units_per_week)]
                slot = Slot(year=2021, month=m, week=w, start_date=start, end_date=end, lead_office=off,
                            inspectors=[inspector])
                slot.units = units
                db.session.add(slot)
                db.session.flush()
                if (m, w) in visited:
                    db.session.add_all([Visit(slot_id=slot.id, unit_id=u.id, catalogue_id=catalogue.id,
                                              status="submitted", visit_date=start) for u in units])
        db.session.commit()


def test_year_grid_statements_do_not_grow_with_the_plan(app, client):
    login_as(client, "admin")
    add_weeks(app, [3], 2, "甲", visited={(3, 1)})
    few, html = statements(app, client, "/schedule/?year=2021")
    assert "2周，4家单位（乡镇2家、县直2家）" in html
    add_weeks(app, [4, 5, 6, 7, 9, 10], 12, "乙", visited={(4, 2)})
    many, html = statements(app, client, "/schedule/?year=2021")
    assert many == few
    assert "14周，148家单位（乡镇74家、县直74家）" in html
    assert "鲁山县乙10月2周11镇人民政府" in html and "乙检查员" in html
    # Statuses read from the visits: the weeks with every unit visited are done, the rest (2021 is over) missed.
    assert html.count(">已完成<") == 2 and html.count(">已逾期未完成<") == 12
    # 六月第二周 holds 端午节, as the working calendar says.
    assert "6月14日放假（端午节），本周只有4个工作日" in html


def test_print_and_slot_page_statements_do_not_grow(app, client):
    login_as(client, "leader")
    add_weeks(app, [3], 2, "甲")
    few_print, _ = statements(app, client, "/schedule/print?year=2021")
    with app.app_context():
        first = db.session.scalars(select(Slot.id).order_by(Slot.id)).first()
    few_slot, _ = statements(app, client, f"/schedule/slot/{first}")
    add_weeks(app, [4, 5, 6], 30, "乙", visited={(4, 1)})
    many_print, html = statements(app, client, "/schedule/print?year=2021")
    assert many_print == few_print
    assert "注：共计有县直单位92家、乡镇92家。" in html and "鲁山县乙6月2周29镇人民政府" in html
    with app.app_context():
        big = db.session.scalars(select(Slot.id).where(Slot.month == 4, Slot.week == 1)).one()
    many_slot, html = statements(app, client, f"/schedule/slot/{big}")
    assert many_slot == few_slot
    assert "鲁山县乙4月1周29镇人民政府" in html and ">已完成<" in html


@pytest.fixture
def entered_2027(ctx):
    """2027 entered by the admin; one admin day inside a year the package knows (2021)."""
    workcal.enter_year(2027, holidays=[(date(2027, 1, 1), "元旦"), (date(2027, 2, 8), "春节"), (date(2027, 2, 9), "")],
                       workdays=[(date(2027, 2, 6), "春节"), (date(2027, 2, 20), "")], source="测试")
    db.session.add(workcal.CalendarDay(day=date(2021, 3, 3), kind="holiday", name="测试假日"))
    db.session.add(workcal.CalendarDay(day=date(2021, 3, 6), kind="workday", name="测试调休"))
    db.session.commit()


def _info_or_unknown(info_of, d):
    try:
        return info_of(d)
    except workcal.UnknownYear as exc:
        return ("unknown", exc.year)


def test_batched_calendar_answers_as_workcal_day_by_day(entered_2027):
    first, last = date(2020, 12, 20), date(2028, 1, 10)  # package years, an entered year, an unknown year
    info_of = workcal.day_reader(first, last)
    d = first
    differences = []
    while d <= last:
        if d.year in (2020, 2021, 2026, 2027, 2028):
            mine, theirs = _info_or_unknown(info_of, d), _info_or_unknown(workcal.day_info, d)
            if mine != theirs:
                differences.append((d, mine, theirs))
        d += timedelta(days=1)
    assert not differences, differences[:5]
    assert info_of(date(2021, 3, 3)).reason == "测试假日" and not info_of(date(2021, 3, 3)).workday
    assert info_of(date(2027, 2, 20)) == workcal.DayInfo(date(2027, 2, 20), True, "调休工作日", "admin")


def test_week_calendars_equal_week_calendar_for_each_slot(entered_2027):
    weeks = [(date(2021, 3, 1), date(2021, 3, 7)), (date(2021, 6, 14), date(2021, 6, 18)),
             (date(2021, 9, 27), date(2021, 10, 8)), (date(2026, 12, 28), date(2027, 1, 3)),
             (date(2027, 2, 1), date(2027, 2, 12)), (date(2027, 12, 27), date(2028, 1, 2)),
             (date(2028, 3, 6), date(2028, 3, 10))]
    slots = [SimpleNamespace(id=i, start_date=s, end_date=e) for i, (s, e) in enumerate(weeks)]
    cals = queries.week_calendars(slots)
    for s in slots:
        assert cals[s.id] == queries.week_calendar(s.start_date, s.end_date), s
    assert not cals[6].known and cals[6].unknown_years == [2028]
    assert cals[0].off_days == [(date(2021, 3, 3), "测试假日")]
    assert queries.week_calendars([]) == {}


def test_import_preview_offers_every_unit_once_escaped(app, client, ctx):
    admin = make_user("admin")
    db.session.add_all([Unit(name="鲁山县<b>粗</b>局", kind="县直"), Unit(name="鲁山县司法局", kind="县直")])
    db.session.commit()
    ids = dict(db.session.execute(select(Unit.name, Unit.id)).all())
    from tests.helpers import login

    login(client, admin.username)
    import io

    data = "月份,周次,受监督单位\n三月,第一周,鲁山县甲局、鲁山县乙局\n".encode()
    resp = client.post("/schedule/import", data={"year": "2021", "file": (io.BytesIO(data), "计划.csv")},
                       content_type="multipart/form-data")
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    option = f'<option value="map:{ids["鲁山县<b>粗</b>局"]}">鲁山县&lt;b&gt;粗&lt;/b&gt;局（县直）</option>'
    assert body.count(option) == 2  # one <select> per unknown name
    assert f'<option value="map:{ids["鲁山县司法局"]}">鲁山县司法局（县直）</option>' in body
    assert "<b>粗</b>" not in body
