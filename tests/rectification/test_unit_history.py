"""The unit reads its letter's history from 签发 on: the office's drafting steps are not shown to it."""
from datetime import date

from supervision import audit
from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.visits.models import Problem, Visit
from supervision.visits.operations import ensure_default_catalogue
from tests.helpers import login, make_user


def _drafted_edited_issued_signed(admin, unit, unit_user):
    cat = ensure_default_catalogue()
    visit = Visit(kind="concentrated", status="submitted", unit_id=unit.id, catalogue_id=cat.id,
                  visit_date=date(2021, 8, 2), version=1)
    db.session.add(visit)
    db.session.flush()
    db.session.add(Problem(visit_id=visit.id, seq=1, item_id=cat.items[0].id, description="执法人员未按规定着装。",
                           disposition="需下达意见书"))
    db.session.commit()
    draft = letters.draft_letter(visit, admin)
    db.session.commit()
    letters.update_draft(draft, {"case_name": "内部讨论稿：拟从严表述"}, admin)
    db.session.commit()
    letter = letters.issue_letter(draft.id, admin, issue_date=date(2021, 8, 30))
    letters.record_receipt(letter, unit_user)
    db.session.commit()
    return letter


def test_unit_sees_issue_and_receipt_but_not_drafting(app, client, ctx, unit, unit_user):
    admin = make_user("admin")
    letter = _drafted_edited_issued_signed(admin, unit, unit_user)
    actions = [e.action for e in db.session.query(audit.AuditEntry).filter_by(record_type="letter",
                                                                            record_id=letter.id)]
    assert actions[:3] == ["draft", "update", "issue"] and "receipt" in actions
    login(client, unit_user.username)
    body = client.get(f"/rectification/letters/{letter.id}").get_data(as_text=True)
    history = _history(body)
    assert [line.split(" ", 2)[-1][:2] for line in history] == ["签发", letter.number[:2]]
    assert "签收" in history[1]
    assert "修改意见书草稿" not in body and "起草" not in body and "内部讨论稿" not in body
    client.post("/logout")
    login(client, admin.username)
    history = _history(client.get(f"/rectification/letters/{letter.id}").get_data(as_text=True))
    assert len(history) == 4 and "起草" in history[0] and "修改意见书草稿" in history[1]  # the office reads it all


def _history(body: str) -> list[str]:
    import re

    section = body.split("办理记录", 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", x).strip() for x in re.findall(r'<li class="list-group-item">(.*?)</li>', section, re.S)]
