"""A letter walked through every state: 待签收 → 整改中 → 已报送待审 → 退回修改 (+延期, 逾期, 迟报) →
待实地查验 → 查验未通过 → 已报送待审 → 已办结 — checking the derived state and the audit log at each step."""
from datetime import date

import pytest

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.rectification import operations, queries
from supervision.rectification.models import Extension, Reply, Submission
from supervision.rectification.operations import RectificationError
from supervision.rectification.queries import LetterState, ProblemState
from supervision.visits import operations as visits_operations
from supervision.visits.models import Method, Rating, Visit
from tests.helpers import make_unit, make_user

from .conftest import PDF_BYTES, make_letter, png_bytes, upload


def actions(letter):
    return [e.action for e in db.session.query(AuditEntry).filter_by(record_type="letter", record_id=letter.id)
            .order_by(AuditEntry.id)]


def last_entry(letter):
    return (db.session.query(AuditEntry).filter_by(record_type="letter", record_id=letter.id)
            .order_by(AuditEntry.id.desc()).first())


def counts():
    return (db.session.query(Reply).count(), db.session.query(Submission).count(),
            db.session.query(Extension).count(), db.session.query(AuditEntry).count())


def submit_visit(visit, user):
    for r in visit.ratings:
        visits_operations.rate_item(visit, r.item, Rating.good, user=user)
    visit.methods = ",".join([Method.written_review.value, Method.site_check.value])
    visits_operations.submit_visit(visit, user)


