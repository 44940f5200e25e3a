"""The registry of stored derived values (supervision/derived.py): a bulk write on a fact table is refused outside
derived.bulk_write and stores the values again inside it; the nightly check tells the admins of a difference;
`flask --app wsgi derived check [--rebuild]` reports and repairs."""
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, text, update

from supervision import derived
from supervision.extensions import db
from supervision.letters.models import Letter, LetterProblem
from supervision.rectification.models import OpenLetter, Reply
from supervision.reminders.models import Notification
from supervision.reminders.scheduler import check_derived_values
from tests.helpers import make_user

from .conftest import PDF_BYTES, make_letter, upload
from .test_standing import reply_all


def test_the_three_values_are_registered_with_their_fact_tables():
    values = derived.registered()
    assert set(values) == {"standing", "problem.in_letter", "letter.problem_count"}
    assert {"letter", "letter_problem", "rect_reply", "rect_submission", "rect_extension",
            "rect_closure"} <= set(values["standing"].facts)
    assert values["problem.in_letter"].facts == ("letter_problem",)
    assert values["letter.problem_count"].facts == ("letter", "letter_problem")
    assert all(v.label and callable(v.compute) and callable(v.store) for v in values.values())


def test_every_fact_table_exists(ctx):
    for value in derived.registered().values():
        assert set(value.facts) <= set(db.metadata.tables), value.name


def test_a_plain_bulk_update_or_delete_of_a_fact_table_raises(admin, unit, unit_user):
    letter = make_letter(admin, unit)
    reply_all(letter, unit_user, date(2021, 9, 10))
    with pytest.raises(derived.UnguardedBulkWrite, match="rect_reply.*整改状态索引"):
        db.session.execute(update(Reply).where(Reply.letter_id == letter.id).values(decision="accepted"))
    db.session.rollback()
    with pytest.raises(derived.UnguardedBulkWrite, match="问题的“已纳入意见书”标记"):
        db.session.execute(delete(LetterProblem).where(LetterProblem.letter_id == -1))
    db.session.rollback()
    with pytest.raises(derived.UnguardedBulkWrite):  # the legacy Query API goes through the same event
        db.session.query(Reply).filter(Reply.letter_id == letter.id).delete()
    db.session.rollback()
    # Naming only one of the two values that read the letter table is not enough.
    with pytest.raises(derived.UnguardedBulkWrite, match="意见书的问题数"), derived.bulk_write("standing", keys=[]):
        db.session.execute(update(Letter).where(Letter.id == letter.id).values(deadline=date(2021, 12, 31)))
    db.session.rollback()
    # A table nothing derives from is not guarded.
    db.session.execute(update(Notification).where(Notification.id == -1).values(title="x"))
    db.session.rollback()


def test_a_bulk_write_inside_bulk_write_stores_the_values_again(admin, unit):
    letter = make_letter(admin, unit)
    new = date(2021, 12, 31)
    with derived.bulk_write("standing", "letter.problem_count", keys=[letter.id]):
        db.session.execute(update(Letter).where(Letter.id == letter.id).values(deadline=new))
    db.session.commit()
    assert db.session.get(OpenLetter, letter.id).deadline == new
    assert derived.check_all() == {name: [] for name in derived.registered()}


def test_the_same_write_past_the_guard_is_found_by_the_check(admin, unit):
    letter = make_letter(admin, unit)
    db.session.connection().execute(update(Letter.__table__).where(Letter.__table__.c.id == letter.id)
                                    .values(deadline=date(2021, 12, 31), problem_count=7))
    db.session.commit()
    found = derived.check_all()
    assert any(letter.number in line for line in found["standing"])
    assert found["letter.problem_count"] == [f"意见书 {letter.number}（id {letter.id}）：记为 7 个问题，实有 2 个"]
    derived.rebuild_all()
    db.session.commit()
    assert derived.check_all() == {name: [] for name in derived.registered()}


