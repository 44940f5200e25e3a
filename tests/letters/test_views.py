"""Pages: who sees what, POST-only changes, downloads, register, batch print, CLI."""
import io
import os
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader

from supervision.extensions import db
from supervision.letters import operations, queries
from supervision.letters.models import Letter
from tests.helpers import login_as, make_unit, make_user

from .conftest import make_visit

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")


def _issue(visit, admin, day=date(2021, 9, 1)):
    letter = operations.draft_letter(visit, admin)
    db.session.commit()
    return operations.issue_letter(letter.id, admin, issue_date=day)


def test_unit_sees_and_signs_only_its_own_issued_letters(ctx, client, admin, rang_unit):
    mine = _issue(make_visit(rang_unit), admin)
    other = _issue(make_visit(make_unit()), admin)
    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    mine_id, other_id, draft_id = mine.id, other.id, draft.id
    login_as(client, "unit", unit=rang_unit)
    inbox = client.get("/letters/inbox").get_data(as_text=True)
    assert mine.number in inbox and other.number not in inbox and ">新<" in inbox
    assert client.get(f"/letters/{other_id}").status_code == 404
    assert client.get(f"/letters/{other_id}.pdf").status_code == 404
    assert client.get(f"/letters/{draft_id}").status_code == 404
    page = client.get(f"/letters/{mine_id}").get_data(as_text=True)
    assert "签收" in page and "瀼河乡" in page
    assert ">新<" not in client.get("/letters/inbox").get_data(as_text=True)  # opened: no longer new
    assert client.get(f"/letters/{mine_id}/sign").status_code == 405  # GET changes nothing
    assert "整改：</span><span class=\"badge text-bg-warning\">待签收" in page
    resp = client.post(f"/letters/{mine_id}/sign", follow_redirects=True)
    assert "整改期限" in resp.get_data(as_text=True)
    assert "整改：</span><span class=\"badge text-bg-primary\">整改中" in resp.get_data(as_text=True)
    assert db.session.get(Letter, mine_id).received
    assert client.post(f"/letters/{other_id}/sign").status_code == 404
    assert client.get("/letters/").status_code == 403


def test_admin_issues_once_even_when_posting_twice(ctx, client, admin):
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    lid = letter.id
    login_as(client, "admin")
    first = client.post(f"/letters/{lid}/issue", follow_redirects=True).get_data(as_text=True)
    assert "已签发 鲁政行监字〔2021〕" in first or "已签发 鲁政行监字〔2026〕" in first
    second = client.post(f"/letters/{lid}/issue", follow_redirects=True).get_data(as_text=True)
    assert "不会重复" in second
    assert db.session.query(Letter).filter(Letter.seq.isnot(None)).count() == 1


def test_inspector_cannot_issue_or_void(ctx, client, admin):
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    login_as(client, "inspector")
    assert client.post(f"/letters/{letter.id}/issue").status_code == 403
    assert client.post(f"/letters/{letter.id}/void", data={"reason": "x"}).status_code == 403


