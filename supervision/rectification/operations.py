"""Changing rectification: replies, submission, review, on-site checks, extensions, 自查.

Every function that changes state checks the transition (and, by supervision.policy, who may make it), changes
it, writes the audit entry, flushes, and announces what happened (signals.py) — the commit is its caller's: the
request's, once. Audit entries of a letter's rectification are recorded against the letter (record_type
"letter"), so the letter's history reads in one list. Reads are in queries.py.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import and_, or_, select

from .. import audit, timeutil, uploads
from ..accounts.models import Role, User
from ..extensions import db
from ..letters.models import Letter, LetterProblem
from ..policy import can
from ..uploads import PDF, Attachment, CheckedFile, attachments_for, delete_attachment, store
from ..visits import operations as visits_operations
from . import access  # noqa: F401  (declares the rules asked here)
from . import signals
from .models import (DRAFT, REPLY_OWNER, SELF_OWNER, SUBMISSION_OWNER, SUBMITTED, Closure, Decision, Extension,
                     ExtensionStatus, Reply, SelfInspection, SiteResult, Submission)
from .queries import (ProblemState, ProblemStatus, Status, closure_facts, current_deadline, draft_submission,
                      can_record_site_result, letter_state, self_inspection_of)


class RectificationError(ValueError):
    """A rule of rectification was broken; the message is for the user, and nothing was changed."""


def record_closure(letter: Letter, status: Status) -> None:
    """Note that `letter` is 已办结 (status says so); once. Called where a letter closes."""
    if status.closed and db.session.get(Closure, letter.id) is None:
        db.session.add(Closure(**closure_facts(letter, status)))
        db.session.flush()

# --- helpers --------------------------------------------------------------------------------------

def _record(action: str, letter: Letter, summary: str, before=None, after=None, user=None) -> None:
    audit.record(action, record_type="letter", record_id=letter.id, summary=summary, before=before, after=after,
                 user=user)


def _require_open(letter: Letter, status: Status) -> None:
    if letter.is_voided:
        raise RectificationError(f"{letter.number} 已作废，不再办理整改。")
    if not letter.received:
        raise RectificationError(f"{letter.number} 尚未签收或送达，签收后才能报送整改情况。")
    if status.closed:
        raise RectificationError(f"{letter.number} 已办结（{timeutil.cn_date(status.closed_on)}），不能再报送或修改。")


def _require_unit_user(user: User, letter: Letter) -> None:
    if not can("rectification.reply", letter, user=user):
        raise RectificationError("只有受文单位的用户可以办理本单位的整改报送。")


def _require_admin(rule: str, user: User, what: str) -> None:
    """The office's steps (rules of access.py admitting only the 监督室管理员)."""
    if not can(rule, user=user):
        raise RectificationError(f"只有监督室管理员可以{what}。")


def _problem_of(letter: Letter, problem_id: int) -> LetterProblem:
    problem = next((i for i in letter.items if i.id == problem_id), None)
    if problem is None:
        raise RectificationError("该问题不属于这份意见书。")
    return problem


def _pdf_scan(scan: CheckedFile | None, required: bool) -> None:
    if scan is None:
        if required:
            raise RectificationError("请上传加盖公章的整改报告扫描件（PDF）。")
        return
    if scan.kind is not PDF:
        raise RectificationError(f"“{scan.original_name}”是{scan.kind.label}，整改报告扫描件应为 PDF 文件。")


def _limit(key: str) -> int:
    return int(current_app.config[key])


def check_letter_quota(letter: Letter, files: list[CheckedFile], user: User | None, for_reply: bool = False,
                       reply: Reply | None = None) -> None:
    """Refuse (uploads.UploadError) files that would pass the quota of the reply (for_reply: `reply` is the
    draft they join, None for a new one), of the letter's whole rectification material, or of the unit's uploads
    today. Call before storing anything."""
    if not files:
        return
    if for_reply:
        used = uploads.usage(Attachment.owner_type == REPLY_OWNER, Attachment.owner_id == reply.id) \
            if reply is not None else uploads.Usage(0, 0)
        uploads.check_quota("本条答复", used, files, _limit("UPLOAD_REPLY_MAX_FILES"), _limit("UPLOAD_REPLY_MAX_BYTES"))
    reply_ids = select(Reply.id).where(Reply.letter_id == letter.id).scalar_subquery()
    sub_ids = select(Submission.id).where(Submission.letter_id == letter.id).scalar_subquery()
    used = uploads.usage(or_(and_(Attachment.owner_type == REPLY_OWNER, Attachment.owner_id.in_(reply_ids)),
                             and_(Attachment.owner_type == SUBMISSION_OWNER, Attachment.owner_id.in_(sub_ids))))
    uploads.check_quota(f"{letter.number or '本意见书'}的整改材料", used, files, _limit("UPLOAD_LETTER_MAX_FILES"),
                        _limit("UPLOAD_LETTER_MAX_BYTES"))
    if user is not None and user.role == Role.unit.value and user.unit_id:
        uploads.check_unit_daily_quota(select(User.id).where(User.unit_id == user.unit_id), files)