def test_issuing_stores_problem_count_through_its_writer(admin, unit):
    letter = make_letter(admin, unit, problems=("一。", "二。", "三。"))
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).problem_count == 3
    assert derived.get("letter.problem_count").compute([letter.id], db.session.connection()) == {letter.id: 3}


def _desync_in_letter(letter) -> int:
    pid = letter.items[0].problem_id
    db.session.connection().execute(text("UPDATE problem SET in_letter = :f WHERE id = :id"),
                                    {"f": False, "id": pid})
    db.session.commit()
    return pid


def test_the_nightly_check_tells_every_active_admin_once_a_day(admin, unit):
    letter = make_letter(admin, unit)
    other = make_user("admin")
    gone = make_user("admin")
    gone.active = False
    db.session.commit()
    today = date(2021, 10, 8)
    assert check_derived_values(today) == []
    assert db.session.scalar(select(db.func.count()).select_from(Notification)
                             .where(Notification.key.like("derived-check:%"))) == 0

    pid = _desync_in_letter(letter)
    lines = check_derived_values(today)
    assert any(f"问题 id {pid}" in line and "按意见书应为已纳入意见书" in line for line in lines)
    notes = db.session.scalars(select(Notification).where(Notification.key.like("derived-check:%"))).all()
    assert sorted(n.recipient_id for n in notes) == sorted([admin.id, other.id])
    body = notes[0].body
    assert f"问题 id {pid}" in body and "重新生成" in body and "不改动任何事实记录" in body
    assert "2021年10月8日" in notes[0].title
    check_derived_values(today)  # the same day again: nobody is told twice
    assert db.session.scalar(select(db.func.count()).select_from(Notification)
                             .where(Notification.key.like("derived-check:%"))) == 2
    check_derived_values(today + timedelta(days=1))  # still wrong the next night: told again
    assert db.session.scalar(select(db.func.count()).select_from(Notification)
                             .where(Notification.key.like("derived-check:%"))) == 4
    derived.rebuild_all()
    db.session.commit()


def test_derived_check_command_reports_and_rebuild_repairs(admin, unit, runner):
    letter = make_letter(admin, unit)
    result = runner.invoke(args=["derived", "check"])
    assert result.exit_code == 0 and "一致" in result.output, result.output
    pid = _desync_in_letter(letter)
    result = runner.invoke(args=["derived", "check"])
    assert result.exit_code == 1
    assert f"问题 id {pid}" in result.output and "derived check --rebuild" in result.output
    result = runner.invoke(args=["derived", "check", "--rebuild"])
    assert result.exit_code == 0 and "一致" in result.output, result.output
    db.session.expire_all()
    assert derived.check_all()["problem.in_letter"] == []
    result = runner.invoke(args=["ledger", "standing"])  # the older command keeps working
    assert result.exit_code == 0 and "一致" in result.output


