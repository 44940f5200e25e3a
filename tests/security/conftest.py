"""Shared data for the security suite: two units, each with everything a unit user can reach, built with
the parts' own service functions (visits, letters, rectification, reminders), plus a database snapshot
used to prove that a refused request changed nothing."""
import os
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.rectification import operations as rect_ops, queries as rect_q
from supervision.reminders.operations import notify
from supervision.timeutil import today
from supervision.uploads import attachments_for, store
from supervision.visits.models import Visit
from tests.helpers import make_unit, make_user
from tests.letters.conftest import make_visit
from tests.rectification.conftest import PDF_BYTES, make_letter, png_bytes, upload


def build_unit_world(admin, unit_name: str) -> SimpleNamespace:
    """One unit with: a user; a delivered letter whose replies and report were submitted (with attachments)
    and an extension requested; a delivered letter with a draft reply and attachment; an issued letter not
    yet signed; a draft letter; a draft visit; a problem photo; a notification; a submitted 自查."""
    unit = make_unit(unit_name, kind="乡镇")
    user = make_user("unit", unit=unit, display_name=f"{unit_name}联络员")

    submitted = make_letter(admin, unit, problems=(f"{unit_name}问题一", f"{unit_name}问题二"))
    for n, item in enumerate(submitted.items):
        files = [upload(png_bytes(), f"{unit_name}照片.png")] if n == 0 else []
        rect_ops.save_reply_draft(submitted, item.id, user, f"{unit_name}已整改", "建立制度", files)
        db.session.commit()
    rect_ops.save_report_draft(submitted, user, f"{unit_name}整改报告", upload(PDF_BYTES, "盖章扫描件.pdf"))
    sub = rect_ops.submit_report(submitted, user, today=date(2021, 9, 20))
    db.session.commit()
    ext = rect_ops.request_extension(submitted, user, date(2022, 6, 30), f"{unit_name}申请延期理由")
    db.session.commit()

    drafting = make_letter(admin, unit, problems=(f"{unit_name}草稿答复的问题",), item_index=1)
    draft_reply = rect_ops.save_reply_draft(drafting, drafting.items[0].id, user, "草稿答复", "",
                                        [upload(png_bytes(), "草稿照片.png")])
    db.session.commit()

    unsigned = make_letter(admin, unit, problems=(f"{unit_name}未签收的问题",), receipt_date=None, item_index=2)

    visit = make_visit(unit, problems=((f"{unit_name}待起草问题", "需下达意见书"),))
    draft_letter = letters.draft_letter(visit, admin)
    db.session.commit()
    draft_visit = make_visit(unit, status="draft")

    problem = db.session.get(Visit, submitted.visit_id).problems[0]
    photo = store(upload(png_bytes(), "现场照片.png"), "problem", problem.id, user=admin)
    db.session.commit()

    note = notify(user, f"{unit_name}的消息", "正文", link=f"/letters/{unsigned.id}")
    db.session.commit()

    si = rect_ops.save_self_inspection(user, today().year, f"{unit_name}自查报告", "工作计划",
                                   [(upload(PDF_BYTES, "自查.pdf"), "自查报告")])
    rect_ops.submit_self_inspection(si, user)
    db.session.commit()

    campaign, case = _case_review(admin, unit, user)
    filings = _filings(user, unit_name)

    replies = [r.id for r in rect_q.letter_state(submitted).problems[0].rounds]
    atts = ([a.id for r in replies for a in attachments_for("rect_reply", r)]
            + [a.id for a in attachments_for("rect_submission", sub.id)]
            + [a.id for a in attachments_for("rect_reply", draft_reply.id)]
            + [a.id for a in attachments_for("rect_self", si.id)] + [photo.id])
    return SimpleNamespace(
        unit=unit.id, unit_name=unit_name, user=user.username, user_id=user.id,
        letter=submitted.id, items=[i.id for i in submitted.items], drafting=drafting.id,
        drafting_item=drafting.items[0].id, unsigned=unsigned.id, draft_letter=draft_letter.id,
        visit=submitted.visit_id, problem_visit=visit.id, draft_visit=draft_visit.id, reply=replies[0],
        draft_reply=draft_reply.id, submission=sub.id, extension=ext.id, note=note.id, si=si.id, atts=atts,
        photo=photo.id, campaign=campaign.id, case=case.id, **filings)


def _case_review(admin, unit, user):
    """A 案卷评查 of this unit alone, with one case file (and its PDF) the unit listed."""
    from supervision.casereview import operations as review_ops
    from supervision.uploads import CheckedFile, PDF

    reviewer = make_user("inspector")
    campaign = review_ops.create_campaign(review_ops.CampaignInput(
        name=f"{unit.name}案卷评查", period_start=date(2021, 1, 1), period_end=date(2021, 4, 30),
        unit_ids=[unit.id], reviewer_ids=[reviewer.id]), admin)
    case = review_ops.add_case(campaign, unit, review_ops.CaseInput(
        number=f"{unit.name}罚决字〔2021〕1号", party="某公司", cause="无证经营", closed_on=date(2021, 3, 1)), user,
        file=CheckedFile(PDF_BYTES, PDF, "案卷.pdf"))
    db.session.commit()
    return campaign, case


def _filings(user, unit_name: str) -> dict:
    """The unit's filings (备案报送): a submitted and a draft 重大行政处罚备案, a draft 规范性文件备案."""
    from supervision.filings import operations as filings
    from supervision.uploads import PDF, CheckedFile

    def pdfs(owners):
        return {o: CheckedFile(data=PDF_BYTES, kind=PDF, original_name=f"{label}.pdf") for o, label in owners}

    data = {"decision_number": f"{unit_name}罚决字〔2026〕1号", "party_name": "张三", "cause": "无证经营",
            "penalty": "罚款人民币一万元", "decision_date": "2026-09-22"}
    filed = filings.save_penalty(None, data, pdfs(filings.PENALTY_MATERIALS), user, submit=True)
    draft = filings.save_penalty(None, dict(data, decision_number=f"{unit_name}罚决字〔2026〕2号"), {}, user,
                                 submit=False)
    doc = filings.save_normative(None, {"title": f"{unit_name}管理办法", "doc_number": f"{unit_name}〔2026〕1号",
                                        "published_on": "2026-09-01"}, {}, user, submit=False)
    db.session.commit()
    return {"penalty": filed.id, "penalty_draft": draft.id, "doc": doc.id,
            "filing_atts": [a.id for o, _l in filings.PENALTY_MATERIALS for a in attachments_for(o, filed.id)]}


@pytest.fixture
def world(app):
    with app.app_context():
        admin = make_user("admin", display_name="监督室管理员")
        a = build_unit_world(admin, "鲁山县瀼河乡人民政府")
        b = build_unit_world(admin, "鲁山县张良镇人民政府")
        return SimpleNamespace(admin=admin.username, admin_id=admin.id, a=a, b=b)


def snapshot(app) -> dict:
    """Every row of every table, and every stored file: equal snapshots mean nothing changed."""
    out = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
        db.session.remove()
        base = app.config["UPLOAD_DIR"]
        out["__files__"] = sorted(os.path.relpath(os.path.join(d, f), base)
                                  for d, _, fs in os.walk(base) for f in fs)
    return out


def assert_unchanged(before: dict, after: dict, what: str = "") -> None:
    changed = [k for k in before if before[k] != after.get(k)]
    assert not changed, f"{what}: tables changed: {changed}"
