"""日常评价 pages: the office sees every unit and how its score was reached, a unit only its own; only the admin
saves the rules, a refused value is named and nothing is saved, and the save is audited."""
from datetime import date

from supervision.assessment.daily import DAILY_RULES
from supervision.assessment.daily_models import DailyRuleSetting
from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.rectification.models import SelfInspection
from supervision.timeutil import today
from tests.assessment.test_daily import visit
from supervision.directory.models import Unit
from tests.helpers import login, login_as, make_unit, make_user


def _csrf(client, url):
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _units(app):
    with app.app_context():
        a = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        b = make_unit("鲁山县教育体育局")
        visit(a, ["excellent", "good"], problems=["立行立改"], day=date(today().year, 1, 1))
        db.session.add(SelfInspection(unit_id=a.id, year=today().year, status="submitted",
                                      submitted_on=date(today().year, 1, 1)))
        db.session.commit()
        return a.id, b.id


def test_the_office_sees_every_unit_and_each_units_explanation(app, client):
    a, b = _units(app)
    login_as(client, "leader")
    page = client.get("/assessment/daily/").get_data(as_text=True)
    assert "鲁山县瀼河乡人民政府" in page and "鲁山县教育体育局" in page and "乡镇（街道）" in page
    assert "96.67%" in page  # 瀼河乡: 9 + 6 + 4 + 5 + 5 of 30 points
    assert "66.67%" in page  # 教育体育局: not visited (two rules 不适用), no 自查: 10 of 15
    by_name = client.get("/assessment/daily/?kind=县直").get_data(as_text=True)
    assert "鲁山县教育体育局" in by_name and "鲁山县瀼河乡人民政府" not in by_name
    by_score = client.get("/assessment/daily/?order=score").get_data(as_text=True)
    assert by_score.index("鲁山县瀼河乡人民政府") < by_score.index("鲁山县教育体育局")
    detail = client.get(f"/assessment/daily/unit/{a}").get_data(as_text=True)
    assert "本年度检查评价2项次：优1、良1、中0、差0，平均得分率90.00%" in detail
    assert "发现问题1个，立行立改1个" in detail and "得分率" in detail
    settings = client.get("/assessment/daily/settings").get_data(as_text=True)
    assert "监督检查评价" in settings and "保存规则" not in settings  # a leader reads, never edits
    assert client.post("/assessment/daily/settings", data={}).status_code == 403


def test_a_unit_sees_only_its_own_explanation(app, client):
    a, b = _units(app)
    with app.app_context():
        name = make_user("unit", unit=db.session.get(Unit, a)).username
    login(client, name)
    mine = client.get("/assessment/daily/mine").get_data(as_text=True)
    assert "鲁山县瀼河乡人民政府" in mine and "鲁山县教育体育局" not in mine
    assert client.get(f"/assessment/daily/unit/{a}").status_code == 200
    assert client.get(f"/assessment/daily/unit/{b}").status_code == 404
    assert client.get("/assessment/daily/").status_code == 403


def test_the_admin_saves_the_rules_a_bad_value_is_named_and_nothing_is_saved(app, client):
    a, _ = _units(app)
    login_as(client, "admin")
    year = today().year
    url = f"/assessment/daily/settings?year={year}"
    token = _csrf(client, url)
    data = {"csrf_token": token}
    for code, weight in (("visit_ratings", "10"), ("letters_on_time", "6"), ("days_overdue", "4"),
                         ("self_inspection", "5"), ("fixed_on_spot", "5"), ("penalty_filings", "4"),
                         ("case_review", "4")):
        data[f"{code}-enabled"] = "1"
        data[f"{code}-weight"] = weight
    data.update({"visit_ratings-pct_excellent": "100", "visit_ratings-pct_good": "80", "visit_ratings-pct_fair": "60",
                 "visit_ratings-pct_poor": "0", "days_overdue-per_day": "0.2", "self_inspection-due_month": "3",
                 "self_inspection-due_day": "31", "self_inspection-late_percent": "50"})
    bad = dict(data, **{"visit_ratings-pct_good": "120"})
    r = client.post(url, data=bad)
    assert r.status_code == 400
    assert "“监督检查评价”的“良”得分比例：应在0至100之间，填写的是120。" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(DailyRuleSetting).count() == 0
    data["fixed_on_spot-enabled"] = ""
    data["visit_ratings-weight"] = "20"
    r = client.post(url, data=data)
    assert r.status_code == 302
    with app.app_context():
        assert db.session.query(DailyRuleSetting).filter_by(year=year).count() == len(DAILY_RULES)  # one row a rule
        assert db.session.query(AuditEntry).filter_by(action="save_daily_settings").count() == 1
    detail = client.get(f"/assessment/daily/unit/{a}").get_data(as_text=True)
    assert "立行立改" not in detail.split("计分规则")[0]  # switched off: not scored
    assert ">20.00<" in detail