def test_the_registry_imports_no_domain():
    """Domains import derived and register into it, never the reverse: derived.py imports only the standard
    library, SQLAlchemy and (inside functions) the app's db."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(derived.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    app_modules = {m for m in imported if m.startswith(".") or m.startswith("supervision")}
    assert app_modules == {".extensions"}


# --- the triggers: each has a test that fails when it is removed ---------------------------------------------

def _agrees() -> None:
    """The stored states agree with derive in this very transaction (before any commit)."""
    db.session.flush()
    assert derived.get("standing").check(db.session.connection()) == []


def test_the_hooks_fact_row_trigger_follows_a_fact_row_changed_without_an_audit_entry(admin, unit):
    """The flush hook re-derives a letter when a fact row of it is added, changed or deleted through the ORM,
    whoever wrote it and whether or not an audit entry goes with it."""
    from supervision.rectification.models import Extension, ExtensionStatus

    letter = make_letter(admin, unit)
    assert db.session.get(OpenLetter, letter.id).deadline == date(2021, 10, 8)
    ext = Extension(letter_id=letter.id, reason="需要时间", requested_date=date(2021, 11, 30),
                    new_deadline=date(2021, 11, 30),
                    status=ExtensionStatus.APPROVED, requested_by_id=admin.id, decided_by_id=admin.id)
    db.session.add(ext)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(OpenLetter, letter.id).deadline == date(2021, 11, 30)
    db.session.delete(db.session.get(Extension, ext.id))
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(OpenLetter, letter.id).deadline == date(2021, 10, 8)
    db.session.rollback()


def test_every_step_of_a_letters_life_is_stored_in_the_flush_that_made_it(admin, inspector, unit, unit_user):
    """The fact-row trigger (with bulk_write at issue) covers every path that changes a letter's facts: after each
    service call, before any commit, the stored states are derive's. (The hook's former second trigger — letter
    audit entries — was needed by none of them and is gone.)"""
    from supervision.letters import operations as letters
    from supervision.rectification import operations as rect_operations, queries as rect_queries
    from supervision.visits.models import Visit

    from .test_walk import submit_visit

    letter = make_letter(admin, unit, receipt_date=None)  # drafted and issued through the letters service
    _agrees()
    letters.record_delivery(letter, date(2021, 9, 1), admin)
    _agrees()
    db.session.commit()
    st = rect_queries.letter_state(letter)
    rect_operations.save_reply_draft(letter, st.problems[0].problem.id, unit_user, "已整改。")
    _agrees()
    rect_operations.save_reply_draft(letter, st.problems[1].problem.id, unit_user, "已整改。")
    rect_operations.save_report_draft(letter, unit_user, "整改报告。", upload(PDF_BYTES, "报告.pdf"))
    _agrees()
    rect_operations.submit_report(letter, unit_user, today=date(2021, 9, 20))
    _agrees()
    db.session.commit()
    st = rect_queries.letter_state(letter)
    rect_operations.return_problem(st.problems[0].latest, admin, "材料不全")
    _agrees()
    rect_operations.order_site_check(st.problems[1].latest, admin, [inspector], date(2021, 9, 25))
    _agrees()
    db.session.commit()
    ext = rect_operations.request_extension(letter, unit_user, date(2021, 10, 31), "需要时间")
    _agrees()
    rect_operations.decide_extension(ext, admin, True, date(2021, 10, 31))
    _agrees()
    db.session.commit()
    reply = rect_queries.letter_state(letter).problems[1].latest
    submit_visit(db.session.get(Visit, reply.site_visit_id), inspector)
    db.session.commit()
    rect_operations.record_site_result(reply, inspector, True, "已查验")
    _agrees()
    db.session.commit()
    rect_operations.save_reply_draft(letter, st.problems[0].problem.id, unit_user, "已补充材料。")
    rect_operations.save_report_draft(letter, unit_user, "补充报告。")
    rect_operations.submit_report(letter, unit_user, today=date(2021, 10, 20))
    db.session.commit()
    rect_operations.accept_problem(rect_queries.letter_state(letter).problems[0].latest, admin)
    _agrees()
    db.session.commit()
    assert db.session.get(OpenLetter, letter.id) is None  # 已办结

    second = make_letter(admin, unit)
    letters.void_letter(second, "文号有误", admin)
    _agrees()
    db.session.commit()
    correction = letters.draft_correction(second, admin)
    _agrees()
    db.session.commit()
    letters.issue_letter(correction.id, admin, issue_date=date(2021, 9, 2))
    _agrees()
    assert db.session.get(OpenLetter, correction.id).state == "unsigned"


def test_the_scheduler_adds_the_nightly_check_once():
    from apscheduler.schedulers.background import BackgroundScheduler

    from supervision.reminders.scheduler import DERIVED_CHECK_JOB_ID, ensure_derived_check_job
    from supervision.timeutil import TZ

    scheduler = BackgroundScheduler(timezone=TZ)
    scheduler.start(paused=True)
    try:
        assert ensure_derived_check_job(scheduler).startswith("添加任务")
        assert ensure_derived_check_job(scheduler).startswith("保留任务")
        [job] = scheduler.get_jobs()
        assert job.id == DERIVED_CHECK_JOB_ID and str(job.trigger) == "cron[hour='2', minute='30']"
    finally:
        scheduler.shutdown(wait=False)