def reply_snapshot(r: Reply) -> dict:
    return {"reply": r.id, "problem": r.letter_problem_id, "round": r.round, "status": r.status, "text": r.text,
            "measures": r.measures, "decision": r.decision, "decision_note": r.decision_note,
            "site_visit": r.site_visit_id, "site_result": r.site_result}


# --- replies (the unit's drafts) ------------------------------------------------------------------

def save_reply_draft(letter: Letter, problem_id: int, user: User, text: str, measures: str = "",
                     files: list[CheckedFile] = ()) -> Reply:
    """Keep the unit's draft reply to one problem (what was done, measures adopted, proof attached)."""
    _require_unit_user(user, letter)
    status = letter_state(letter)
    _require_open(letter, status)
    problem = _problem_of(letter, problem_id)
    ps = status.problem(problem.id)
    if ps.state is ProblemState.accepted:
        raise RectificationError(f"第{problem.position}个问题已通过审核，不需要再答复。")
    if ps.state.under_review:
        raise RectificationError(f"第{problem.position}个问题的答复正在审核中（{ps.state.label}），审核完成前不能修改。")
    text, measures = (text or "").strip(), (measures or "").strip()
    if not text and not measures and not files and ps.draft is None:
        raise RectificationError("请填写整改情况或上传佐证材料。")
    reply = ps.draft
    check_letter_quota(letter, list(files), user, for_reply=True, reply=reply)
    before = reply_snapshot(reply) if reply else None
    if reply is None:
        reply = Reply(letter_id=letter.id, letter_problem_id=problem.id, round=len(ps.rounds) + 1, status=DRAFT,
                      created_by_id=user.id)
        db.session.add(reply)
    reply.text, reply.measures = text, measures
    reply.updated_at = timeutil.utcnow()
    db.session.flush()
    names = [store(f, REPLY_OWNER, reply.id, user=user).original_name for f in files]
    after = dict(reply_snapshot(reply), attachments_added=names)
    _record("rect.reply_draft", letter, f"保存第{problem.position}个问题的整改答复草稿（第{reply.round}轮）",
            before=before, after=after, user=user)
    return reply


def delete_reply_attachment(reply: Reply, att_id: int, user: User) -> None:
    """Remove a proof file from a draft reply."""
    _require_unit_user(user, reply.letter)
    if not reply.is_draft:
        raise RectificationError("已报送的答复不能再删除附件。")
    att = next((a for a in attachments_for(REPLY_OWNER, reply.id) if a.id == att_id), None)
    if att is None:
        raise RectificationError("附件不存在。")
    _record("rect.reply_attachment_delete", reply.letter, f"删除整改答复草稿的附件“{att.original_name}”",
            before={"reply": reply.id, "attachment": att.original_name}, user=user)
    delete_attachment(att)


def _next_round(letter: Letter) -> int:
    rounds = db.session.scalars(select(Submission.round).where(Submission.letter_id == letter.id)).all()
    return max(rounds, default=0) + 1


