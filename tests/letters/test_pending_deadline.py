"""A receipt is a fact: recorded even when the deadline falls in a year the working calendar does not know yet
(today 2026-12-02, chinesecalendar 1.11 knows 2026 at most). The deadline is 待定 everywhere until the year is
entered — by days on the page, by pasting the State Council notice, or by the CLI — and then computed at once,
audited and told to the unit; meanwhile the admin is reminded every working day."""
import io
import os
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from supervision import timeutil, workcal
from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.letters import operations
from supervision.letters.models import Letter
from supervision.rectification import operations as rect_ops, queries as rect_q
from supervision.rectification.models import OpenLetter
from supervision.reminders.models import Notification
from supervision.reminders.jobs import run_due_reminders
from supervision.timeutil import TZ
from tests.helpers import login, make_user

from .conftest import make_visit

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")

DATA = Path(__file__).resolve().parent.parent / "data"
DEC2 = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
PENDING = "待定（2027年工作日历未录入）"


@pytest.fixture
def dec2(monkeypatch):
    """Today is 2 December 2026 in Beijing, whatever day the tests run."""
    monkeypatch.setattr(timeutil, "now", lambda: DEC2)


@pytest.fixture
def received(dec2, admin, rang_unit):
    """A letter issued on 30 November 2026 and signed for by the unit on 2 December: 30 days end in 2027."""
    clerk = make_user("unit", unit=rang_unit, display_name="瀼河乡联络员")
    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    letter = operations.issue_letter(draft.id, admin, issue_date=date(2026, 11, 30))
    operations.record_receipt(letter, clerk, when=DEC2)
    db.session.commit()
    return letter, clerk


def test_receipt_on_2_december_is_stored_with_the_deadline_pending(received):
    letter, clerk = received
    assert not workcal.year_known(2027)
    fresh = db.session.get(Letter, letter.id)
    assert (fresh.receipt_kind, fresh.receipt_date, fresh.received_by_id) == ("sign", date(2026, 12, 2), clerk.id)
    assert fresh.received_at is not None
    assert fresh.deadline is None and fresh.deadline_pending and fresh.deadline_text == PENDING
    assert PENDING in fresh.deadline_note and "2026-12-02 签收 + 30 日" in fresh.deadline_note
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == letter.id,
                                                        AuditEntry.action == "receipt")).one()
    assert entry.user_id == clerk.id and PENDING in entry.summary
    # The rectification state: received (整改中), never overdue however late it is asked, and the stored
    # state agrees (conftest checks every letter after the test too).
    st = rect_q.letter_state(fresh, today=date(2027, 6, 1))
    assert st.code == "in_progress" and st.deadline is None and st.overdue_days == 0 and not st.overdue
    assert db.session.get(OpenLetter, letter.id).deadline is None


def _login(client, user):
    assert login(client, user.username).status_code == 302


def test_pending_deadline_is_shown_on_every_page_and_export(received, admin, client):
    letter, clerk = received
    _login(client, admin)
    for path in (f"/letters/{letter.id}", "/letters/", "/letters/register?year=2026", "/rectification/ledger?year=2026",
                 f"/rectification/letters/{letter.id}"):
        body = client.get(path).get_data(as_text=True)
        assert PENDING in body, path
    for path, sheet_col in (("/rectification/ledger.xlsx?year=2026", None), ("/letters/register?year=2026&format=xlsx", None)):
        resp = client.get(path)
        assert resp.status_code == 200, path
        ws = load_workbook(io.BytesIO(resp.data)).active
        values = [c.value for row in ws.iter_rows() for c in row]
        assert PENDING in values, path
    client.post("/logout")
    _login(client, clerk)
    for path in ("/letters/inbox", "/rectification/mine", f"/letters/{letter.id}"):
        body = client.get(path).get_data(as_text=True)
        assert PENDING in body, path


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _pending_reminders():
    return [n for n in db.session.scalars(select(Notification).order_by(Notification.id))
            if n.rule == "office-deadline-pending"]


def test_admin_is_reminded_every_working_day_while_a_deadline_is_pending(received, admin):
    letter, _ = received
    run_due_reminders(at("2026-12-02T09:30"))
    run_due_reminders(at("2026-12-02T15:00"))
    sent = _pending_reminders()
    assert len(sent) == 1 and sent[0].recipient_id == admin.id
    assert "2027年" in sent[0].title and letter.number in sent[0].body and sent[0].link == "/calendar/?year=2027"
    run_due_reminders(at("2026-12-03T09:30"))
    run_due_reminders(at("2026-12-04T09:30"))
    run_due_reminders(at("2026-12-05T09:30"))  # Saturday
    run_due_reminders(at("2026-12-06T09:30"))  # Sunday
    assert [n.key.rsplit(":", 1)[1] for n in _pending_reminders()] == ["2026-12-02", "2026-12-03", "2026-12-04"]
    # 2027 itself unknown: Monday to Friday (Friday 1 January included, Saturday and Sunday not).
    for day in ("2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"):
        run_due_reminders(at(f"{day}T09:30"))
    days = [n.key.rsplit(":", 1)[1] for n in _pending_reminders()]
    assert [d for d in days if d.startswith("2027")] == ["2027-01-01", "2027-01-04"]
    assert len(days) == len(set(days))  # one a day
    # Once 2027 is entered the deadline is computed and the reminders stop.
    workcal.enter_year(2027, [(date(2027, 1, 1), "元旦")], [], source="test")
    db.session.commit()
    run_due_reminders(at("2027-01-05T09:30"))
    assert len(_pending_reminders()) == len(days)


