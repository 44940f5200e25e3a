"""The filing pages over HTTP: a unit files with PDFs and sees only its own filings; a tampered unit is refused;
the office registers and decides; inspectors and leaders read; the visit form shows the unit's filings of the
year next to check items 四 and 六; the settings page shows the rule."""
import io
import re
from datetime import date

from supervision.extensions import db
from supervision.filings import operations
from supervision.filings.models import NormativeFiling, PenaltyFiling
from tests.helpers import login_as, make_unit, make_user

from .conftest import PDF_BYTES, file_penalty, penalty_data, set_today


def _post_penalty(client, unit_id, action="submit", files=True, **kw):
    data = dict(penalty_data(**kw), unit_id=str(unit_id), action=action)
    if files:
        for owner, _label in operations.PENALTY_MATERIALS:
            data[owner] = (io.BytesIO(PDF_BYTES), f"{owner}.pdf")
    return client.post("/filings/penalty/new", data=data, content_type="multipart/form-data")


def test_a_unit_files_online_and_sees_only_its_own(app, monkeypatch):
    set_today(monkeypatch, date(2026, 10, 8))
    client = app.test_client()
    me = login_as(client, "unit")
    page = client.get("/filings/penalty/new").get_data(as_text=True)
    assert 'accept="application/pdf"' in page and "报送" in page
    resp = _post_penalty(client, me.unit_id)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        f = db.session.query(PenaltyFiling).one()
        fid, assert_unit = f.id, f.unit_id
        assert f.status == "submitted" and f.party_id_masked == "4104**********1234"
        other_unit = make_unit()
        other = make_user("unit", unit=other_unit)
        theirs = file_penalty(other, decision_number="他罚1").id
    assert assert_unit == me.unit_id
    shown = client.get(f"/filings/penalty/{fid}").get_data(as_text=True)
    assert "4104**********1234" in shown and "410423199001011234" not in shown
    assert client.get(f"/filings/penalty/{theirs}").status_code == 404
    assert client.get(f"/filings/penalty/{theirs}/edit").status_code == 404
    assert client.get("/filings/penalties").status_code == 403
    mine = client.get("/filings/mine").get_data(as_text=True)
    assert "鲁市监罚〔2026〕12号" in mine and "他罚1" not in mine and "按时备案" in mine
    # A tampered unit id, a future date, an ID number in 案由: refused (422) naming the field; nothing saved.
    with app.app_context():
        other_id = db.session.get(PenaltyFiling, theirs).unit_id
    resp = _post_penalty(client, other_id, decision_number="罚X")
    assert resp.status_code == 422 and "只能为本单位报送备案" in resp.get_data(as_text=True)
    resp = _post_penalty(client, me.unit_id, decision_number="罚Y", decision_date="2026-10-09")
    assert resp.status_code == 422 and "决定日期2026年10月9日晚于今天" in resp.get_data(as_text=True)
    resp = _post_penalty(client, me.unit_id, decision_number="罚Z", cause="张三 410423199001011234")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "案由中含有身份证号" in body and "410423199001011234" not in body
    resp = _post_penalty(client, me.unit_id, files=False, decision_number="罚W")
    assert resp.status_code == 422 and "请上传重大行政处罚备案报告" in resp.get_data(as_text=True)
    resp = _post_penalty(client, me.unit_id)
    assert resp.status_code == 422 and "同一决定不能重复备案" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(PenaltyFiling).count() == 2