def save_report_draft(letter: Letter, user: User, report_text: str, scan: CheckedFile | None = None) -> Submission:
    """Keep the draft of the overall rectification report (text, and the signed scan when uploaded)."""
    _require_unit_user(user, letter)
    status = letter_state(letter)
    _require_open(letter, status)
    _pdf_scan(scan, required=False)
    sub = draft_submission(letter)
    before = {"report_text": sub.report_text} if sub else None
    if sub is None:
        sub = Submission(letter_id=letter.id, round=_next_round(letter), status=DRAFT, created_by_id=user.id)
        db.session.add(sub)
    sub.report_text = (report_text or "").strip()
    sub.updated_at = timeutil.utcnow()
    db.session.flush()
    after = {"report_text": sub.report_text}
    if scan is not None:
        for old in attachments_for(SUBMISSION_OWNER, sub.id):
            delete_attachment(old)  # one signed scan per report: a new upload replaces it
        db.session.flush()
        check_letter_quota(letter, [scan], user)
        after["scan"] = store(scan, SUBMISSION_OWNER, sub.id, user=user, note="整改报告扫描件").original_name
    _record("rect.report_draft", letter, f"保存整改报告草稿（第{sub.round}次报送）", before=before, after=after,
            user=user)
    return sub


def save_answers(letter: Letter, user: User, answers: dict[int, tuple[str, str]], report_text: str | None,
                 files: dict[int, list[CheckedFile]] | None = None, scan: CheckedFile | None = None) -> int:
    """The unit's whole reply page saved at once: every open problem's answer and measures, its new proof files,
    the report text and the signed scan. answers: {letter_problem_id: (what was done, measures)}; fields of a
    problem that does not need a reply (accepted, under review) or is not this letter's are ignored.

    Refused as a whole (RectificationError, nothing changed) while the last report is under review, or when the
    letter is closed, voided or not signed for. A field left as it was is not saved again (no audit entry for it),
    so the page's autosave every few seconds writes only what changed. Returns how many drafts were written.
    The caller commits once: all of it or none.
    """
    _require_unit_user(user, letter)
    status = letter_state(letter)
    _require_open(letter, status)
    if status.under_review:
        raise RectificationError("整改情况已报送，监督室正在审核，审核完成前不能修改。")
    files = files or {}
    _pdf_scan(scan, required=False)
    written = 0
    for ps in status.problems:
        if not ps.state.needs_reply:
            continue
        new_files = list(files.get(ps.problem.id, []))
        draft = ps.draft
        text, measures = answers.get(ps.problem.id, (draft.text if draft else "", draft.measures if draft else ""))
        text, measures = (text or "").strip(), (measures or "").strip()
        if draft is not None and (draft.text, draft.measures) == (text, measures) and not new_files:
            continue
        if draft is None and not text and not measures and not new_files:
            continue
        save_reply_draft(letter, ps.problem.id, user, text, measures, new_files)
        written += 1
    if report_text is not None or scan is not None:
        sub = draft_submission(letter)
        text = (report_text if report_text is not None else (sub.report_text if sub else "")).strip()
        unchanged = (sub.report_text if sub else "") == text
        if scan is not None or not unchanged:
            save_report_draft(letter, user, text, scan)
            written += 1
    return written


def _close_if_done(letter: Letter, user: User) -> None:
    status = letter_state(letter)
    if status.closed:
        record_closure(letter, status)
        _record("rect.close", letter, f"{letter.number} 所有问题整改通过，已办结",
                after={"closed_at": status.closed_at, "closed_by": user.username}, user=user)
        signals.letter_closed.send(letter)


def _finish_submission(letter: Letter, sub: Submission, drafts: list[Reply], user: User, day: date,
                       deadline: date | None, on_behalf: bool) -> Submission:
    now = timeutil.utcnow()
    sub.status = SUBMITTED
    sub.submitted_at = now
    sub.submitted_by_id = user.id
    sub.submitted_on = day
    sub.deadline_then = deadline
    sub.on_behalf = on_behalf
    for r in drafts:
        r.status = SUBMITTED
        r.submission_id = sub.id
        r.updated_at = now
    db.session.flush()
    late = f"，超过期限{sub.days_late}日（迟报）" if sub.late else ""
    who = "监督室代录纸质答复" if on_behalf else "单位报送"
    _record("rect.submit", letter, f"{who}：第{sub.round}次报送整改情况，{len(drafts)}个问题{late}",
            before={"state": "draft"},
            after={"submission": sub.id, "round": sub.round, "submitted_on": day, "deadline": deadline,
                   "days_late": sub.days_late, "on_behalf": on_behalf, "replies": [r.id for r in drafts]},
            user=user)
    signals.report_submitted.send(letter, submission=sub, replies=drafts)
    return sub


