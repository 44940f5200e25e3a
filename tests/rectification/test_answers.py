"""The unit's reply page as one form: every problem's answer, the report and the files saved together by one POST
(all or nothing); the autosave endpoint (JSON, for the page's script) saving all text fields at once; a new round
after a return pre-filled with the previous answer and report, the return reason beside the problem."""
import io
import re

from supervision.extensions import db
from supervision.rectification.models import Reply, Submission
from supervision.uploads import attachments_for
from tests.helpers import login, login_as

from .conftest import PDF_BYTES, png_bytes
from .test_views import letters_pair  # noqa: F401  (fixture)


def _replies(letter_id):
    return {r.letter_problem_id: r for r in db.session.query(Reply).filter_by(letter_id=letter_id)}


def test_one_save_keeps_every_answer_the_report_and_the_files(app, client, letters_pair):
    d = letters_pair
    p1, p2 = d["own_items"]
    login(client, d["own_user"])
    page = client.get(f"/rectification/letters/{d['own']}").get_data(as_text=True)
    # One form for the whole page: one save button, no per-problem save.
    assert page.count('name="action" value="save"') == 1 and "保存答复草稿" not in page
    assert 'capture="environment"' in page and 'accept="image/*,application/pdf' in page
    r = client.post(f"/rectification/letters/{d['own']}/answers", content_type="multipart/form-data", data={
        f"p{p1}-text": "问题一已整改", f"p{p1}-measures": "制度一", f"p{p2}-text": "问题二已整改",
        f"p{p2}-measures": "", f"p{p2}-files": (io.BytesIO(png_bytes()), "照片.png"),
        "report_text": "整改报告正文", "scan": (io.BytesIO(PDF_BYTES), "报告.pdf"), "action": "save"})
    assert r.status_code == 302
    with app.app_context():
        replies = _replies(d["own"])
        assert (replies[p1].text, replies[p1].measures) == ("问题一已整改", "制度一")
        assert replies[p2].text == "问题二已整改" and replies[p1].is_draft and replies[p2].is_draft
        assert [a.original_name for a in attachments_for("rect_reply", replies[p2].id)] == ["照片.png"]
        sub = db.session.query(Submission).filter_by(letter_id=d["own"]).one()
        assert sub.is_draft and sub.report_text == "整改报告正文"
        assert len(attachments_for("rect_submission", sub.id)) == 1
    page = client.get(f"/rectification/letters/{d['own']}").get_data(as_text=True)
    assert "问题一已整改" in page and "问题二已整改" in page and "整改报告正文" in page
    # Submitting from the same form: saved and submitted together.
    r = client.post(f"/rectification/letters/{d['own']}/answers", data={
        f"p{p1}-text": "问题一已整改（定稿）", f"p{p1}-measures": "制度一", f"p{p2}-text": "问题二已整改",
        f"p{p2}-measures": "", "report_text": "整改报告正文", "action": "submit"})
    assert r.status_code == 302
    with app.app_context():
        replies = _replies(d["own"])
        assert replies[p1].text == "问题一已整改（定稿）" and not replies[p1].is_draft and not replies[p2].is_draft
        assert not db.session.query(Submission).filter_by(letter_id=d["own"]).one().is_draft


def test_a_refused_part_saves_nothing_and_keeps_what_was_typed_on_the_page(app, client, letters_pair):
    d = letters_pair
    p1, p2 = d["own_items"]
    login(client, d["own_user"])
    r = client.post(f"/rectification/letters/{d['own']}/answers", content_type="multipart/form-data", data={
        f"p{p1}-text": "问题一的答复", f"p{p2}-text": "问题二的答复", "report_text": "报告",
        "scan": (io.BytesIO(png_bytes()), "报告.pdf"), "action": "save"})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "应为 PDF" in body and "问题一的答复" in body and "问题二的答复" in body
    r = client.post(f"/rectification/letters/{d['own']}/answers",
                    data={f"p{p1}-text": "问题一的答复", f"p{p2}-text": "长" * 5001, "action": "save"})
    assert r.status_code == 400 and "问题2：整改情况不超过5000字" in r.get_data(as_text=True)
    with app.app_context():
        assert _replies(d["own"]) == {} and db.session.query(Submission).count() == 0


