"""Demo data of this part, loaded by `flask --app wsgi demo` (must be idempotent).

Runs after the schedule and visits demos: every submitted demo visit with 需下达意见书 problems gets a
letter, issued a few days after the visit. Earlier letters get a paper delivery date; the newest letter
to 鲁山县瀼河乡人民政府 is left for the demo unit user to open and sign (签收).
"""
from datetime import timedelta

from .. import timeutil
from ..accounts.models import Role, User
from ..extensions import db
from ..fonts import FontError
from . import operations, queries
from .errors import LetterError

UNSIGNED_UNIT = "鲁山县瀼河乡人民政府"


def load(echo):
    """Add this part's demo records; echo(str) prints a line for the person running demo."""
    operations.ensure_default_type()
    db.session.commit()
    admin = db.session.query(User).filter_by(role=Role.admin.value, active=True).order_by(User.id).first()
    if admin is None:
        echo("意见书：没有管理员账号，跳过演示意见书。")
        return
    today = timeutil.today()
    visits = sorted(queries.visits_awaiting_letter(), key=lambda v: (v.visit_date, v.id))
    issued = []
    for visit in visits:
        if queries.live_letter_for_visit(visit.id) is not None:
            continue
        try:
            letter = operations.draft_letter(visit, admin)
            db.session.commit()
        except LetterError as exc:
            db.session.rollback()
            echo(f"意见书：{visit.unit.name} 未起草（{exc}）")
            continue
        issue_day = min(visit.visit_date + timedelta(days=5), today)
        try:
            letter = operations.issue_letter(letter.id, admin, issue_date=issue_day)
            db.session.commit()
        except (LetterError, FontError) as exc:
            db.session.rollback()
            echo(f"意见书：{visit.unit.name} 的草稿未签发（{exc}）")
            continue
        issued.append(letter)
        if letter.unit.name != UNSIGNED_UNIT:
            try:
                operations.record_delivery(letter, min(issue_day + timedelta(days=2), today), admin)
                db.session.commit()
            except LetterError as exc:
                db.session.rollback()
                echo(f"意见书：{letter.number} 未登记送达（{exc}）")
    for letter in issued:
        state = (f"整改期限 {letter.deadline.isoformat()}" if letter.deadline
                 else "整改期限待定" if letter.deadline_pending else "待签收")
        echo(f"意见书：已签发 {letter.number} → {letter.unit.name}（{len(letter.items)}个问题，{state}）")
    if not issued:
        echo("意见书：没有新的待下达问题，演示意见书已存在。")