def check_can_submit(letter: Letter, status: Status) -> list[ProblemStatus]:
    """The problems a new submission must answer; RectificationError when none may be made now."""
    _require_open(letter, status)
    if status.under_review:
        raise RectificationError("监督室正在审核上次报送的整改情况（或实地查验尚未完成），审核完成前不能再次报送。")
    todo = [p for p in status.problems if p.state.needs_reply]
    if not todo:
        raise RectificationError("没有需要答复的问题。")
    return todo


def submit_report(letter: Letter, user: User, today: date | None = None) -> Submission:
    """报送: the overall report and a reply to every open problem go to the office together."""
    _require_unit_user(user, letter)
    today = today or timeutil.today()
    status = letter_state(letter, today)
    todo = check_can_submit(letter, status)
    missing = [p.problem.position for p in todo if p.draft is None or not (p.draft.text or "").strip()]
    if missing:
        raise RectificationError("还有问题没有填写整改情况：第" + "、".join(map(str, missing)) + "个问题。"
                                 "每个问题都答复后才能报送整改报告。")
    sub = draft_submission(letter)
    if sub is None or not sub.report_text.strip():
        raise RectificationError("请填写整改报告正文（整体整改情况）后再报送。")
    has_scan = bool(attachments_for(SUBMISSION_OWNER, sub.id))
    if not has_scan and not status.submissions:
        raise RectificationError("首次报送须上传加盖公章的整改报告扫描件（PDF）。")
    return _finish_submission(letter, sub, [p.draft for p in todo], user, today, status.deadline, False)


def record_paper_reply(letter: Letter, user: User, received_on: date, report_text: str, scan: CheckedFile | None,
                       texts: dict[int, tuple[str, str]]) -> Submission:
    """The office records a paper reply received by post, on the unit's behalf, with the scan.

    texts: {letter_problem_id: (what was done, measures)} for every problem that needs a reply.
    """
    _require_admin("rectification.record_paper_reply", user, "代录纸质整改答复")
    status = letter_state(letter)
    todo = check_can_submit(letter, status)
    if received_on is None:
        raise RectificationError("请填写收到纸质答复的日期。")
    if received_on > timeutil.today():
        raise RectificationError("收到日期不能晚于今天。")
    if letter.receipt_date and received_on < letter.receipt_date:
        raise RectificationError("收到答复的日期不能早于意见书签收（送达）日期。")
    _pdf_scan(scan, required=True)
    report_text = (report_text or "").strip()
    if not report_text:
        raise RectificationError("请摘录纸质整改报告的主要内容。")
    missing = [p.problem.position for p in todo if not (texts.get(p.problem.id, ("", ""))[0] or "").strip()]
    if missing:
        raise RectificationError("请填写每个问题的整改情况：第" + "、".join(map(str, missing)) + "个问题未填写。")
    replies = []
    for p in todo:
        text, measures = texts[p.problem.id]
        reply = p.draft  # a draft the unit began online is overwritten by what it sent on paper
        if reply is None:
            reply = Reply(letter_id=letter.id, letter_problem_id=p.problem.id, round=len(p.rounds) + 1,
                          created_by_id=user.id)
            db.session.add(reply)
        reply.text, reply.measures, reply.status = text.strip(), (measures or "").strip(), DRAFT
        replies.append(reply)
    sub = draft_submission(letter)
    if sub is None:
        sub = Submission(letter_id=letter.id, round=_next_round(letter), status=DRAFT, created_by_id=user.id)
        db.session.add(sub)
    sub.report_text = report_text
    db.session.flush()
    for old in attachments_for(SUBMISSION_OWNER, sub.id):
        delete_attachment(old)
    db.session.flush()
    check_letter_quota(letter, [scan], user)
    store(scan, SUBMISSION_OWNER, sub.id, user=user, note="纸质整改报告扫描件")
    return _finish_submission(letter, sub, replies, user, received_on, status.deadline, True)


# --- review ---------------------------------------------------------------------------------------

def _reviewable(reply: Reply, user: User, what: str) -> Status:
    _require_admin("rectification.review", user, what)
    letter = reply.letter
    if letter.is_voided:
        raise RectificationError(f"{letter.number} 已作废。")
    status = letter_state(letter)
    ps = status.problem(reply.letter_problem_id)
    if reply.is_draft:
        raise RectificationError("单位尚未报送这条答复。")
    if ps is None or ps.latest is None or ps.latest.id != reply.id:
        raise RectificationError("这条答复已被新一轮答复取代，请审核最新一轮。")
    if reply.decision:
        raise RectificationError(f"这条答复已审核（{reply.decision_label}），不能重复审核。")
    return status


