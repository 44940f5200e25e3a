"""The 考核 pages: the office runs a small year through the web, a unit sees only its own result and only from 反馈
on, the leader reads."""
import io
from datetime import date
from decimal import Decimal

from supervision.assessment import daily
from supervision.assessment.models import AssessYear, Material, Objection, UnitYear
from supervision.directory.models import Unit
from supervision.extensions import db
from tests.assessment.conftest import scheme_bytes
from tests.helpers import login_as, make_unit


def _post(client, url, data=None, **kw):
    return client.post(url, data=data or {}, **kw)


def test_office_runs_a_year_and_a_unit_sees_only_its_own_result(app):
    office = app.test_client()
    login_as(office, "admin")
    with app.app_context():
        t1, t2 = make_unit("张良镇", kind="乡镇"), make_unit("梁洼乡", kind="乡镇")
        c1, c2 = make_unit("鲁山县教育局", kind="县直"), make_unit("鲁山县公安局", kind="县直")
        ids = {u.name: u.id for u in (t1, t2, c1, c2)}
    unit = app.test_client()
    with app.app_context():
        from tests.helpers import make_user
        make_user("unit", username="zl", unit=db.session.get(type(t1), ids["张良镇"]))
    from tests.helpers import login
    assert login(unit, "zl").status_code == 302

    assert _post(office, "/assessment/new", {"year": "2026"}).status_code == 302
    r = _post(office, "/assessment/2026/scheme/import",
              {"file": (io.BytesIO(scheme_bytes()), "细则.xlsx")}, content_type="multipart/form-data",
              follow_redirects=True)
    assert "考核方案已导入，共 4 项三级指标" in r.get_data(as_text=True)
    page = office.get("/assessment/2026/scheme").get_data(as_text=True)
    assert "依法行政工作资料评判占比 66.67%" in page
    assert _post(office, "/assessment/2026/step/start").status_code == 302

    with app.app_context():
        y = db.session.query(AssessYear).filter_by(year=2026).one()
        ind = {i.code: i.id for i in y.indicators}
    # the unit reports a material
    r = _post(unit, f"/assessment/my/2026/material/{ind['1.1.1']}",
              {"comment": "权责清单已于3月公布", "files": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "清单.pdf")},
              content_type="multipart/form-data", follow_redirects=True)
    assert "材料已报送" in r.get_data(as_text=True)
    # a unit may not report for another category's indicator
    assert _post(unit, f"/assessment/my/2026/material/{ind['1.1.3']}", {"comment": "x"},
                 follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.query(Material).count() == 1
    # ratings through the page, then a stale form is refused
    page = office.get(f"/assessment/indicator/{ind['1.1.1']}").get_data(as_text=True)
    assert "权责清单已于3月公布" in page and "清单.pdf" in page
    for name, code in (("张良镇", "1.1.1"), ("张良镇", "1.1.2"), ("梁洼乡", "1.1.1"), ("梁洼乡", "1.1.2"),
                       ("鲁山县教育局", "1.1.1"), ("鲁山县教育局", "1.1.3"), ("鲁山县公安局", "1.1.1"),
                       ("鲁山县公安局", "1.1.3")):
        r = _post(office, f"/assessment/indicator/{ind[code]}/rate",
                  {"unit_id": ids[name], "rating": "excellent" if name != "梁洼乡" else "good", "reason": "材料齐全",
                   "version": "0"}, follow_redirects=True)
        assert "评定已保存" in r.get_data(as_text=True), (name, code)
    r = _post(office, f"/assessment/indicator/{ind['1.1.1']}/rate",
              {"unit_id": ids["张良镇"], "rating": "poor", "reason": "旧页面", "version": "0"}, follow_redirects=True)
    assert "刷新" in r.get_data(as_text=True)
    # 日常工作情况评价 comes from the records (daily.evaluate): 张良镇 was visited in 2026 and rated 优 throughout
    with app.app_context():
        from tests.assessment.test_daily import visit
        visit(db.session.get(Unit, ids["张良镇"]), ["excellent"] * 9, day=date(2026, 5, 12))
        evaluated = daily.evaluate(2026, list(ids.values()))
        expected_pct = evaluated[ids["张良镇"]].percent
    assert "已按日常监督记录重新计算日常工作情况评价" in _post(office, "/assessment/2026/daily",
                                                   follow_redirects=True).get_data(as_text=True)
    r = _post(office, "/assessment/2026/adjustments", {"unit_id": ids["梁洼乡"], "points": "3", "reason": "表彰"},
              follow_redirects=True)
    assert "每项加分应在 0.25 至 1 分之间" in r.get_data(as_text=True)
    _post(office, "/assessment/2026/adjustments", {"unit_id": ids["梁洼乡"], "points": "1", "reason": "省级表彰"})
    assert "考核汇总已完成" in _post(office, "/assessment/2026/compute", follow_redirects=True).get_data(as_text=True)
    results = office.get("/assessment/2026/results").get_data(as_text=True)
    with app.app_context():
        rows = {uy.unit_id: uy for uy in db.session.query(UnitYear)}
        assert rows[ids["张良镇"]].daily_percent == expected_pct
        assert {u: rows[u].daily_percent for u in ids.values()} == {u: r.percent for u, r in evaluated.items()}
        total = rows[ids["张良镇"]].total
        assert total == Decimal("66.67") + (Decimal(100) / 3 * expected_pct / 100).quantize(Decimal("0.01"))  # the daily share: 1 of 3 indicators
    assert "张良镇" in results and f"{total:.2f}" in results

    # before 反馈 the unit sees no score
    assert "本单位考核得分" not in unit.get("/assessment/my/2026").get_data(as_text=True)
    _post(office, "/assessment/2026/step/feedback")
    mine = unit.get("/assessment/my/2026").get_data(as_text=True)
    assert "本单位考核得分" in mine and f"{total:.2f}" in mine
    assert "梁洼乡" not in mine and "鲁山县教育局" not in mine
    # the unit cannot open the office's pages of results or another unit's
    with app.app_context():
        other = db.session.query(UnitYear).filter_by(unit_id=ids["梁洼乡"]).one().id
    assert unit.get(f"/assessment/result/{other}").status_code == 403
    assert unit.get("/assessment/2026/results").status_code == 403
    r = _post(unit, "/assessment/my/2026/objection", {"text": "1.1.2 评定偏低", "indicator_id": ind["1.1.2"]},
              follow_redirects=True)
    assert "异议已提交" in r.get_data(as_text=True)
    _post(office, "/assessment/2026/step/review")
    with app.app_context():
        oid = db.session.query(Objection).one().id
    _post(office, f"/assessment/objection/{oid}/answer", {"answer": "经复核，维持原评定"})
    r = _post(office, "/assessment/2026/step/confirm", follow_redirects=True)
    assert "考核结果已审定" in r.get_data(as_text=True)
    r = _post(office, f"/assessment/indicator/{ind['1.1.1']}/rate",
              {"unit_id": ids["张良镇"], "rating": "poor", "reason": "改", "version": "2"}, follow_redirects=True)
    assert "只能通过更正修改" in r.get_data(as_text=True)
    # the outputs: the unit's own 反馈单, never another unit's; the office's 汇总表 and 通报
    import pdfplumber
    from docx import Document
    from openpyxl import load_workbook
    r = unit.get("/assessment/my/2026/feedback.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(r.data)) as pdf:
        sheet = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "张良镇" in sheet and f"{total:.2f}" in sheet and "梁洼乡" not in sheet
    assert unit.get(f"/assessment/result/{other}/feedback.pdf").status_code == 403
    sheet_docx = Document(io.BytesIO(office.get(f"/assessment/result/{other}/feedback.docx").data))
    text = "\n".join([p.text for p in sheet_docx.paragraphs]
                     + [c.text for t in sheet_docx.tables for row in t.rows for c in row.cells])
    assert "梁洼乡" in text and "张良镇" not in text
    wb = load_workbook(io.BytesIO(office.get("/assessment/2026/summary.xlsx").data))
    assert any("张良镇" in row for row in wb["乡镇（街道）"].iter_rows(values_only=True))
    bulletin = "\n".join(p.text for p in Document(io.BytesIO(office.get("/assessment/2026/bulletin.docx").data)).paragraphs)
    assert "三、考核结果" in bulletin and "张良镇" in bulletin
    leader = app.test_client()
    login_as(leader, "leader")
    page = leader.get("/assessment/leader").get_data(as_text=True)
    assert "2026年度考核分析" in page and "张良镇" in page
    assert leader.post("/assessment/2026/compute").status_code == 403


def test_settings_set_the_deadline_and_a_late_material_is_flagged(app):
    from datetime import date

    office = app.test_client()
    login_as(office, "admin")
    with app.app_context():
        t = make_unit("张良镇", kind="乡镇")
        make_unit("鲁山县教育局", kind="县直")
        from tests.helpers import make_user
        make_user("unit", username="zl2", unit=db.session.get(type(t), t.id))
    _post(office, "/assessment/new", {"year": "2026"})
    _post(office, "/assessment/2026/scheme/import", {"file": (io.BytesIO(scheme_bytes()), "细则.xlsx")},
          content_type="multipart/form-data")
    form = {"bonus_min": "0.25", "bonus_max": "1", "bonus_cap": "5", "penalty_per_case": "1", "penalty_cap": "10",
            "objection_days": "5", "materials_deadline": "2026-01-31"}
    for cat in ("乡镇", "县直"):
        form.update({f"{cat}-mode": "quota", f"{cat}-excellent": "90", f"{cat}-good": "75", f"{cat}-pass": "60",
                     f"{cat}-quota": "30"})
    bad = dict(form, bonus_cap="很多")
    assert "加分上限应为 0 至 100 的数字" in _post(office, "/assessment/2026/settings", bad,
                                              follow_redirects=True).get_data(as_text=True)
    assert "考核设置已保存" in _post(office, "/assessment/2026/settings", form,
                                   follow_redirects=True).get_data(as_text=True)
    _post(office, "/assessment/2026/step/start")
    unit = app.test_client()
    from tests.helpers import login
    login(unit, "zl2")
    with app.app_context():
        y = db.session.query(AssessYear).filter_by(year=2026).one()
        assert y.materials_deadline == date(2026, 1, 31) and y.grading["乡镇"]["mode"] == "quota"
        ind = y.indicators[0].id
    _post(unit, f"/assessment/my/2026/material/{ind}", {"comment": "补报"})
    with app.app_context():
        assert db.session.query(Material).one().late  # today is after 31 January 2026
    assert "逾期" in office.get(f"/assessment/indicator/{ind}").get_data(as_text=True)
