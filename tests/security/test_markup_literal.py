"""Markup typed into free-text fields comes out as the characters typed: escaped in every page, literal in
the letter PDF (no ReportLab markup read into it, no markup error), literal in the DOCX and every XLSX.

The same record set carries the text in unit names, problem descriptions, a letter's case name and number,
reply texts and measures, the report, a return reason, an extension reason, a void reason, a 自查 report,
visit evidence and summary, and staff display names."""
import io
from datetime import date

import pdfplumber
import pytest
from openpyxl import load_workbook

from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.rectification import operations as rect_ops, queries as rect_q
from supervision.timeutil import today
from supervision.visits.models import Visit
from tests.helpers import login, make_unit, make_user
from tests.letters.conftest import make_visit
from tests.rectification.conftest import PDF_BYTES, upload

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>粗</b>"
FONT = '<font name="x">'
AMP = "&amp; & <br/>"
MARKERS = (SCRIPT, BOLD, FONT, AMP)
ALL = SCRIPT + BOLD + FONT + AMP
L = "需下达意见书"


@pytest.fixture
def marked(app):
    with app.app_context():
        admin = make_user("admin", display_name="管理员" + BOLD)
        inspector = make_user("inspector", display_name="检查员" + SCRIPT)
        unit = make_unit("鲁山县" + BOLD + AMP + "局", kind="县直")
        user = make_user("unit", unit=unit, display_name="联络员" + FONT)
        visit = make_visit(unit, problems=(("执法人员" + SCRIPT + "未着装" + BOLD, L), ("案卷" + FONT + AMP, L)),
                           inspectors=(inspector,))
        visit.summary = "小结" + ALL
        for p in visit.problems:
            p.evidence = "证据" + ALL
        db.session.commit()
        draft = letters.draft_letter(visit, admin)
        letters.update_draft(draft, {"case_name": "案件" + BOLD + AMP, "case_number": "鲁" + FONT + "号"}, admin)
        db.session.commit()
        letter = letters.issue_letter(draft.id, admin, issue_date=date(2021, 8, 30))
        letters.record_delivery(letter, date(2021, 9, 1), admin)
        db.session.commit()
        for item in letter.items:
            rect_ops.save_reply_draft(letter, item.id, user, "答复" + ALL, "措施" + ALL)
            db.session.commit()
        rect_ops.save_report_draft(letter, user, "报告" + ALL, upload(PDF_BYTES, "扫描件" + BOLD + ".pdf"))
        rect_ops.submit_report(letter, user, today=date(2021, 9, 20))
        db.session.commit()
        reply = rect_q.letter_state(letter).problems[0].rounds[-1]
        rect_ops.return_problem(reply, admin, "退回理由" + ALL)
        db.session.commit()
        rect_ops.request_extension(letter, user, date(2022, 6, 30), "延期理由" + ALL)
        db.session.commit()
        other = make_visit(unit, problems=(("另一问题" + BOLD, L),))
        voided = letters.issue_letter(letters.draft_letter(other, admin).id, admin, issue_date=date(2021, 9, 2))
        letters.void_letter(voided, "作废原因" + ALL, admin)
        db.session.commit()
        si = rect_ops.save_self_inspection(user, today().year, "自查" + ALL, "计划" + ALL)
        rect_ops.submit_self_inspection(si, user)
        db.session.commit()
        return {"admin": admin.username, "user": user.username, "letter": letter.id, "voided": voided.id,
                "visit": visit.id, "si": si.id, "unit": unit.id}


def _assert_escaped(html: str, where: str) -> None:
    for m in MARKERS:
        assert m not in html, f"{where}: {m!r} reached the page unescaped"
    assert "&lt;b&gt;粗&lt;/b&gt;" in html, f"{where}: the typed text is not shown"