def accept_problem(reply: Reply, user: User, note: str = "") -> Reply:
    """书面审阅通过. When it is the last open problem, the letter is 已办结."""
    _reviewable(reply, user, "审核整改答复")
    reply.decision, reply.decision_note = Decision.ACCEPTED, (note or "").strip()
    reply.decided_at, reply.decided_by_id = timeutil.utcnow(), user.id
    db.session.flush()
    _record("rect.accept", reply.letter, f"第{reply.problem.position}个问题整改通过（第{reply.round}轮）",
            before={"reply": reply.id, "decision": ""}, after=reply_snapshot(reply), user=user)
    _close_if_done(reply.letter, user)
    return reply


def accept_problems(letter: Letter, reply_ids: list[int], user: User, note: str = "") -> list[Reply]:
    """批量通过: several problems of one letter accepted at once with one note, each audited as accept_problem.

    Every reply is checked first; when any cannot be accepted (not this letter's, a draft, superseded, already
    decided) RectificationError names the problem and none is accepted. The caller commits once."""
    _require_admin("rectification.review", user, "审核整改答复")
    ids = list(dict.fromkeys(int(i) for i in reply_ids))
    if not ids:
        raise RectificationError("请勾选要通过的问题。")
    replies = {r.id: r for r in db.session.scalars(select(Reply).where(Reply.id.in_(ids)))}
    refused = []
    chosen = []
    for rid in ids:
        reply = replies.get(rid)
        if reply is None or reply.letter_id != letter.id:
            refused.append("所选答复不属于本意见书，请刷新页面后重新勾选")
            continue
        try:
            _reviewable(reply, user, "审核整改答复")
        except RectificationError as exc:
            refused.append(f"第{reply.problem.position}个问题{str(exc).rstrip('。')}")
            continue
        chosen.append(reply)
    if refused:
        raise RectificationError("未作任何通过。" + "；".join(dict.fromkeys(refused)) + "。")
    chosen.sort(key=lambda r: r.problem.position)
    for reply in chosen:
        accept_problem(reply, user, note)
    return chosen


def return_problem(reply: Reply, user: User, reason: str) -> Reply:
    """退回: the unit sees the reason, revises and resubmits; this round is kept."""
    _reviewable(reply, user, "退回整改答复")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise RectificationError("请填写退回理由，单位将据此修改。")
    reply.decision, reply.decision_note = Decision.RETURNED, reason
    reply.decided_at, reply.decided_by_id = timeutil.utcnow(), user.id
    db.session.flush()
    letter = reply.letter
    _record("rect.return", letter, f"第{reply.problem.position}个问题退回修改：{reason}",
            before={"reply": reply.id, "decision": ""}, after=reply_snapshot(reply), user=user)
    signals.reply_returned.send(reply)
    return reply


def order_site_check(reply: Reply, user: User, inspectors: list[User], visit_date: date, note: str = "") -> Reply:
    """实地查验: a 回头看 visit of the unit, assigned to inspectors; its result accepts or reopens the problem."""
    _reviewable(reply, user, "安排实地查验")
    if not inspectors:
        raise RectificationError("请至少选择一名检查人员进行实地查验。")
    if any(u.role not in (Role.inspector.value, Role.admin.value) or not u.active for u in inspectors):
        raise RectificationError("实地查验人员应为在职的检查组成员或监督室管理员。")
    if visit_date is None:
        raise RectificationError("请填写实地查验日期。")
    letter = reply.letter
    try:
        visit = visits_operations.create_visit(
            kind="follow_up", unit=letter.unit, visit_date=visit_date, user=user, inspectors=inspectors,
            subject=f"回头看：{letter.number} 第{reply.problem.position}个问题"[:200],
            follow_up_of=reply.problem.problem, enforce_plan=False)
    except visits_operations.VisitError as exc:
        msgs = getattr(exc, "errors", None)
        raise RectificationError("无法创建回头看检查记录：" + ("；".join(msgs.values()) if msgs else str(exc))) from exc
    reply.decision, reply.decision_note = Decision.SITE_CHECK, (note or "").strip()
    reply.decided_at, reply.decided_by_id = timeutil.utcnow(), user.id
    reply.site_visit_id = visit.id
    db.session.flush()
    names = "、".join(u.name for u in inspectors)
    _record("rect.site_check", letter, f"第{reply.problem.position}个问题安排实地查验（{visit_date.isoformat()}，{names}）",
            before={"reply": reply.id, "decision": ""}, after=reply_snapshot(reply), user=user)
    signals.site_check_ordered.send(reply, inspectors=inspectors, visit_date=visit_date)
    return reply