def test_letter_walks_through_every_state(admin, inspector, unit, unit_user):
    # 待签收: issued, not yet delivered.
    letter = make_letter(admin, unit, receipt_date=None)
    st = queries.letter_state(letter, today=date(2021, 8, 31))
    assert st.state is LetterState.unsigned and st.label == "待签收"
    assert not st.overdue and st.deadline is None
    assert actions(letter)[-1] == "issue"

    # 整改中: delivered 2021-09-01, 30 days → 国庆 → 2021-10-08.
    letters.record_delivery(letter, date(2021, 9, 1), admin)
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 9, 2))
    assert st.state is LetterState.in_progress and st.label == "整改中"
    assert st.deadline == date(2021, 10, 8) and st.days_left == 36
    p1, p2 = letter.items

    # Drafts are kept until submitted; the state does not move.
    operations.save_reply_draft(letter, p1.id, unit_user, "已组织全体执法人员学习着装规定。", "制定《执法着装管理办法》",
                             [upload(png_bytes(), "培训照片.png")])
    operations.save_reply_draft(letter, p2.id, unit_user, "已按规范重新装订案卷。")
    operations.save_report_draft(letter, unit_user, "我乡高度重视，逐项整改如下。", upload(PDF_BYTES, "整改报告.pdf"))
    db.session.commit()
    assert queries.letter_state(letter, today=date(2021, 9, 10)).state is LetterState.in_progress
    assert actions(letter)[-3:] == ["rect.reply_draft", "rect.reply_draft", "rect.report_draft"]
    assert last_entry(letter).user_id == unit_user.id

    # 已报送待审: submitted on time.
    sub = operations.submit_report(letter, unit_user, today=date(2021, 9, 20))
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 9, 21))
    assert st.state is LetterState.submitted and st.label == "已报送待审"
    assert not sub.late and sub.deadline_then == date(2021, 10, 8)
    entry = last_entry(letter)
    assert entry.action == "rect.submit" and entry.user_id == unit_user.id
    assert entry.after_data["days_late"] == 0 and entry.before_data == {"state": "draft"}

    # Resubmitting while the review is in progress: refused, nothing changed.
    before = counts()
    with pytest.raises(RectificationError, match="正在审核"):
        operations.submit_report(letter, unit_user, today=date(2021, 9, 22))
    with pytest.raises(RectificationError, match="审核中"):
        operations.save_reply_draft(letter, p1.id, unit_user, "再改一下")
    db.session.rollback()
    assert counts() == before

    # A review by a non-admin is refused.
    r1 = queries.letter_state(letter).problem(p1.id).latest
    r2 = queries.letter_state(letter).problem(p2.id).latest
    with pytest.raises(RectificationError, match="管理员"):
        operations.accept_problem(r1, inspector)
    with pytest.raises(RectificationError, match="管理员"):
        operations.return_problem(r1, unit_user, "不行")
    db.session.rollback()
    assert counts() == before

    # 通过 one, 退回 the other → 退回修改; the reason is kept for the unit.
    operations.accept_problem(r1, admin, "整改到位")
    operations.return_problem(r2, admin, "未附重新装订后的案卷目录照片")
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 9, 25))
    assert st.state is LetterState.returned and st.label == "退回修改"
    assert st.problem(p1.id).state is ProblemState.accepted
    assert st.problem(p2.id).state is ProblemState.returned
    assert actions(letter)[-2:] == ["rect.accept", "rect.return"]
    assert last_entry(letter).after_data["decision_note"] == "未附重新装订后的案卷目录照片"
    with pytest.raises(RectificationError, match="不能重复审核"):
        operations.accept_problem(r2, admin)
    db.session.rollback()

    # 延期: a date before the current deadline is refused; the admin approves a later one.
    before = counts()
    with pytest.raises(RectificationError, match="应晚于当前整改期限"):
        operations.request_extension(letter, unit_user, date(2021, 10, 1), "需要时间补充材料")
    db.session.rollback()
    assert counts() == before
    ext = operations.request_extension(letter, unit_user, date(2021, 10, 31), "案卷需送档案室重新装订")
    db.session.commit()
    assert actions(letter)[-1] == "rect.extension_request"
    with pytest.raises(RectificationError, match="应晚于当前整改期限"):
        operations.decide_extension(ext, admin, True, date(2021, 10, 8))
    with pytest.raises(RectificationError, match="管理员"):
        operations.decide_extension(ext, unit_user, True, date(2021, 10, 31))
    db.session.rollback()
    operations.decide_extension(ext, admin, True, date(2021, 10, 31), "同意")
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 10, 20))
    assert st.original_deadline == date(2021, 10, 8) and st.deadline == date(2021, 10, 31) and st.extended
    assert queries.current_deadline(letter) == date(2021, 10, 31)
    assert not st.overdue and st.days_left == 11
    entry = last_entry(letter)
    assert entry.action == "rect.extension_decide"
    assert entry.before_data["deadline"] == "2021-10-08" and entry.after_data["deadline"] == "2021-10-31"

    # 逾期: past the extended deadline, not closed.
    st = queries.letter_state(letter, today=date(2021, 11, 5))
    assert st.state is LetterState.returned and st.overdue and st.overdue_days == 5

    # A late reply is accepted but marked late.
    operations.save_reply_draft(letter, p2.id, unit_user, "已重新装订并附目录照片。", files=[upload(png_bytes(), "目录.png")])
    operations.save_report_draft(letter, unit_user, "补充报送问题二的整改情况。")
    sub2 = operations.submit_report(letter, unit_user, today=date(2021, 11, 5))
    db.session.commit()
    assert sub2.round == 2 and sub2.late and sub2.days_late == 5
    st = queries.letter_state(letter, today=date(2021, 11, 6))
    assert st.state is LetterState.submitted and st.overdue_days == 6
    assert [s.round for s in st.submissions] == [1, 2] and st.late_submissions == [sub2]
    assert last_entry(letter).after_data["days_late"] == 5
    assert len(st.problem(p2.id).rounds) == 2  # every round kept

    # 待实地查验: a 回头看 visit assigned to the inspector.
    r2b = st.problem(p2.id).latest
    operations.order_site_check(r2b, admin, [inspector], date(2021, 11, 10), "现场查看案卷")
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 11, 8))
    assert st.state is LetterState.site_check and st.label == "待实地查验"
    visit = db.session.get(Visit, r2b.site_visit_id)
    assert visit.kind == "follow_up" and visit.follow_up_of_problem_id == p2.problem_id
    assert [u.id for u in visit.inspectors] == [inspector.id]
    assert actions(letter)[-1] == "rect.site_check"
    assert queries.pending_site_checks(inspector) == [r2b]

    # The result cannot be recorded before the visit record is submitted; another inspector may not record it.
    with pytest.raises(RectificationError, match="先填写并提交回头看检查记录"):
        operations.record_site_result(r2b, inspector, True)
    other = make_user("inspector")
    with pytest.raises(RectificationError, match="检查人员"):
        operations.record_site_result(r2b, other, True)
    db.session.rollback()
    submit_visit(visit, inspector)
    db.session.commit()

    # 查验未通过 reopens the problem → 退回修改.
    with pytest.raises(RectificationError, match="写明原因"):
        operations.record_site_result(r2b, inspector, False, "")
    db.session.rollback()
    operations.record_site_result(r2b, inspector, False, "目录照片与实物不符")
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 11, 12))
    assert st.state is LetterState.returned and st.problem(p2.id).state is ProblemState.reopened
    entry = last_entry(letter)
    assert entry.action == "rect.site_result" and entry.user_id == inspector.id
    assert entry.after_data["site_result"] == "failed"

    # The unit replies once more; the admin accepts → 已办结, with who and when.
    operations.save_reply_draft(letter, p2.id, unit_user, "已按实地查验意见重新整理。")
    operations.save_report_draft(letter, unit_user, "第三次报送。")
    operations.submit_report(letter, unit_user, today=date(2021, 11, 15))
    db.session.commit()
    assert queries.letter_state(letter, today=date(2021, 11, 15)).state is LetterState.submitted
    r2c = queries.letter_state(letter).problem(p2.id).latest
    assert r2c.round == 3
    operations.accept_problem(r2c, admin)
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 12, 1))
    assert st.state is LetterState.closed and st.label == "已办结"
    assert not st.overdue and st.overdue_days == 0 and st.days_left is None
    assert st.closed_by_id == admin.id and st.closed_at == r2c.decided_at
    assert actions(letter)[-2:] == ["rect.accept", "rect.close"]
    assert last_entry(letter).user_id == admin.id

    # A reply to a closed letter: refused, nothing changed.
    before = counts()
    with pytest.raises(RectificationError, match="已办结"):
        operations.save_reply_draft(letter, p1.id, unit_user, "补充")
    with pytest.raises(RectificationError, match="已办结"):
        operations.submit_report(letter, unit_user)
    with pytest.raises(RectificationError, match="已办结"):
        operations.request_extension(letter, unit_user, date(2022, 1, 31), "理由")
    db.session.rollback()
    assert counts() == before


