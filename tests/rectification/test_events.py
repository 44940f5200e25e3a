"""Rectification announces its changes (rectification/signals.py) and the reminders send the messages
(reminders/on_rectification.py): one test per subscription — each fails when its `connect` line is gone."""
from datetime import date, timedelta

from sqlalchemy import select

from supervision import timeutil
from supervision.extensions import db
from supervision.rectification import operations, queries, signals
from supervision.reminders.models import Notification
from supervision.visits.models import Visit

from .conftest import PDF_BYTES, make_letter, upload
from .test_walk import submit_visit


def inbox(user) -> list[tuple[str, str, str]]:
    """The user's messages about rectification (issuing the letter sent one about the letter itself)."""
    return [(n.title, n.body, n.link) for n in db.session.scalars(
        select(Notification).where(Notification.recipient_id == user.id, Notification.link.startswith("/rectification"))
        .order_by(Notification.id))]


def submitted(admin, unit, unit_user, problems=("执法人员未按规定着装。", "行政处罚案卷未按规定装订。")):
    letter = make_letter(admin, unit, problems=problems)
    for item in letter.items:
        operations.save_reply_draft(letter, item.id, unit_user, f"问题{item.position}已整改。")
    operations.save_report_draft(letter, unit_user, "整改报告", upload(PDF_BYTES, "报告.pdf"))
    operations.submit_report(letter, unit_user, today=date(2021, 9, 20))
    db.session.commit()
    return letter


def test_every_event_has_its_subscriber():
    for name in ("report_submitted", "reply_returned", "site_check_ordered", "site_check_failed", "letter_closed",
                 "extension_requested", "extension_decided", "self_inspection_submitted"):
        assert getattr(signals, name).receivers, name


def test_a_submitted_report_tells_the_office(admin, unit, unit_user):
    letter = submitted(admin, unit, unit_user)
    assert (f"{unit.name}报送了整改情况", f"{letter.number}：第1次报送，2个问题待审核。",
            f"/rectification/letters/{letter.id}") in inbox(admin)
    assert inbox(unit_user) == []


def test_a_returned_reply_tells_the_unit_why(admin, unit, unit_user):
    letter = submitted(admin, unit, unit_user)
    reply = queries.letter_state(letter).problems[1].latest
    operations.return_problem(reply, admin, "佐证材料不全")
    db.session.commit()
    assert inbox(unit_user) == [(f"{letter.number} 第2个问题被退回", "退回理由：佐证材料不全。请修改后重新报送。",
                                 f"/rectification/letters/{letter.id}")]


def test_a_closed_letter_tells_the_unit(admin, unit, unit_user):
    letter = submitted(admin, unit, unit_user)
    for p in queries.letter_state(letter).problems:
        operations.accept_problem(p.latest, admin)
    db.session.commit()
    assert inbox(unit_user) == [(f"{letter.number} 已办结", "意见书所列问题均已整改通过，本件已办结。",
                                 f"/rectification/letters/{letter.id}")]


def test_an_on_site_check_tells_its_inspectors_and_a_failed_one_the_unit(admin, inspector, unit, unit_user):
    letter = submitted(admin, unit, unit_user, problems=("执法人员未按规定着装。",))
    reply = queries.letter_state(letter).problems[0].latest
    day = timeutil.today() + timedelta(days=3)
    operations.order_site_check(reply, admin, [inspector], day)
    db.session.commit()
    assert inbox(inspector) == [(f"实地查验：{unit.name}",
                                 f"{letter.number} 第1个问题需实地查验（{timeutil.cn_date(day)}）。"
                                 "请填写并提交回头看检查记录后登记查验结果。", f"/rectification/letters/{letter.id}")]
    submit_visit(db.session.get(Visit, reply.site_visit_id), inspector)
    operations.record_site_result(reply, inspector, False, "制度未印发")
    db.session.commit()
    assert inbox(unit_user) == [(f"{letter.number} 第1个问题实地查验未通过", "原因：制度未印发。请继续整改后重新报送。",
                                 f"/rectification/letters/{letter.id}")]


def test_extensions_tell_the_office_and_then_the_unit(admin, unit, unit_user):
    letter = make_letter(admin, unit)
    new_date = queries.current_deadline(letter) + timedelta(days=20)
    ext = operations.request_extension(letter, unit_user, new_date, "汛期任务重")
    db.session.commit()
    assert (f"{unit.name}申请延期", f"{letter.number}：申请延期至{timeutil.cn_date(new_date)}。理由：汛期任务重",
            f"/rectification/letters/{letter.id}") in inbox(admin)
    operations.decide_extension(ext, admin, False, note="材料不足以说明")
    db.session.commit()
    assert inbox(unit_user) == [(f"{letter.number} 延期申请不同意", "不同意延期申请：材料不足以说明",
                                 f"/rectification/letters/{letter.id}")]


def test_a_submitted_self_inspection_tells_the_office(admin, unit, unit_user):
    year = timeutil.today().year
    si = operations.save_self_inspection(unit_user, year, "自查报告", "工作计划")
    operations.submit_self_inspection(si, unit_user)
    db.session.commit()
    late = f"，逾期{si.days_late}日" if si.days_late else ""
    assert inbox(admin) == [(f"{unit.name}报送了{year}年自查材料",
                             f"报送日期：{timeutil.cn_date(si.submitted_on)}{late}。",
                             f"/rectification/self-inspections/{si.id}")]
