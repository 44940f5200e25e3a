"""Reminders of the filing registers: a unit's draft decision 3 days before its filing falls due, and the office
when a filing has waited more than five working days — each once (the sweep's keys)."""
from datetime import date, datetime

from supervision.extensions import db
from supervision.reminders.jobs import run_due_reminders
from supervision.timeutil import TZ
from tests.helpers import make_user
from tests.reminders.factories import notes

from .conftest import file_penalty, set_today


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_a_draft_decision_is_reminded_three_days_before_its_filing_is_due(unit_user, monkeypatch):
    set_today(monkeypatch, date(2026, 9, 28))
    draft = file_penalty(unit_user, submit=False)  # decided 09-22: due 10-08 (国庆), reminded 10-05 → before: 09-30
    run_due_reminders(at("2026-09-29T09:00"))
    assert notes("filing-due") == []
    run_due_reminders(at("2026-09-30T09:00"))
    run_due_reminders(at("2026-09-30T10:00"))
    sent = notes("filing-due")
    assert [n.recipient_id for n in sent] == [unit_user.id]
    assert "2026年10月8日" in sent[0].title or "10月8日" in sent[0].title
    assert sent[0].key.endswith(f":penalty-{draft.id}:2026-10-08")
    assert sent[0].link == f"/filings/penalty/{draft.id}/edit"


def test_the_office_hears_of_a_filing_waiting_more_than_five_working_days(unit_user, monkeypatch):
    admin = make_user("admin")
    set_today(monkeypatch, date(2026, 11, 2))
    monkeypatch.setattr("supervision.timeutil.utcnow", lambda: datetime(2026, 11, 2, 2, 0))
    f = file_penalty(unit_user)  # submitted Monday 11-02; 5 working days: Tue–Mon
    run_due_reminders(at("2026-11-09T09:00"))
    assert notes("filing-review") == []
    run_due_reminders(at("2026-11-10T09:00"))
    sent = notes("filing-review")
    assert [n.recipient_id for n in sent] == [admin.id]
    assert "超过5个工作日" in sent[0].title and sent[0].link == f"/filings/penalty/{f.id}"
    f.status = "filed"
    db.session.commit()
    run_due_reminders(at("2026-11-17T09:00"))
    assert len(notes("filing-review")) == 1