def record_site_result(reply: Reply, user: User, passed: bool, note: str = "") -> Reply:
    """The result of the on-site check: passed accepts the problem, failed reopens it for the unit."""
    if reply.decision != Decision.SITE_CHECK:
        raise RectificationError("这条答复没有安排实地查验。")
    if reply.site_result:
        raise RectificationError(f"已登记查验结果（{SiteResult.LABELS[reply.site_result]}），不能重复登记。")
    if not can_record_site_result(user, reply):
        raise RectificationError("只有监督室管理员或该次回头看的检查人员可以登记查验结果。")
    letter = reply.letter
    if letter.is_voided:
        raise RectificationError(f"{letter.number} 已作废。")
    visit = reply.site_visit
    if visit is None or not visit.is_submitted:
        raise RectificationError("请先填写并提交回头看检查记录，再登记查验结果。")
    note = (note or "").strip()
    if not passed and len(note) < 2:
        raise RectificationError("查验未通过时请写明原因，单位将据此继续整改。")
    reply.site_result = SiteResult.PASSED if passed else SiteResult.FAILED
    reply.site_note, reply.site_result_at, reply.site_result_by_id = note, timeutil.utcnow(), user.id
    db.session.flush()
    label = SiteResult.LABELS[reply.site_result]
    _record("rect.site_result", letter, f"第{reply.problem.position}个问题{label}" + (f"：{note}" if note else ""),
            before={"reply": reply.id, "site_result": ""}, after=reply_snapshot(reply), user=user)
    if passed:
        _close_if_done(letter, user)
    else:
        signals.site_check_failed.send(reply)
    return reply


# --- extensions -----------------------------------------------------------------------------------

def request_extension(letter: Letter, user: User, new_date: date, reason: str) -> Extension:
    """延期申请 by the unit: a later date and why."""
    _require_unit_user(user, letter)
    status = letter_state(letter)
    _require_open(letter, status)
    if status.pending_extension is not None:
        raise RectificationError("已有一份延期申请等待审批，请等待监督室答复。")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise RectificationError("请说明申请延期的理由。")
    _check_new_date(new_date, status.deadline)
    ext = Extension(letter_id=letter.id, reason=reason, requested_date=new_date, deadline_before=status.deadline,
                    requested_by_id=user.id, requested_at=timeutil.utcnow(), status=ExtensionStatus.PENDING)
    db.session.add(ext)
    db.session.flush()
    _record("rect.extension_request", letter, f"申请延期至 {new_date.isoformat()}：{reason}",
            after={"extension": ext.id, "requested_date": new_date, "deadline": status.deadline}, user=user)
    signals.extension_requested.send(ext)
    return ext


def _check_new_date(new_date: date | None, deadline: date | None) -> None:
    if new_date is None:
        raise RectificationError("请填写延期后的日期。")
    if deadline is not None and new_date <= deadline:
        raise RectificationError(f"延期后的日期应晚于当前整改期限（{timeutil.cn_date(deadline)}）。")


