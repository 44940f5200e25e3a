"""Test data for reminders: letters through the letters service (only states it allows), plan slots, settings."""
from datetime import date, timedelta

from supervision.accounts.models import Role, User
from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.letters.models import Letter
from supervision.reminders.models import Notification, ReminderSettings
from supervision.reminders.rules import KIND_LABELS
from supervision.schedule.models import Slot
from tests.helpers import make_unit, make_user, office
from tests.letters.conftest import LETTER, make_visit


def make_slot(start: date, units=None, inspectors=None, office_name="行政执法协调监督室", month=None, week=None) -> Slot:
    slot = Slot(year=start.year, month=month or start.month, week=week or (start.day - 1) // 7 + 1,
                start_date=start, end_date=start + timedelta(days=4), lead_office_id=office(office_name).id)
    for u in units or []:
        slot.units.append(u)
    for i in inspectors or []:
        slot.inspectors.append(i)
    db.session.add(slot)
    db.session.commit()
    return slot


def _issuer():
    """The admin who issues the factory's letters: the first active admin, or a new one if there is none yet."""
    admin = db.session.query(User).filter_by(role=Role.admin.value, active=True).order_by(User.id).first()
    return admin or make_user("admin", display_name="签发人")


def make_letter(unit, issue_date: date, receipt_date: date | None = None, period: int = 30) -> Letter:
    """An issued letter to `unit`, made as the letters service makes one: a submitted visit of `unit` with one
    problem to be put in a letter, a draft from it, issued on issue_date (numbered, its PDF stored, the unit's
    users told) and, given a receipt_date, its paper delivery recorded that day (which sets the deadline)."""
    admin = _issuer()
    visit = make_visit(unit, problems=(LETTER,), visit_date=issue_date - timedelta(days=3))
    draft = letters.draft_letter(visit, admin)
    if draft.period_days != period:
        letters.update_draft(draft, {"period_days": period}, admin)
    db.session.commit()
    letter = letters.issue_letter(draft.id, admin, issue_date=issue_date)
    if receipt_date is not None:
        letters.record_delivery(letter, receipt_date, admin)
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
    """The reminders the rules made (of `rule`, to `user`), oldest first. One-off messages are left out: issuing
    a letter tells the unit's users 收到意见书 (a registered message kind), which is not a reminder."""
    q = db.session.query(Notification)
    if user is not None:
        q = q.filter(Notification.recipient_id == user.id)
    out = [n for n in q.order_by(Notification.id) if n.rule not in KIND_LABELS]
    if rule is not None:
        out = [n for n in out if n.rule == rule]
    return out


__all__ = ["make_slot", "make_letter", "configure", "notes", "make_unit", "make_user"]
