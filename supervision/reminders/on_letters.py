"""What reminders does when letters announce something (letters/signals.py): tell every active user of the
letter's unit in the app's inbox, within the letter's transaction. The key (with the user's id in front) makes
each message exactly once."""
from __future__ import annotations

from ..accounts.models import Role, User
from ..extensions import db
from ..letters import signals
from ..letters.models import RECEIPT_KINDS
from ..letters.queries import letter_path
from ..timeutil import cn_date
from .rules import register_kind
from .operations import notify

register_kind("letter_issued", "意见书签发通知")


def _tell_unit_users(letter, title: str, body: str, key: str) -> int:
    users = db.session.query(User).filter_by(role=Role.unit.value, unit_id=letter.unit_id, active=True).all()
    for u in users:
        notify(u, title, body, link=letter_path(letter.id), key=key.format(user=u.id))
    return len(users)


def on_letter_issued(letter, **_kw) -> int:
    """The unit's users learn their letter was issued; returns how many were told (the issue's audit entry)."""
    number = letter.number
    return _tell_unit_users(
        letter, f"收到{letter.letter_type.name} {number}",
        f"监督室已向{letter.unit.name}签发{letter.letter_type.name} {number}。请打开查阅并签收，"
        f"整改期限自签收次日起算{letter.period_days}日。",
        "letter_issued:{user}:letter-" + str(letter.id))


def on_deadline_resolved(letter, deadline, **_kw) -> int:
    """The unit's users learn the deadline that waited for a year's working calendar (as when it was issued)."""
    return _tell_unit_users(
        letter, f"整改期限已确定：{letter.number} 至{cn_date(deadline.due)}",
        f"你单位{cn_date(letter.receipt_date)}{RECEIPT_KINDS.get(letter.receipt_kind, '签收')}的"
        f"{letter.letter_type.name}（{letter.number}），整改期限原因工作日历未录入而待定，现已确定为"
        f"{cn_date(deadline.due)}。\n期限计算：{deadline.explanation}",
        "letter_deadline:{user}:letter-" + f"{letter.id}:{deadline.due.isoformat()}")


signals.letter_issued.connect(on_letter_issued)
signals.deadline_resolved.connect(on_deadline_resolved)
