"""China's working calendar: the package's years, 调休, and a year only the admin's entry makes known."""
from datetime import date

import pytest

from supervision import workcal
from supervision.extensions import db
from supervision.schedule import queries
from tests.helpers import login_as


def test_national_day_is_a_holiday(ctx):
    info = workcal.day_info(date(2021, 10, 1))
    assert not info.workday and info.reason == "国庆节"
    assert workcal.describe(date(2021, 10, 1)) == "2021年10月1日（星期五）：休息日 — 国庆节"
    assert workcal.describe(date(2021, 10, 8)) == "2021年10月8日（星期五）：工作日"  # not 工作日 — 工作日


def test_adjusted_saturday_is_a_working_day(ctx):
    info = workcal.day_info(date(2021, 10, 9))
    assert date(2021, 10, 9).weekday() == 5
    assert info.workday and info.reason.startswith("调休工作日")
    assert workcal.day_info(date(2021, 10, 16)).reason == "周末"


def test_unknown_year_raises_and_is_never_guessed(ctx):
    assert not workcal.year_known(2027)
    with pytest.raises(workcal.UnknownYear, match="2027年的法定节假日和调休安排尚未录入"):
        workcal.day_info(date(2027, 10, 1))
    cal = queries.week_calendar(date(2027, 10, 4), date(2027, 10, 8))
    assert not cal.known and cal.workdays is None and cal.unknown_years == [2027]


def test_admin_enters_2027_on_the_page_and_it_is_known_afterwards(app, client):
    with app.app_context():
        login_as(client, "admin")
    body = client.get("/calendar/?date=2027-10-01").get_data(as_text=True)
    assert "未知" in body and "2027年的法定节假日和调休安排尚未录入" in body
    resp = client.post("/calendar/", data={
        "year": "2027", "source": "国办发明电〔2026〕×号",
        "holidays": "2027-01-01 元旦\n2027-02-05~2027-02-11 春节\n2027-10-01至2027-10-07 国庆节",
        "workdays": "2027-02-20 春节调休",
    })
    assert resp.status_code == 302
    body = client.get("/calendar/?date=2027-10-01").get_data(as_text=True)
    assert "2027年10月1日（星期五）：休息日 — 国庆节" in body
    with app.app_context():
        assert workcal.year_known(2027)
        assert workcal.day_info(date(2027, 1, 1)).reason == "元旦"
        assert workcal.day_info(date(2027, 2, 20)).workday  # a Saturday worked in lieu
        assert workcal.day_info(date(2027, 2, 8)).reason == "春节"
        assert workcal.day_info(date(2027, 3, 1)).workday
        assert not workcal.day_info(date(2027, 3, 6)).workday  # an ordinary Saturday
        cal = queries.week_calendar(date(2027, 10, 4), date(2027, 10, 8))
        assert cal.known and cal.workdays == 1


def test_bad_lines_are_refused_and_nothing_is_written(app, client):
    with app.app_context():
        login_as(client, "admin")
    resp = client.post("/calendar/", data={"year": "2027", "holidays": "2027-01-01 元旦\n2026-12-31 跨年\n明年元旦",
                                           "workdays": "2027-03-03 周三"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "没有保存" in body
    assert "不属于2027年" in body and "看不懂" in body and "本来就是工作日" in body
    with app.app_context():
        assert not workcal.year_known(2027)
        assert db.session.get(workcal.CalendarDay, date(2027, 1, 1)) is None


def test_calendar_page_is_admin_only(app, client):
    with app.app_context():
        login_as(client, "inspector")
    assert client.get("/calendar/").status_code == 403
