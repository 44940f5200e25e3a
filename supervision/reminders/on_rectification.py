"""The messages rectification's events send (rectification/signals.py): the unit hears of returns, failed
on-site checks, decisions on extensions and closure; the office of reports, extension requests and 自查; the
inspectors of the on-site checks they are to make. In the sender's transaction: committed with the change."""
from __future__ import annotations

from sqlalchemy import select

from .. import timeutil
from ..accounts.models import Role, User
from ..extensions import db
from ..rectification import signals
from .operations import notify


def _link(letter) -> str:
    return f"/rectification/letters/{letter.id}"


def _unit_users(unit_id: int) -> list[User]:
    return db.session.scalars(select(User).where(User.role == Role.unit.value, User.unit_id == unit_id,
                                                 User.active.is_(True)).order_by(User.id)).all()


def _admins() -> list[User]:
    return db.session.scalars(select(User).where(User.role == Role.admin.value, User.active.is_(True))
                              .order_by(User.id)).all()


def _send(users, title: str, body: str, link: str) -> None:
    for u in users:
        notify(u, title, body, link)


def on_report_submitted(letter, submission, replies, **_kw) -> None:
    late = f"，超过期限{submission.days_late}日（迟报）" if submission.late else ""
    _send(_admins(), f"{letter.unit.name}报送了整改情况",
          f"{letter.number}：第{submission.round}次报送，{len(replies)}个问题待审核{late}。", _link(letter))


def on_reply_returned(reply, **_kw) -> None:
    letter = reply.letter
    _send(_unit_users(letter.unit_id), f"{letter.number} 第{reply.problem.position}个问题被退回",
          f"退回理由：{reply.decision_note}。请修改后重新报送。", _link(letter))


def on_site_check_ordered(reply, inspectors, visit_date, **_kw) -> None:
    letter = reply.letter
    _send(inspectors, f"实地查验：{letter.unit.name}",
          f"{letter.number} 第{reply.problem.position}个问题需实地查验（{timeutil.cn_date(visit_date)}）。"
          "请填写并提交回头看检查记录后登记查验结果。", _link(letter))


def on_site_check_failed(reply, **_kw) -> None:
    letter = reply.letter
    _send(_unit_users(letter.unit_id), f"{letter.number} 第{reply.problem.position}个问题实地查验未通过",
          f"原因：{reply.site_note}。请继续整改后重新报送。", _link(letter))


def on_letter_closed(letter, **_kw) -> None:
    _send(_unit_users(letter.unit_id), f"{letter.number} 已办结", "意见书所列问题均已整改通过，本件已办结。",
          _link(letter))


def on_extension_requested(ext, **_kw) -> None:
    letter = ext.letter
    _send(_admins(), f"{letter.unit.name}申请延期",
          f"{letter.number}：申请延期至{timeutil.cn_date(ext.requested_date)}。理由：{ext.reason}", _link(letter))


def on_extension_decided(ext, summary: str, **_kw) -> None:
    letter = ext.letter
    _send(_unit_users(letter.unit_id), f"{letter.number} 延期申请{ext.status_label}", summary, _link(letter))


def on_self_inspection_submitted(si, **_kw) -> None:
    late = f"，逾期{si.days_late}日" if si.days_late else ""
    _send(_admins(), f"{si.unit.name}报送了{si.year}年自查材料", f"报送日期：{timeutil.cn_date(si.submitted_on)}{late}。",
          f"/rectification/self-inspections/{si.id}")


signals.report_submitted.connect(on_report_submitted)
signals.reply_returned.connect(on_reply_returned)
signals.site_check_ordered.connect(on_site_check_ordered)
signals.site_check_failed.connect(on_site_check_failed)
signals.letter_closed.connect(on_letter_closed)
signals.extension_requested.connect(on_extension_requested)
signals.extension_decided.connect(on_extension_decided)
signals.self_inspection_submitted.connect(on_self_inspection_submitted)
