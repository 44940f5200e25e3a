"""Test data for reminders, built with the models directly."""
import itertools
from datetime import date

from supervision.extensions import db
from supervision.letters.deadline import compute_deadline
from supervision.letters.models import Letter, LetterStatus
from supervision.letters.operations import ensure_default_type
from supervision.reminders.models import Notification, ReminderSettings
from supervision.schedule.models import Slot

from tests.helpers import make_unit, make_user, office

_seq = itertools.count(1)


def make_slot(start: date, units=None, inspectors=None, office_name="行政执法协调监督室", month=None, week=None) -> Slot:
    from datetime import timedelta

    slot = Slot(year=start.year, month=month or start.month, week=week or (start.day - 1) // 7 + 1,
                start_date=start, end_date=start + timedelta(days=4), lead_office_id=office(office_name).id)
    for u in units or []:
        slot.units.append(u)
    for i in inspectors or []:
        slot.inspectors.append(i)
    db.session.add(slot)
    db.session.commit()
    return slot


def make_letter(unit, issue_date: date, receipt_date: date | None = None, period: int = 30) -> Letter:
    lt = ensure_default_type()
    seq = next(_seq)
    letter = Letter(letter_type_id=lt.id, unit_id=unit.id, status=LetterStatus.issued.value, period_days=period,
                    year=issue_date.year, seq=seq, number=f"鲁政行监字〔{issue_date.year}〕{seq}号",
                    issue_date=issue_date, problem_count=0)
    if receipt_date is not None:
        dl = compute_deadline(receipt_date, period)
        letter.receipt_kind = "sign"
        letter.receipt_date = receipt_date
        letter.deadline = dl.due
        letter.deadline_note = dl.explanation
    db.session.add(letter)
    db.session.commit()
    return letter


def configure(**values) -> ReminderSettings:
    row = db.session.query(ReminderSettings).first()
    if row is None:
        row = ReminderSettings()
        db.session.add(row)
    for k, v in values.items():
        setattr(row, k, v)
    db.session.commit()
    return row


def notes(rule: str | None = None, user=None) -> list[Notification]:
    q = db.session.query(Notification)
    if user is not None:
        q = q.filter(Notification.recipient_id == user.id)
    out = q.order_by(Notification.id).all()
    if rule is not None:
        out = [n for n in out if n.rule == rule]
    return out


__all__ = ["make_slot", "make_letter", "configure", "notes", "make_unit", "make_user"]