def test_the_office_registers_and_decides_staff_read(app, monkeypatch):
    set_today(monkeypatch, date(2026, 10, 8))
    admin_client, leader_client, inspector_client = app.test_client(), app.test_client(), app.test_client()
    login_as(admin_client, "admin")
    login_as(leader_client, "leader")
    login_as(inspector_client, "inspector")
    with app.app_context():
        user = make_user("unit")
        fid = file_penalty(user).id
    resp = admin_client.post(f"/filings/penalty/{fid}/register")
    assert resp.status_code == 302
    resp = admin_client.post(f"/filings/penalty/{fid}/decide", data={"decision": "returned", "reason": ""})
    assert resp.status_code == 422 and "请写明需要补正的内容" in resp.get_data(as_text=True)
    resp = admin_client.post(f"/filings/penalty/{fid}/decide", data={"decision": "filed", "legality": "合法"})
    assert resp.status_code == 302
    for client in (leader_client, inspector_client):
        page = client.get("/filings/penalties?q=张三").get_data(as_text=True)
        assert "罚备〔2026〕1号" in page and "予以备案" in page
        assert client.get(f"/filings/penalty/{fid}").status_code == 200
        assert client.post(f"/filings/penalty/{fid}/decide", data={"decision": "filed"}).status_code == 403
    assert "罚备" not in admin_client.get("/filings/penalties?q=无此当事人").get_data(as_text=True).split("共")[1]
    stats = admin_client.get("/filings/stats?year=2026").get_data(as_text=True)
    assert "100%" in stats
    settings = admin_client.get("/filings/settings").get_data(as_text=True)
    assert "顺延" in settings and "2026-09-22 作出决定 + 15 日 = 2026-10-07，国庆节顺延至 2026-10-08" in settings
    resp = admin_client.post("/filings/settings", data={"penalty_days": "0", "normative_days": "30"})
    assert resp.status_code == 422 and "重大行政处罚备案期限应为1至365之间的整数" in resp.get_data(as_text=True)


def test_normative_filing_review_and_yearly_cleanup(app, monkeypatch):
    set_today(monkeypatch, date(2026, 11, 2))
    client, admin_client = app.test_client(), app.test_client()
    me = login_as(client, "unit")
    login_as(admin_client, "admin")
    data = {"title": "某某管理办法", "doc_number": "鲁政〔2026〕3号", "published_on": "2026-10-09",
            "effective_on": "2026-11-01", "unit_id": str(me.unit_id), "action": "submit",
            "nf_text": (io.BytesIO(PDF_BYTES), "文本.pdf"), "nf_explanation": (io.BytesIO(PDF_BYTES), "说明.pdf")}
    resp = client.post("/filings/normative/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422 and "请上传制定依据" in resp.get_data(as_text=True)
    data.update({k: (io.BytesIO(PDF_BYTES), f"{k}.pdf") for k in ("nf_text", "nf_explanation", "nf_basis")})
    resp = client.post("/filings/normative/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        fid = db.session.query(NormativeFiling).one().id
    admin_client.post(f"/filings/normative/{fid}/register")
    resp = admin_client.post(f"/filings/normative/{fid}/decide", data={"decision": "revise", "to_letter": "1",
                                                                       "reason": "第五条设定的罚款超出上位法规定。"})
    assert resp.status_code == 302 and "/letters/" in resp.headers["Location"]
    with app.app_context():
        f = db.session.get(NormativeFiling, fid)
        assert f.status == "revise" and f.letter is not None and f.letter.is_draft
        assert f.visit.problems[0].item.key == "normative_documents"
    resp = admin_client.post(f"/filings/normative/{fid}/validity", data={"validity": "repealed",
                                                                         "validity_on": "2026-11-03"})
    assert resp.status_code == 422 and "清理日期晚于今天" in resp.get_data(as_text=True)
    resp = admin_client.post(f"/filings/normative/{fid}/validity", data={"validity": "repealed",
                                                                         "validity_on": "2026-11-02"})
    assert resp.status_code == 302
    page = admin_client.get("/filings/normatives?year=2026").get_data(as_text=True)
    assert "废止" in page and "规备〔2026〕1号" in page and "按时备案" in page


def test_the_visit_form_shows_the_units_filings_next_to_items_four_and_six(app, monkeypatch):
    from supervision.visits import operations as visits_ops
    from supervision.visits.models import VisitKind

    set_today(monkeypatch, date(2026, 10, 20))
    client = app.test_client()
    login_as(client, "admin")
    with app.app_context():
        from supervision.accounts.models import User

        user = make_user("unit")
        file_penalty(user, decision_number="罚1")  # filed 10-20 for 09-22: late
        admin = db.session.query(User).filter_by(role="admin").first()
        visit = visits_ops.create_visit(kind=VisitKind.concentrated, unit=user.unit, visit_date=date(2026, 10, 20),
                                        user=admin, enforce_plan=False)
        db.session.commit()
        vid = visit.id
    page = client.get(f"/visits/{vid}/edit").get_data(as_text=True)
    panels = re.findall(r'<div class="item-panel[^>]*>(.*?)</div>', page, re.S)
    assert len(panels) == 2
    assert "按时备案 0 件，逾期备案 1 件，未备案 0 件" in panels[0] and "查看备案登记" in panels[0]
    assert "没有规范性文件备案记录" in panels[1]