def decide_extension(ext: Extension, user: User, approve: bool, new_date: date | None = None,
                     note: str = "") -> Extension:
    """The admin approves (with the new date, after the current deadline) or refuses (with a reason)."""
    _require_admin("rectification.decide_extension", user, "审批延期申请")
    if ext.status != ExtensionStatus.PENDING:
        raise RectificationError(f"这份延期申请已审批（{ext.status_label}）。")
    letter = ext.letter
    status = letter_state(letter)
    if letter.is_voided or status.closed:
        raise RectificationError("意见书已作废或已办结，不需要延期。")
    note = (note or "").strip()
    before = {"extension": ext.id, "status": ext.status, "deadline": status.deadline}
    if approve:
        new_date = new_date or ext.requested_date
        _check_new_date(new_date, status.deadline)
        ext.status, ext.new_deadline = ExtensionStatus.APPROVED, new_date
        summary = (f"同意延期：整改期限由 {status.deadline.isoformat() if status.deadline else '待定'} "
                   f"延至 {new_date.isoformat()}")
    else:
        if len(note) < 2:
            raise RectificationError("不同意延期时请写明理由。")
        ext.status = ExtensionStatus.REFUSED
        summary = f"不同意延期申请：{note}"
    ext.decision_note, ext.decided_by_id, ext.decided_at = note, user.id, timeutil.utcnow()
    db.session.flush()
    _record("rect.extension_decide", letter, summary, before=before,
            after={"extension": ext.id, "status": ext.status, "deadline": current_deadline(letter), "note": note},
            user=user)
    signals.extension_decided.send(ext, summary=summary)
    return ext


# --- 自查 -----------------------------------------------------------------------------------------

def _require_current_year(year: int, today: date | None = None) -> None:
    """自查 is made for the year under way (四、(一): by the end of March of that year), never a future or past one."""
    current = (today or timeutil.today()).year
    if year != current:
        raise RectificationError(f"只能填报和报送本年度（{current}年）的自查材料，不能填报{year}年的。")


def save_self_inspection(user: User, year: int, report_text: str, plan_text: str,
                         files: list[tuple[CheckedFile, str]] = ()) -> SelfInspection:
    """The unit's 自查报告 and 年度工作计划 (text + attachments), kept as a draft until submitted."""
    if not can("rectification.self_edit", user=user) or not user.unit_id:
        raise RectificationError("只有受监督单位的用户可以填报自查。")
    _require_current_year(year)
    si = self_inspection_of(user.unit_id, year)
    before = audit.snapshot(si, ("report_text", "plan_text", "status")) if si else None
    if si is None:
        si = SelfInspection(unit_id=user.unit_id, year=year, status=DRAFT)
        db.session.add(si)
    si.report_text, si.plan_text = (report_text or "").strip(), (plan_text or "").strip()
    si.updated_at = timeutil.utcnow()
    db.session.flush()
    checked = [f for f, _ in files]
    used = uploads.usage(Attachment.owner_type == SELF_OWNER, Attachment.owner_id == si.id)
    uploads.check_quota(f"{year}年自查材料", used, checked, _limit("UPLOAD_LETTER_MAX_FILES"),
                        _limit("UPLOAD_LETTER_MAX_BYTES"))
    uploads.check_unit_daily_quota(select(User.id).where(User.unit_id == user.unit_id), checked)
    names = [store(f, SELF_OWNER, si.id, user=user, note=note).original_name for f, note in files]
    audit.record("save", si, summary=f"{year}年自查材料{'修改' if si.status == SUBMITTED else '保存草稿'}",
                 before=before, after=dict(audit.snapshot(si, ("report_text", "plan_text", "status")),
                                           attachments_added=names), user=user)
    return si


def submit_self_inspection(si: SelfInspection, user: User, today: date | None = None) -> SelfInspection:
    if not can("rectification.self_edit", si, user=user):
        raise RectificationError("只有本单位的用户可以报送本单位的自查材料。")
    if si.status == SUBMITTED:
        raise RectificationError(f"{si.year}年自查材料已于{timeutil.cn_date(si.submitted_on)}报送。")
    _require_current_year(si.year, today)
    atts = attachments_for(SELF_OWNER, si.id)
    if not si.report_text and not any(a.note == "自查报告" for a in atts):
        raise RectificationError("请填写或上传自查报告。")
    if not si.plan_text and not any(a.note == "工作计划" for a in atts):
        raise RectificationError("请填写或上传本年度工作计划。")
    today = today or timeutil.today()
    si.status, si.submitted_at, si.submitted_on, si.submitted_by_id = SUBMITTED, timeutil.utcnow(), today, user.id
    db.session.flush()
    late = f"，逾期{si.days_late}日" if si.days_late else ""
    audit.record("submit", si, summary=f"报送{si.year}年自查报告和工作计划{late}", before={"status": DRAFT},
                 after={"status": SUBMITTED, "submitted_on": today}, user=user)
    signals.self_inspection_submitted.send(si)
    return si