def test_on_site_check_that_passes_closes_the_letter(admin, inspector, unit, unit_user):
    letter = make_letter(admin, unit, problems=("未公示权责清单。",))
    (item,) = letter.items
    operations.save_reply_draft(letter, item.id, unit_user, "已在公示平台公示。")
    operations.save_report_draft(letter, unit_user, "整改报告", upload(PDF_BYTES, "报告.pdf"))
    operations.submit_report(letter, unit_user, today=date(2021, 9, 10))
    reply = queries.letter_state(letter).problem(item.id).latest
    operations.order_site_check(reply, admin, [inspector], date(2021, 9, 15))
    submit_visit(reply.site_visit, inspector)
    operations.record_site_result(reply, inspector, True, "现场核实已公示")
    db.session.commit()
    st = queries.letter_state(letter, today=date(2021, 9, 16))
    assert st.closed and st.closed_by_id == inspector.id
    assert actions(letter)[-2:] == ["rect.site_result", "rect.close"]


def test_submit_needs_every_reply_the_report_and_the_scan(admin, unit, unit_user):
    letter = make_letter(admin, unit)
    p1, p2 = letter.items
    operations.save_reply_draft(letter, p1.id, unit_user, "已整改。")
    db.session.commit()
    with pytest.raises(RectificationError, match="第2个问题"):
        operations.submit_report(letter, unit_user, today=date(2021, 9, 10))
    db.session.rollback()
    operations.save_reply_draft(letter, p2.id, unit_user, "已整改。")
    db.session.commit()
    with pytest.raises(RectificationError, match="整改报告正文"):
        operations.submit_report(letter, unit_user, today=date(2021, 9, 10))
    db.session.rollback()
    operations.save_report_draft(letter, unit_user, "报告正文")
    db.session.commit()
    with pytest.raises(RectificationError, match="扫描件"):
        operations.submit_report(letter, unit_user, today=date(2021, 9, 10))
    db.session.rollback()
    # A scan that is not a PDF is refused, whatever it is called.
    with pytest.raises(RectificationError, match="PDF"):
        operations.save_report_draft(letter, unit_user, "报告正文", upload(png_bytes(), "整改报告.pdf"))
    db.session.rollback()
    assert queries.letter_state(letter).state is LetterState.in_progress