def test_submit_refused_keeps_the_typed_answers_as_draft(app, client, letters_pair):
    d = letters_pair
    p1, p2 = d["own_items"]
    login(client, d["own_user"])
    r = client.post(f"/rectification/letters/{d['own']}/answers", data={
        f"p{p1}-text": "问题一", f"p{p2}-text": "问题二", "report_text": "报告", "action": "submit"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "首次报送须上传加盖公章的整改报告扫描件" in body and "已保存为草稿" in body
    with app.app_context():
        replies = _replies(d["own"])
        assert replies[p1].text == "问题一" and replies[p2].text == "问题二" and replies[p1].is_draft
        assert db.session.query(Submission).one().is_draft


def test_draft_endpoint_saves_all_fields_at_once(app, client, letters_pair):
    d = letters_pair
    p1, p2 = d["own_items"]
    login(client, d["own_user"])
    r = client.post(f"/rectification/letters/{d['own']}/draft", data={
        f"p{p1}-text": "一", f"p{p1}-measures": "措施一", f"p{p2}-text": "二", f"p{p2}-measures": "措施二",
        "report_text": "报告草稿"})
    assert r.status_code == 200 and r.is_json and r.json["ok"] and r.json["written"] == 3
    with app.app_context():
        replies = _replies(d["own"])
        assert [(replies[p].text, replies[p].measures) for p in (p1, p2)] == [("一", "措施一"), ("二", "措施二")]
        assert db.session.query(Submission).one().report_text == "报告草稿"
    # The same fields again: nothing rewritten (no audit entry every few seconds).
    r = client.post(f"/rectification/letters/{d['own']}/draft", data={
        f"p{p1}-text": "一", f"p{p1}-measures": "措施一", f"p{p2}-text": "二", f"p{p2}-measures": "措施二",
        "report_text": "报告草稿"})
    assert r.json["written"] == 0
    # Another unit's letter: not found, nothing written to it.
    r = client.post(f"/rectification/letters/{d['other']}/draft", data={f"p{d['other_item']}-text": "冒名"})
    assert r.status_code == 404
    with app.app_context():
        assert _replies(d["other"])[d["other_item"]].text == "张良镇的答复"
    # Another letter's problem posted under the unit's own letter is not read.
    r = client.post(f"/rectification/letters/{d['own']}/draft", data={f"p{d['other_item']}-text": "篡改"})
    assert r.status_code == 200 and r.json["written"] == 0
    with app.app_context():
        assert _replies(d["other"])[d["other_item"]].text == "张良镇的答复"


def test_draft_endpoint_cannot_change_a_submitted_report(app, client, letters_pair):
    d = letters_pair
    p1, p2 = d["own_items"]
    login(client, d["own_user"])
    r = client.post(f"/rectification/letters/{d['own']}/answers", content_type="multipart/form-data", data={
        f"p{p1}-text": "一", f"p{p2}-text": "二", "report_text": "报告",
        "scan": (io.BytesIO(PDF_BYTES), "报告.pdf"), "action": "submit"})
    assert r.status_code == 302
    r = client.post(f"/rectification/letters/{d['own']}/draft",
                    data={f"p{p1}-text": "改", f"p{p2}-text": "改", "report_text": "改"})
    assert r.status_code == 409 and not r.json["ok"] and "审核完成前不能修改" in r.json["message"]
    with app.app_context():
        replies = _replies(d["own"])
        assert (replies[p1].text, replies[p2].text) == ("一", "二")
        subs = db.session.query(Submission).filter_by(letter_id=d["own"]).all()
        assert [(s.report_text, s.is_draft) for s in subs] == [("报告", False)]


def test_round_two_starts_from_the_previous_answer_with_the_reason_beside_it(app, client, letters_pair):
    d = letters_pair
    p1, p2 = d["own_items"]
    login(client, d["own_user"])
    client.post(f"/rectification/letters/{d['own']}/answers", content_type="multipart/form-data", data={
        f"p{p1}-text": "第一轮答复一", f"p{p1}-measures": "第一轮措施一", f"p{p2}-text": "第一轮答复二",
        "report_text": "第一轮整改报告", "scan": (io.BytesIO(PDF_BYTES), "报告.pdf"), "action": "submit"})
    client.post("/logout")
    with app.app_context():
        ids = {p: r.id for p, r in _replies(d["own"]).items()}
    login_as(client, "admin")
    client.post(f"/rectification/replies/{ids[p1]}/return", data={"reason": "措施不具体，请补充制度文件"})
    client.post(f"/rectification/replies/{ids[p2]}/accept", data={"note": ""})
    client.post("/logout")
    login(client, d["own_user"])
    page = client.get(f"/rectification/letters/{d['own']}").get_data(as_text=True)
    textarea = re.search(rf'<textarea[^>]*name="p{p1}-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea and textarea.group(1).strip() == "第一轮答复一"
    measures = re.search(rf'<textarea[^>]*name="p{p1}-measures"[^>]*>(.*?)</textarea>', page, re.S)
    assert measures and measures.group(1).strip() == "第一轮措施一"
    report = re.search(r'<textarea[^>]*name="report_text"[^>]*>(.*?)</textarea>', page, re.S)
    assert report and report.group(1).strip() == "第一轮整改报告"
    reason = re.search(r'class="alert[^"]*return-reason">(.*?)</div>', page, re.S)
    assert reason and "措施不具体，请补充制度文件" in reason.group(1)
    assert f'name="p{p2}-text"' not in page  # accepted: no field
    # Pressing 报送 without editing submits the pre-filled answer as round 2.
    r = client.post(f"/rectification/letters/{d['own']}/answers", data={
        f"p{p1}-text": "第一轮答复一", f"p{p1}-measures": "第一轮措施一", "report_text": "第一轮整改报告",
        "action": "submit"})
    assert r.status_code == 302
    with app.app_context():
        rounds = db.session.query(Reply).filter_by(letter_problem_id=p1).order_by(Reply.round).all()
        assert [(x.round, x.text, x.is_draft) for x in rounds] == [(1, "第一轮答复一", False), (2, "第一轮答复一", False)]
