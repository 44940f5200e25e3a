"""批量通过 (issue 15): the office accepts several problems of one report at once with one note; each acceptance
is audited as the single accept is, all in one transaction; a problem that cannot be accepted is named and none
is accepted."""
from datetime import date

import pytest
from sqlalchemy import select

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.rectification import operations, queries
from supervision.rectification.models import Reply
from tests.helpers import login

from .conftest import PDF_BYTES, make_letter, upload

THREE = ("执法人员未按规定着装。", "行政处罚案卷未按规定装订。", "执法文书未送达。")


def _submitted(admin, unit, unit_user):
    letter = make_letter(admin, unit, problems=THREE)
    for p in queries.letter_state(letter).problems:
        operations.save_reply_draft(letter, p.problem.id, unit_user, "已整改。")
    operations.save_report_draft(letter, unit_user, "整改报告。", upload(PDF_BYTES, "报告.pdf"))
    operations.submit_report(letter, unit_user, today=date(2021, 9, 20))
    db.session.commit()
    return letter, [p.latest for p in queries.letter_state(letter).problems]


def _accepts(letter):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rect.accept").order_by(AuditEntry.id)).all()


def test_batch_accept_accepts_each_with_the_note_and_audits_each(admin, unit, unit_user):
    letter, replies = _submitted(admin, unit, unit_user)
    operations.accept_problems(letter, [r.id for r in replies[:2]], admin, "材料齐全")
    db.session.commit()
    db.session.expire_all()
    assert [db.session.get(Reply, r.id).decision for r in replies] == ["accepted", "accepted", ""]
    assert [db.session.get(Reply, r.id).decision_note for r in replies[:2]] == ["材料齐全", "材料齐全"]
    logs = _accepts(letter)
    assert [log.summary for log in logs] == ["第1个问题整改通过（第1轮）", "第2个问题整改通过（第1轮）"]
    assert all(log.username == admin.username for log in logs)
    assert not queries.letter_state(letter).closed
    operations.accept_problems(letter, [replies[2].id], admin)
    db.session.commit()
    assert queries.letter_state(letter).closed


def test_batch_accept_refuses_all_when_one_is_not_reviewable(admin, unit, unit_user):
    letter, replies = _submitted(admin, unit, unit_user)
    operations.return_problem(replies[1], admin, "请补充照片")
    db.session.commit()
    with pytest.raises(operations.RectificationError) as exc:
        operations.accept_problems(letter, [r.id for r in replies], admin, "好")
    db.session.rollback()
    assert "第2个问题" in str(exc.value) and "不能重复审核" in str(exc.value)
    db.session.expire_all()
    assert [db.session.get(Reply, r.id).decision for r in replies] == ["", "returned", ""]
    assert _accepts(letter) == []
    with pytest.raises(operations.RectificationError, match="请勾选"):
        operations.accept_problems(letter, [], admin)


def test_batch_accept_page(app, client, admin, unit, unit_user):
    letter, replies = _submitted(admin, unit, unit_user)
    letter_id, ids = letter.id, [r.id for r in replies]
    assert login(client, admin.username).status_code == 302
    page = client.get(f"/rectification/letters/{letter_id}").get_data(as_text=True)
    assert "批量通过" in page and all(f'name="reply_ids" value="{i}"' in page for i in ids)
    # Problem 3 accepted singly meanwhile: the batch naming it is refused whole, with the problem named.
    assert client.post(f"/rectification/replies/{ids[2]}/accept", data={"note": ""}).status_code == 302
    r = client.post(f"/rectification/letters/{letter_id}/accept-batch",
                    data={"reply_ids": [str(i) for i in ids], "note": "一并通过"}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "第3个问题" in body and "未作任何通过" in body
    db.session.expire_all()
    assert [db.session.get(Reply, i).decision for i in ids] == ["", "", "accepted"]
    r = client.post(f"/rectification/letters/{letter_id}/accept-batch",
                    data={"reply_ids": [str(i) for i in ids[:2]], "note": "一并通过"}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "第1、2个问题已通过" in body and "本件已办结" in body
    db.session.expire_all()
    assert [db.session.get(Reply, i).decision_note for i in ids[:2]] == ["一并通过", "一并通过"]
    assert len(_accepts(letter)) == 3