def test_unit_cannot_reply_for_another_unit(admin, unit, unit_user):
    other_letter = make_letter(admin, make_unit())
    with pytest.raises(RectificationError, match="受文单位"):
        operations.save_reply_draft(other_letter, other_letter.items[0].id, unit_user, "冒名答复")
    with pytest.raises(RectificationError, match="受文单位"):
        operations.request_extension(other_letter, unit_user, date(2021, 12, 31), "理由")
    # A problem id of another letter, tampered into the form of its own letter.
    own = make_letter(admin, unit)
    with pytest.raises(RectificationError, match="不属于"):
        operations.save_reply_draft(own, other_letter.items[0].id, unit_user, "篡改")
    db.session.rollback()
    assert db.session.query(Reply).count() == 0


def test_unsigned_letter_cannot_be_answered(admin, unit, unit_user):
    letter = make_letter(admin, unit, receipt_date=None)
    with pytest.raises(RectificationError, match="签收"):
        operations.save_reply_draft(letter, letter.items[0].id, unit_user, "已整改")


def test_paper_reply_recorded_by_the_office(admin, unit, unit_user):
    letter = make_letter(admin, unit)
    p1, p2 = letter.items
    texts = {p1.id: ("已整改一", "制度一"), p2.id: ("已整改二", "")}
    with pytest.raises(RectificationError, match="扫描件"):
        operations.record_paper_reply(letter, admin, date(2021, 10, 12), "纸质报告", None, texts)
    with pytest.raises(RectificationError, match="第2个问题"):
        operations.record_paper_reply(letter, admin, date(2021, 10, 12), "纸质报告", upload(PDF_BYTES, "扫描.pdf"),
                                   {p1.id: ("已整改一", "")})
    with pytest.raises(RectificationError, match="管理员"):
        operations.record_paper_reply(letter, unit_user, date(2021, 10, 12), "纸质报告", upload(PDF_BYTES, "a.pdf"), texts)
    db.session.rollback()
    assert db.session.query(Submission).count() == 0
    sub = operations.record_paper_reply(letter, admin, date(2021, 10, 12), "纸质报告", upload(PDF_BYTES, "扫描.pdf"), texts)
    db.session.commit()
    assert sub.on_behalf and sub.submitted_on == date(2021, 10, 12) and sub.days_late == 4
    st = queries.letter_state(letter, today=date(2021, 10, 13))
    assert st.state is LetterState.submitted
    assert st.problem(p1.id).latest.measures == "制度一"
    entry = last_entry(letter)
    assert entry.action == "rect.submit" and entry.user_id == admin.id and entry.after_data["on_behalf"] is True


def test_extension_refused_with_reason(admin, unit, unit_user):
    letter = make_letter(admin, unit)
    ext = operations.request_extension(letter, unit_user, date(2021, 11, 30), "人手不足")
    db.session.commit()
    with pytest.raises(RectificationError, match="等待审批"):
        operations.request_extension(letter, unit_user, date(2021, 12, 31), "再申请")
    with pytest.raises(RectificationError, match="理由"):
        operations.decide_extension(ext, admin, False, note="")
    db.session.rollback()
    operations.decide_extension(ext, admin, False, note="理由不充分")
    db.session.commit()
    assert ext.status == "refused"
    assert queries.current_deadline(letter) == date(2021, 10, 8)
    assert last_entry(letter).summary == "不同意延期申请：理由不充分"


def test_extension_approved_while_the_deadline_waits_for_the_calendar(admin, unit, unit_user, monkeypatch):
    # Received 2026-12-20: + 30 日 ends in 2027, a year the working calendar does not know (deadline 待定).
    from datetime import datetime

    from supervision import timeutil

    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 12, 22, 10, 0, tzinfo=timeutil.TZ))
    letter = make_letter(admin, unit, issue_date=date(2026, 12, 18), receipt_date=date(2026, 12, 20))
    assert letter.deadline is None
    ext = operations.request_extension(letter, unit_user, date(2027, 2, 26), "春节前后人手不足")
    operations.decide_extension(ext, admin, True, date(2027, 2, 26), "同意")
    db.session.commit()
    assert ext.status == "approved" and queries.current_deadline(letter) == date(2027, 2, 26)
    assert last_entry(letter).summary == "同意延期：整改期限由 待定 延至 2027-02-26"
