"""Pages: access by role and unit (403/404), the unit's reply and report through the real forms, review
by POST, bad uploads refused with a message and nothing changed."""
import io
from datetime import date

import pytest

from supervision.accounts.models import User
from supervision.extensions import db
from supervision.letters.models import Letter
from supervision.rectification import operations, queries
from supervision.rectification.models import Reply, Submission
from supervision.timeutil import today
from supervision.uploads import attachments_for
from tests.helpers import login, login_as, make_unit, make_user

from .conftest import PDF_BYTES, make_letter, png_bytes, upload


@pytest.fixture
def letters_pair(app):
    """Two delivered letters: one to the unit the test logs in as, one to another unit."""
    with app.app_context():
        admin = make_user("admin")
        own_unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        other_unit = make_unit("鲁山县张良镇人民政府", kind="乡镇")
        own = make_letter(admin, own_unit)
        other = make_letter(admin, other_unit)
        other_user = make_user("unit", unit=other_unit)
        own_user = make_user("unit", unit=own_unit)
        item = other.items[0]
        reply = operations.save_reply_draft(other, item.id, other_user, "张良镇的答复")
        db.session.commit()
        operations.save_reply_draft(other, item.id, other_user, "张良镇的答复", files=[upload(png_bytes(), "照片.png")])
        db.session.commit()
        att = attachments_for("rect_reply", reply.id)[0]
        return {"admin": admin.id, "own_unit": own_unit.id, "own_user": own_user.username, "own": own.id, "other": other.id,
                "own_items": [i.id for i in own.items], "other_item": item.id, "other_reply": reply.id,
                "other_att": att.id}


def test_unit_user_gets_404_on_another_units_letter_reply_and_attachment(client, letters_pair):
    d = letters_pair
    assert login(client, d["own_user"]).status_code == 302
    assert client.get(f"/rectification/letters/{d['own']}").status_code == 200
    assert client.get(f"/rectification/letters/{d['other']}").status_code == 404
    assert client.get(f"/rectification/attachments/{d['other_att']}").status_code == 404
    r = client.post(f"/rectification/letters/{d['other']}/problems/{d['other_item']}/reply",
                    data={f"p{d['other_item']}-text": "冒名"})
    assert r.status_code == 404
    # Form tampering: another letter's problem posted under the unit's own letter.
    r = client.post(f"/rectification/letters/{d['own']}/problems/{d['other_item']}/reply",
                    data={f"p{d['other_item']}-text": "篡改"})
    assert r.status_code == 400 and "不属于这份意见书" in r.get_data(as_text=True)
    assert client.post(f"/rectification/letters/{d['other']}/report", data={"report_text": "x"}).status_code == 404
    assert client.post(f"/rectification/letters/{d['other']}/extension",
                       data={"new_date": "2021-12-31", "reason": "理由"}).status_code == 404
    assert client.post(f"/rectification/replies/{d['other_reply']}/attachments/{d['other_att']}/delete").status_code == 404
    # Review endpoints are the office's.
    assert client.post(f"/rectification/replies/{d['other_reply']}/accept").status_code == 403
    assert client.get("/rectification/ledger").status_code == 403
    assert client.get("/rectification/ledger.xlsx").status_code == 403
    with client.application.app_context():
        assert db.session.query(Reply).filter_by(letter_id=d["own"]).count() == 0
        assert db.session.get(Reply, d["other_reply"]).text == "张良镇的答复"
        assert len(attachments_for("rect_reply", d["other_reply"])) == 1


def test_leader_and_inspector_cannot_review(client, letters_pair):
    d = letters_pair
    login_as(client, "leader")
    assert client.get(f"/rectification/letters/{d['other']}").status_code == 200
    assert client.post(f"/rectification/replies/{d['other_reply']}/accept").status_code == 403
    assert client.post(f"/rectification/replies/{d['other_reply']}/return", data={"reason": "x"}).status_code == 403
    assert client.get(f"/rectification/letters/{d['other']}/paper-reply").status_code == 403