def test_void_without_reason_is_refused(ctx, client, admin):
    letter = _issue(make_visit(), admin)
    lid = letter.id
    login_as(client, "admin")
    page = client.post(f"/letters/{lid}/void", data={"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "请填写作废原因" in page
    assert db.session.get(Letter, lid).is_issued
    client.post(f"/letters/{lid}/void", data={"reason": "受文单位写错"})
    db.session.expire_all()
    assert db.session.get(Letter, lid).is_voided


def test_draft_edit_and_issue_through_the_pages(ctx, client):
    from supervision.accounts.models import User

    user = db.session.get(User, login_as(client, "inspector").id)
    visit = make_visit(inspectors=[user])
    index = client.get("/letters/").get_data(as_text=True)
    assert "待起草意见书的检查" in index and f"/letters/draft/{visit.id}" in index
    resp = client.post(f"/letters/draft/{visit.id}")
    assert resp.status_code == 302
    letter = db.session.query(Letter).filter_by(visit_id=visit.id).one()
    assert client.get(f"/letters/{letter.id}/edit").status_code == 200
    first = letter.items[0]
    data = {"letter_type_id": letter.letter_type_id, "case_name": "", "case_number": "", "period_days": 30,
            f"text-{first.id}": "执法记录仪未全程开启", f"pos-{first.id}": 1, "version": letter.version}
    assert client.post(f"/letters/{letter.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).items[0].text == "执法记录仪未全程开启"
    show = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "草稿预览" in show and "一是执法记录仪未全程开启。" in show and "签发并编号" not in show
    preview = client.get(f"/letters/{letter.id}.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert client.post(f"/letters/draft/{visit.id}", follow_redirects=True).status_code == 200  # refused, no crash


def test_downloads_register_and_batch_print(ctx, client, admin, rang_unit):
    a = _issue(make_visit(rang_unit), admin, date(2021, 9, 1))
    b = _issue(make_visit(), admin, date(2021, 9, 3))
    operations.void_letter(b, "错发", admin)
    c = _issue(make_visit(), admin, date(2021, 9, 5))
    db.session.commit()
    login_as(client, "leader")
    pdf = client.get(f"/letters/{a.id}.pdf")
    assert queries.sha256(pdf.data) == queries.stored_file(a).sha256
    docx = client.get(f"/letters/{a.id}.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    batch = client.get("/letters/print?start=2021-09-01&end=2021-09-30")
    assert batch.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(batch.data)).pages)
    assert a.number in text and c.number in text and b.number not in text
    assert "没有签发" in client.get("/letters/print?start=2020-01-01&end=2020-01-31").get_data(as_text=True)
    page = client.get("/letters/register").get_data(as_text=True)
    assert a.number in page and "错发" in page
    xlsx = client.get("/letters/register?year=2021&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert ws["A1"].value.endswith("发文登记")
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == [a.number, b.number, c.number]
    assert rows[0][3] == "鲁山县瀼河乡人民政府" and rows[0][4].date() == date(2021, 9, 1)
    assert rows[1][8] == "已作废" and ws.freeze_panes == "C3"


def test_admin_manages_letter_types(ctx, client):
    login_as(client, "admin")
    assert "行政执法监督意见书" in client.get("/letters/types").get_data(as_text=True)
    resp = client.post("/letters/types/new", data={"name": "监督决定书", "prefix": "鲁政行监决字",
                                                   "reply_period_days": 20, "sort_order": 2, "active": "y"})
    assert resp.status_code == 302
    assert "鲁政行监决字" in client.get("/letters/types").get_data(as_text=True)


def test_dashboard_panels_and_notification(app, ctx, admin, rang_unit):
    from flask import render_template

    from supervision.letters import dashboard

    clerk = make_user("unit", unit=rang_unit)
    letter = _issue(make_visit(rang_unit), admin)
    panels = dashboard.panels(clerk)
    assert panels and panels[0][1]["unread"] == 1
    with app.test_request_context("/"):
        html = render_template(panels[0][0], panel=panels[0][1])
    assert "新的意见书" in html
    staff = dashboard.panels(admin)
    assert staff[0][1]["unsigned"] == 1
    try:
        from supervision.reminders.models import Notification
    except ImportError:
        return
    notes = db.session.query(Notification).filter_by(recipient_id=clerk.id).all()
    assert len(notes) == 1 and letter.number in notes[0].title and notes[0].link == f"/letters/{letter.id}"


def test_cli_render_and_deadline(ctx, runner, admin, rang_unit, tmp_path):
    letter = _issue(make_visit(rang_unit), admin)
    out = tmp_path / "l.pdf"
    result = runner.invoke(args=["letters", "render", str(letter.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert queries.sha256(out.read_bytes()) == queries.stored_file(letter).sha256
    result = runner.invoke(args=["letters", "render", str(letter.id), "--out", str(tmp_path / "l.docx"),
                                 "--format", "docx"])
    assert result.exit_code == 0 and (tmp_path / "l.docx").exists()
    assert runner.invoke(args=["letters", "render", "999", "--out", str(out)]).exit_code != 0
    result = runner.invoke(args=["calendar", "deadline", "--from", "2021-09-01"])
    assert "2021-10-08" in result.output and "国庆节顺延" in result.output
    result = runner.invoke(args=["calendar", "deadline", "--from", "2021-07-01", "--days", "30"])
    assert "2021-08-02" in result.output
    result = runner.invoke(args=["calendar", "deadline", "--from", "2027-01-04"])
    assert result.exit_code == 3 and "2027" in result.output


def test_demo_issues_letters_including_rang_he(ctx, admin, rang_unit):
    from supervision.letters import demo as letters_demo
    from supervision.visits import demo as visits_demo

    lines = []
    visits_demo.load(lines.append)
    letters_demo.load(lines.append)
    letters_demo.load(lines.append)  # idempotent
    letters = db.session.query(Letter).filter(Letter.seq.isnot(None)).all()
    assert any(x.unit.name == "鲁山县瀼河乡人民政府" for x in letters)
    assert len({x.number for x in letters}) == len(letters) >= 2
    assert db.session.query(Letter).filter(Letter.seq.is_(None)).count() == 0


def test_batch_print_is_capped_and_streamed(app, ctx, client, admin, rang_unit):
    a = _issue(make_visit(rang_unit), admin, date(2021, 9, 1))
    b = _issue(make_visit(), admin, date(2021, 9, 3))
    db.session.commit()
    login_as(client, "leader")
    app.config["LETTERS_PRINT_MAX"] = 1
    page = client.get("/letters/print?start=2021-09-01&end=2021-09-30")
    body = page.get_data(as_text=True)
    assert page.mimetype == "text/html"
    assert "2021年9月1日至2021年9月30日共签发意见书 2 份，超过一次批量打印的上限 1 份" in body
    app.config["LETTERS_PRINT_MAX"] = 2
    batch = client.get("/letters/print?start=2021-09-01&end=2021-09-30", buffered=False)
    assert batch.mimetype == "application/pdf" and batch.is_streamed  # sent from a file, not one bytes object
    data = b"".join(batch.response)
    batch.close()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert a.number in text and b.number in text