def _deadline_told(letter, clerk):
    notes = db.session.scalars(select(Notification).where(Notification.recipient_id == clerk.id)).all()
    return [n for n in notes if n.title.startswith("整改期限已确定") and letter.number in n.title]


def test_entering_2027_by_days_on_the_page_computes_audits_and_notifies(received, admin, client):
    letter, clerk = received
    _login(client, admin)
    resp = client.post("/calendar/", data={"year": "2027", "holidays": "2027-01-01 元旦\n2027-10-01~2027-10-07 国庆节",
                                           "workdays": ""}, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "1份意见书的整改期限已随之计算" in body
    db.session.expire_all()
    fresh = db.session.get(Letter, letter.id)
    # 2026-12-02 + 30 = 2027-01-01 元旦; 2 and 3 January are a weekend: Monday 4 January.
    assert fresh.deadline == date(2027, 1, 4) and not fresh.deadline_pending
    assert fresh.deadline_note == "2026-12-02 签收 + 30 日 = 2027-01-01，元旦顺延至 2027-01-04"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == letter.id,
                                                        AuditEntry.action == "deadline_computed")).one()
    assert entry.user_id == admin.id and "2027-01-04" in entry.summary
    told = _deadline_told(fresh, clerk)
    assert len(told) == 1 and "2027年1月4日" in told[0].title and fresh.deadline_note in told[0].body
    assert db.session.get(OpenLetter, letter.id).deadline == date(2027, 1, 4)
    page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert f">{PENDING}<" not in page and "<strong>2027年1月4日</strong>" in page  # (the history still tells)


def test_entering_2027_by_pasting_the_notice_previews_then_saves_on_confirmation(received, admin, client):
    letter, clerk = received
    text = (DATA / "holiday-notice-2027-synthetic.txt").read_text(encoding="utf-8")
    _login(client, admin)
    audits = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    preview = client.post("/calendar/notice", data={"notice-text": text, "notice-year": ""})
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "尚未保存" in body and "2027年12月" in body
    assert "二、春节：放假2月5日（周五）至2月13日（周六），共9天" in body and body.count("cal-month") == 12
    db.session.expire_all()
    assert not workcal.year_known(2027) and db.session.get(Letter, letter.id).deadline is None
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == audits
    # The confirmation carries the text and parses it again; a text of another year is refused.
    other = (DATA / "holiday-notice-2026.txt").read_text(encoding="utf-8")
    refused = client.post("/calendar/notice", data={"notice-confirmed": other, "notice-year": "2027"}).get_data(as_text=True)
    assert "与要录入的2027年不符" in refused
    db.session.expire_all()
    assert not workcal.year_known(2027)
    assert db.session.get(workcal.CalendarYear, 2026) is None
    done = client.post("/calendar/notice", data={"notice-confirmed": text, "notice-year": "2027"},
                       follow_redirects=True)
    assert "1份意见书的整改期限已随之计算" in done.get_data(as_text=True)
    db.session.expire_all()
    assert workcal.year_known(2027) and workcal.day_info(date(2027, 2, 20)).workday
    assert workcal.day_info(date(2027, 2, 8)).reason == "春节"
    fresh = db.session.get(Letter, letter.id)
    assert fresh.deadline == date(2027, 1, 4)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == letter.id,
                                                       AuditEntry.action == "deadline_computed")).one()
    year_entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "calendar_year",
                                                             AuditEntry.record_id == 2027)).one()
    assert year_entry.user_id == admin.id and "按国务院办公厅通知录入2027年" in year_entry.summary
    assert len(_deadline_told(fresh, clerk)) == 1


def test_a_letter_whose_deadline_is_known_is_not_touched_when_a_year_is_entered(dec2, admin, rang_unit):
    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    letter = operations.issue_letter(draft.id, admin, issue_date=date(2026, 10, 30))
    operations.record_delivery(letter, date(2026, 11, 2), admin)  # + 30 = 2026-12-02, known
    db.session.commit()
    assert letter.deadline == date(2026, 12, 2)
    assert workcal.enter_year(2027, [(date(2027, 1, 1), "元旦")], []) == []
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline_computed")).all()
