"""Reminder rules of the filing registers (备案审查), in the scheme of rules.py (a stateless rule, a deterministic
key: rule, recipient, subject record, due date — so each goes out exactly once).

- filing-due: to the unit's users, 3 days before a 重大行政处罚 filing falls due — for a decision the unit entered
  as a draft and has not filed (a decision the office does not know of cannot be reminded of).
- filing-review: to every admin, when a filing has waited more than N working days (the reminders' review
  setting, 5) for the office to register or decide it.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from .. import workcal
from ..extensions import db
from ..filings.models import NormativeFiling, NormativeStatus, PenaltyFiling, PenaltyStatus
from ..filings.queries import penalty_deadline
from ..timeutil import to_local
from .rules import Reminder, SweepContext, admins, rule, url, weekday_date

DUE_DAYS_BEFORE = 3


@rule("filing-due", "受监督单位：重大行政处罚备案期限临近")
def filing_due(ctx: SweepContext) -> Iterator[Reminder]:
    today = ctx.now.date()
    # A draft's period is at most a year long in any setting: only drafts decided in that span can be due.
    drafts = db.session.scalars(select(PenaltyFiling).where(
        PenaltyFiling.status == PenaltyStatus.draft.value,
        PenaltyFiling.decision_date >= today - timedelta(days=400))).all()
    ctx.prefetch_unit_users([f.unit_id for f in drafts])
    for f in drafts:
        try:
            due = penalty_deadline(f.decision_date).due
        except workcal.UnknownYear:
            continue
        send_at = ctx.at(ctx.before(due - timedelta(days=DUE_DAYS_BEFORE)), "deadline_time")
        if not ctx.due(send_at) or due < today:
            continue
        title = f"重大行政处罚备案即将到期：{f.decision_number}须于{weekday_date(due)}前报送"
        body = (f"本单位{weekday_date(f.decision_date)}作出的重大行政处罚决定（{f.decision_number}，"
                f"当事人{f.party_name}）尚未报送备案，备案期限为{weekday_date(due)}。"
                "请上传备案报告、决定书复印件和备案表后报送。")
        for user in ctx.unit_users(f.unit_id):
            yield Reminder("filing-due", user, f"penalty-{f.id}", due, send_at, title, body,
                           url("filings.penalty_edit", filing_id=f.id))


@rule("filing-review", "监督室：备案待审超期")
def filing_review(ctx: SweepContext) -> Iterator[Reminder]:
    n = ctx.number("review_workdays")
    waiting = [("penalty", f) for f in db.session.scalars(select(PenaltyFiling).where(
        PenaltyFiling.status.in_((PenaltyStatus.submitted.value, PenaltyStatus.registered.value))))]
    waiting += [("normative", f) for f in db.session.scalars(select(NormativeFiling).where(
        NormativeFiling.status.in_((NormativeStatus.submitted.value, NormativeStatus.registered.value))))]
    recipients = admins()
    for kind, f in waiting:
        if f.submitted_at is None:
            continue
        submitted_on = to_local(f.submitted_at).date()
        send_at = ctx.at(ctx.add_workdays(submitted_on, n + 1), "office_time")
        if not ctx.due(send_at):
            continue
        what = (f"重大行政处罚备案（{f.decision_number}）" if kind == "penalty"
                else f"规范性文件备案《{f.title}》")
        title = f"备案待审：{f.unit.name}的{what}已等待超过{n}个工作日"
        body = (f"{f.unit.name}于{weekday_date(submitted_on)}报送的{what}{f.status_label}，"
                f"已超过{n}个工作日，请及时登记审查。")
        for user in recipients:
            yield Reminder("filing-review", user, f"{kind}-{f.id}", submitted_on, send_at, title, body,
                           url("filings.penalty", filing_id=f.id) if kind == "penalty" else url("filings.normative", doc_id=f.id))
