"""我的检查周 (issue 15): newest first, one year at a time with a year filter; by default this year when it has
weeks, else the latest year that has."""
from datetime import date

from supervision.extensions import db
from supervision.schedule import operations, queries
from supervision.schedule import views
from tests.helpers import login, make_user


def _weeks(plan_2021, inspector):
    """The inspector on 三月第一周 and 六月第二周 of 2021, and on 四月第一周 of 2022."""
    by_key = {(s.month, s.week): s for s in plan_2021}
    for key in ((3, 1), (6, 2)):
        operations.assign_slot(by_key[key], None, [inspector])
    preview = queries.import_plan("2022.csv", "月份,周次,受监督单位\n四月,第一周,鲁山县司法局\n".encode(), 2022)
    operations.commit_import(preview, {"units": {"鲁山县司法局": "create"}})
    operations.assign_slot(queries.slots_for_year(2022)[0], None, [inspector])
    db.session.commit()


def _order(body, *labels):
    return [body.index(label) for label in labels]


def test_my_weeks_newest_first_with_a_year_filter(app, client, plan_2021, monkeypatch):
    inspector = make_user("inspector", display_name="张检查")
    _weeks(plan_2021, inspector)
    assert login(client, inspector.username).status_code == 302

    monkeypatch.setattr(views, "today", lambda: date(2026, 12, 1))  # no weeks this year: the latest year shows
    body = client.get("/schedule/mine").get_data(as_text=True)
    assert "2022年4月" in body and "2021年3月" not in body and "2021年6月" not in body
    assert "/schedule/mine?year=2021" in body and "/schedule/mine?year=2022" in body

    body = client.get("/schedule/mine?year=2021").get_data(as_text=True)
    assert "2022年4月" not in body
    june, march = _order(body, "2021年6月", "2021年3月")
    assert june < march  # newest first

    monkeypatch.setattr(views, "today", lambda: date(2021, 5, 1))  # this year has weeks: it is the default
    body = client.get("/schedule/mine").get_data(as_text=True)
    assert "2021年6月" in body and "2022年4月" not in body
    body = client.get("/schedule/mine?year=1999").get_data(as_text=True)  # a year without weeks: the default
    assert "2021年6月" in body
