"""案卷评查 pages per role: units see only their own case files and scores, reviewers score only their
campaigns, the admin manages, the leader reads; the forms answer bad input in Chinese and keep nothing half-done."""
import io

from supervision.audit import AuditEntry
from supervision.casereview.models import Campaign, CaseFile
from supervision.extensions import db
from tests.helpers import login, make_user

from .conftest import add_case, deduct, item
from supervision.casereview import operations


def _client(app, user):
    c = app.test_client()
    assert login(c, user.username).status_code == 302
    return c


def test_unit_lists_a_case_and_sees_only_its_own(app, campaign, units):
    clerk = make_user("unit", unit=units[0])
    other_clerk = make_user("unit", unit=units[1])
    c = _client(app, clerk)
    assert "案卷报送" in c.get("/").get_data(as_text=True)
    page = c.get("/casereview/my").get_data(as_text=True)
    assert campaign.name in page
    resp = c.post(f"/casereview/my/{campaign.id}", data={"number": "鲁市监罚〔2021〕8号", "party": "某超市",
                                                          "cause": "销售过期食品", "closed_on": "2021-05-09"})
    assert resp.status_code == 422
    assert "办结日期应在2021年1月1日至2021年4月30日之间" in resp.get_data(as_text=True)
    assert db.session.query(CaseFile).count() == 0
    resp = c.post(f"/casereview/my/{campaign.id}", data={"number": "鲁市监罚〔2021〕8号", "party": "某超市",
                                                          "cause": "销售过期食品", "closed_on": "2021-03-09",
                                                          "file": (io.BytesIO(b"not a pdf"), "案卷.txt")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422
    resp = c.post(f"/casereview/my/{campaign.id}", data={"number": "鲁市监罚〔2021〕8号", "party": "某超市",
                                                          "cause": "销售过期食品", "closed_on": "2021-03-09",
                                                          "major": "1"})
    assert resp.status_code == 302
    case = db.session.query(CaseFile).one()
    assert case.major and case.unit_id == units[0].id
    assert db.session.query(AuditEntry).filter_by(record_type="case_file", action="create").count() == 1
    assert c.get(f"/casereview/case/{case.id}").status_code == 200
    o = _client(app, other_clerk)
    assert o.get(f"/casereview/case/{case.id}").status_code == 404
    assert "鲁市监罚〔2021〕8号" not in o.get(f"/casereview/my/{campaign.id}").get_data(as_text=True)
    outsider = make_user("unit")
    assert _client(app, outsider).get(f"/casereview/my/{campaign.id}").status_code == 404
    assert c.get(f"/casereview/{campaign.id}").status_code == 403  # the results of every unit: staff only


def test_reviewer_scores_only_assigned_campaigns(app, campaign, units, reviewer):
    case = add_case(campaign, units[0])
    db.session.commit()
    ev = item(campaign, "证据确实充分")
    other = make_user("inspector", display_name="王其他")
    o = _client(app, other)
    assert campaign.name not in o.get("/casereview/").get_data(as_text=True)
    assert o.get(f"/casereview/{campaign.id}").status_code == 404
    assert o.post(f"/casereview/case/{case.id}", data={f"points-{ev.id}": "3", f"note-{ev.id}": "x"}).status_code == 404
    r = _client(app, reviewer)
    assert campaign.name in r.get("/casereview/").get_data(as_text=True)
    resp = r.post(f"/casereview/case/{case.id}", data={"version": str(case.version), f"points-{ev.id}": "3",
                                                       f"note-{ev.id}": ""})
    assert resp.status_code == 422 and "请写明扣分理由" in resp.get_data(as_text=True)
    resp = r.post(f"/casereview/case/{case.id}", data={"version": str(case.version), f"points-{ev.id}": "3",
                                                       f"note-{ev.id}": "缺询问笔录", f"problem-{ev.id}": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    (d,) = db.session.get(CaseFile, case.id).deductions
    assert (d.points, d.note, d.as_problem) == (3, "缺询问笔录", True)
    stale = r.post(f"/casereview/case/{case.id}", data={"version": "1", f"points-{ev.id}": "5",
                                                        f"note-{ev.id}": "旧页面"})
    assert stale.status_code == 409 and "旧版本" in stale.get_data(as_text=True)
    assert r.get(f"/casereview/{campaign.id}/mapping").status_code == 403


def test_leader_reads_and_admin_manages(app, campaign, units, reviewer, admin):
    case = add_case(campaign, units[0])
    db.session.commit()
    operations.save_review(case, {item(campaign, "格式规范").id: deduct(x=(2, "文书不规范", True))["x"]}, reviewer)
    db.session.commit()
    leader = make_user("leader")
    lc = _client(app, leader)
    page = lc.get(f"/casereview/{campaign.id}").get_data(as_text=True)
    assert "98" in page and "文书齐全，格式规范" in page
    assert lc.post(f"/casereview/{campaign.id}/close").status_code == 403
    assert "保存评分" not in lc.get(f"/casereview/case/{case.id}").get_data(as_text=True)
    ac = _client(app, admin)
    x = ac.get(f"/casereview/{campaign.id}/results.xlsx")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    d = ac.get(f"/casereview/{campaign.id}/report.docx")
    assert d.status_code == 200 and d.data[:2] == b"PK"
    from docx import Document
    text = "\n".join(p.text for p in Document(io.BytesIO(d.data)).paragraphs)
    assert "文书齐全，格式规范" in text
    cu = next(cu for cu in campaign.units if cu.unit_id == units[0].id)
    resp = ac.post(f"/casereview/{campaign.id}/units/{cu.id}/record")
    assert resp.status_code == 302 and "/visits/" in resp.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).units[0].visit_id is not None


def test_standard_import_through_the_page_names_the_bad_row(app, admin):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(list(operations.STANDARD_HEADERS))
    wb.active.append([1, "执法主体", "主体合法", "很多", "是"])
    buf = io.BytesIO()
    wb.save(buf)
    ac = _client(app, admin)
    resp = ac.post("/casereview/standard/import", data={"file": (io.BytesIO(buf.getvalue()), "标准.xlsx")},
                   content_type="multipart/form-data", follow_redirects=True)
    assert "第2行D列（分值）" in resp.get_data(as_text=True)