def test_pages_show_markup_as_text(app, marked):
    admin = app.test_client()
    login(admin, marked["admin"])
    pages = [f"/letters/{marked['letter']}", f"/letters/{marked['voided']}", "/letters/", "/letters/register",
             f"/rectification/letters/{marked['letter']}", "/rectification/ledger", "/units",
             f"/visits/{marked['visit']}", "/visits/", "/visits/problems", f"/visits/unit/{marked['unit']}",
             f"/rectification/self-inspections/{marked['si']}", "/rectification/self-inspections", "/inbox/",
             "/audit/", "/"]
    for url in pages:
        resp = admin.get(url)
        assert resp.status_code == 200, url
        _assert_escaped(resp.get_data(as_text=True), url)
    unit = app.test_client()
    login(unit, marked["user"])
    for url in (f"/letters/{marked['letter']}", f"/rectification/letters/{marked['letter']}", "/letters/inbox",
                "/rectification/mine", f"/visits/{marked['visit']}", "/rectification/self-inspection", "/inbox/", "/"):
        resp = unit.get(url)
        assert resp.status_code == 200, url
        _assert_escaped(resp.get_data(as_text=True), "unit " + url)


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(c["text"] for p in pdf.pages for c in p.chars)


def test_letter_pdf_and_docx_carry_markup_literally(app, marked):
    import docx

    client = app.test_client()
    login(client, marked["admin"])
    resp = client.get(f"/letters/{marked['letter']}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _pdf_text(resp.data).replace(" ", "")
    for m in ("执法人员" + SCRIPT + "未着装" + BOLD, "案卷" + FONT + AMP, "案件" + BOLD + AMP, "鲁" + FONT + "号",
              "鲁山县" + BOLD + AMP + "局"):
        assert m.replace(" ", "") in text, m
    resp = client.get(f"/letters/{marked['letter']}.docx")
    assert resp.status_code == 200
    doc = docx.Document(io.BytesIO(resp.data))
    body = "\n".join(p.text for p in doc.paragraphs)
    for m in ("执法人员" + SCRIPT + "未着装" + BOLD, "案卷" + FONT + AMP, "鲁山县" + BOLD + AMP + "局"):
        assert m in body, m
    # A draft preview with markup renders too (no ReportLab markup error).
    with app.app_context():
        unit = make_unit("草稿单位" + FONT)
        v = make_visit(unit, problems=(("草稿问题" + ALL, L),))
        d = letters.draft_letter(v, _admin(marked)).id
        db.session.commit()
    resp = client.get(f"/letters/{d}.pdf")
    assert resp.status_code == 200 and ("草稿问题" + ALL).replace(" ", "") in _pdf_text(resp.data).replace(" ", "")


def _admin(marked):
    from supervision.accounts.models import User

    return db.session.query(User).filter_by(username=marked["admin"]).one()


def _cells(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_spreadsheets_carry_markup_literally(app, marked):
    client = app.test_client()
    login(client, marked["admin"])
    register = "\n".join(_cells(client.get("/letters/register?format=xlsx").data))
    assert "鲁山县" + BOLD + AMP + "局" in register and "作废原因" + ALL in register
    ledger = "\n".join(_cells(client.get("/rectification/ledger.xlsx").data))
    assert "执法人员" + SCRIPT + "未着装" + BOLD in ledger and "鲁山县" + BOLD + AMP + "局" in ledger
    assert "退回理由" + ALL in ledger
    with app.app_context():
        make_unit("无账号单位" + BOLD + AMP)
    resp = client.post("/users/unit-accounts")
    accounts = "\n".join(_cells(resp.data))
    assert "无账号单位" + BOLD + AMP in accounts


def test_visit_form_round_trips_markup(app, marked):
    """What the edit form shows back (values inside attributes and textareas) is escaped too."""
    with app.app_context():
        inspector = make_user("inspector", display_name="检查员")
        v = make_visit(make_unit("表单单位" + BOLD), status="draft", problems=(("表单问题" + ALL, L),),
                       inspectors=(inspector,))
        v.summary = "小结" + ALL
        db.session.commit()
        vid, name = v.id, inspector.username
    client = app.test_client()
    login(client, name)
    resp = client.get(f"/visits/{vid}/edit")
    assert resp.status_code == 200
    _assert_escaped(resp.get_data(as_text=True), "visit form")
    with app.app_context():
        assert db.session.get(Visit, vid).summary == "小结" + ALL