def test_anonymous_is_sent_to_login(client, letters_pair):
    r = client.get(f"/rectification/letters/{letters_pair['own']}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_unit_replies_and_submits_through_the_forms_then_admin_reviews(app, client, letters_pair):
    d = letters_pair
    username = d["own_user"]
    assert login(client, username).status_code == 302
    p1, p2 = d["own_items"]
    # An executable named like a photo is refused; nothing is saved.
    r = client.post(f"/rectification/letters/{d['own']}/problems/{p1}/reply",
                    data={f"p{p1}-text": "已整改", f"p{p1}-files": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "照片.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "可执行程序" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Reply).filter_by(letter_id=d["own"]).count() == 0
    for pid in (p1, p2):
        r = client.post(f"/rectification/letters/{d['own']}/problems/{pid}/reply",
                        data={f"p{pid}-text": f"问题{pid}已整改", f"p{pid}-measures": "建立制度",
                              f"p{pid}-files": (io.BytesIO(png_bytes()), "佐证.png")},
                        content_type="multipart/form-data")
        assert r.status_code == 302
    # A scan that is a picture named .pdf is refused.
    r = client.post(f"/rectification/letters/{d['own']}/report",
                    data={"report_text": "整改报告", "action": "submit", "scan": (io.BytesIO(png_bytes()), "报告.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "应为 PDF" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Submission).count() == 0
    r = client.post(f"/rectification/letters/{d['own']}/report",
                    data={"report_text": "整改报告", "action": "submit", "scan": (io.BytesIO(PDF_BYTES), "报告.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(f"/rectification/letters/{d['own']}").get_data(as_text=True)
    assert "已报送待审" in page and "整改报告" in page
    # Resubmitting while the review is in progress: a clear message, nothing changed.
    r = client.post(f"/rectification/letters/{d['own']}/report", data={"report_text": "再次报送", "action": "submit"})
    assert r.status_code == 400 and "审核完成前不能再次报送" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Submission).count() == 1
        assert db.session.query(Submission).one().report_text == "整改报告"
        replies = db.session.query(Reply).filter_by(letter_id=d["own"]).order_by(Reply.id).all()
        ids = [r.id for r in replies]
    client.post("/logout")

    login_as(client, "admin")
    r = client.post(f"/rectification/replies/{ids[0]}/accept", data={"note": "好"})
    assert r.status_code == 302
    r = client.post(f"/rectification/replies/{ids[1]}/return", data={"reason": ""})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Reply, ids[1]).decision == ""  # no reason: refused
    client.post(f"/rectification/replies/{ids[1]}/return", data={"reason": "请补充照片"})
    client.post("/logout")

    login(client, username)
    page = client.get(f"/rectification/letters/{d['own']}").get_data(as_text=True)
    assert "退回修改" in page and "请补充照片" in page
    assert client.get("/rectification/mine").status_code == 200
    assert client.get("/").status_code == 200


def test_office_pages_render(app, client, letters_pair):
    login_as(client, "admin")
    for url in ("/rectification/ledger", "/rectification/ledger?status=overdue&year=2021",
                "/rectification/stats?year=2021", "/rectification/self-inspections", "/",
                f"/rectification/letters/{letters_pair['other']}",
                f"/rectification/letters/{letters_pair['own']}/paper-reply"):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.get_data(as_text=True)
        assert "style=" not in body and "<script>" not in body
    r = client.get("/rectification/ledger.xlsx?year=2021")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")


def test_paper_reply_form(app, client, letters_pair):
    d = letters_pair
    login_as(client, "admin")
    p1, p2 = d["own_items"]
    r = client.post(f"/rectification/letters/{d['own']}/paper-reply",
                    data={"received_on": "2021-10-09", "report_text": "纸质报告", f"text-{p1}": "一",
                          f"text-{p2}": "二", "scan": (io.BytesIO(PDF_BYTES), "扫描件.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        sub = db.session.query(Submission).filter_by(letter_id=d["own"]).one()
        assert sub.on_behalf and sub.days_late == 1
        letter = db.session.get(Letter, d["own"])
        assert queries.letter_state(letter, date(2021, 10, 10)).label == "已报送待审"


def test_self_inspection_by_end_of_march(app, client):
    with app.app_context():
        unit = make_unit("鲁山县司法局")
        unit_id = unit.id
        user = make_user("unit", unit=unit)
        username = user.username
    year = today().year  # 自查 is made for the year under way only
    login(client, username)
    r = client.post(f"/rectification/self-inspection?year={year}", data={"report_text": "", "plan_text": "",
                                                                      "action": "submit"})
    assert r.status_code == 200 and "自查报告" in r.get_data(as_text=True)
    r = client.post(f"/rectification/self-inspection?year={year}",
                    data={"report_text": "梳理出三方面问题", "plan_text": "全年计划",
                          "plan_files": (io.BytesIO(PDF_BYTES), "计划表.pdf"), "action": "save"},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        si = queries.self_inspection_of(unit_id, year)
        assert si.is_draft
        u = db.session.query(User).filter_by(username=username).one()
        operations.submit_self_inspection(si, u, today=date(year, 4, 2))
        db.session.commit()
        assert si.days_late == 2
        si_id = si.id
    client.post("/logout")
    login_as(client, "admin")
    body = client.get(f"/rectification/self-inspections?year={year}").get_data(as_text=True)
    assert "鲁山县司法局" in body and "逾期2日" in body
    assert client.get(f"/rectification/self-inspections/{si_id}").status_code == 200
    # Another unit's user cannot open it.
    client.post("/logout")
    login_as(client, "unit")
    assert client.get(f"/rectification/self-inspections/{si_id}").status_code == 404


def test_the_old_reply_address_still_answers(app, client, letters_pair):
    """/items/<id>/reply (before problems were called problems): a posted form goes on to the new address with its
    method and fields (308), a visit to the problem on the letter's page."""
    d = letters_pair
    p1, _p2 = d["own_items"]
    login(client, d["own_user"])
    old = f"/rectification/letters/{d['own']}/items/{p1}/reply"
    r = client.post(old, data={f"p{p1}-text": "已整改"})
    assert r.status_code == 308 and r.headers["Location"].endswith(f"/rectification/letters/{d['own']}/problems/{p1}/reply")
    r = client.post(old, data={f"p{p1}-text": "已整改"}, follow_redirects=True)
    assert r.status_code == 200 and "答复草稿已保存" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Reply).filter_by(letter_id=d["own"]).one().text == "已整改"
    r = client.get(old)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/rectification/letters/{d['own']}#problem-{p1}")
