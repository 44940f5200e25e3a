"""整改状态索引 (rectification.standing): the stored states of the open letters follow every change made through
the services, leave with closure or voiding, are checked and rebuilt by `flask ledger standing`, and are
filled by the upgrade that adds them. (tests/conftest.py also compares them with derive after every test.)"""
from datetime import date

from sqlalchemy import select, update

from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.rectification import operations, queries, standing
from supervision.rectification.dashboard import office_figures
from supervision.rectification.models import Closure, OpenProblem, OpenLetter

from .conftest import PDF_BYTES, make_letter, upload


def stored(letter):
    """(state, deadline, replied_on_time) and {position: item state} as stored, or None when not stored."""
    db.session.expire_all()
    row = db.session.get(OpenLetter, letter.id)
    if row is None:
        return None
    items = {i.id: i.position for i in letter.items}
    states = {items[r.letter_problem_id]: r.state
              for r in db.session.scalars(select(OpenProblem).where(OpenProblem.letter_id == letter.id))}
    return (row.state, row.deadline, row.replied_on_time), states


def reply_all(letter, user, day):
    for p in queries.letter_state(letter).problems:
        if p.state.needs_reply:
            operations.save_reply_draft(letter, p.problem.id, user, "已整改。")
    operations.save_report_draft(letter, user, "整改报告。", upload(PDF_BYTES, "报告.pdf"))
    operations.submit_report(letter, user, today=day)
    db.session.commit()


def test_stored_state_follows_the_letter_to_its_closure(admin, unit, unit_user):
    letter = make_letter(admin, unit, receipt_date=None)
    assert stored(letter) == (("unsigned", None, None), {1: "open", 2: "open"})

    letters.record_delivery(letter, date(2021, 9, 1), admin)
    db.session.commit()
    assert stored(letter) == (("in_progress", date(2021, 10, 8), None), {1: "open", 2: "open"})

    reply_all(letter, unit_user, date(2021, 9, 20))
    assert stored(letter) == (("submitted", date(2021, 10, 8), True), {1: "pending", 2: "pending"})

    st = queries.letter_state(letter)
    operations.accept_problem(st.problems[0].latest, admin)
    operations.return_problem(st.problems[1].latest, admin, "材料不全")
    db.session.commit()
    assert stored(letter) == (("returned", date(2021, 10, 8), True), {1: "accepted", 2: "returned"})

    ext = operations.request_extension(letter, unit_user, date(2021, 10, 31), "需要时间")
    db.session.commit()
    assert stored(letter)[0][1] == date(2021, 10, 8)  # asked, not yet approved
    operations.decide_extension(ext, admin, True, date(2021, 10, 31))
    db.session.commit()
    assert stored(letter)[0] == ("returned", date(2021, 10, 31), True)
    figures = office_figures(today=date(2021, 11, 2))
    assert figures["counts"]["overdue"] == 1 and figures["counts"]["returned"] == 1
    assert figures["overdue_by_unit"][0]["letters"][0][1].overdue_days == 2

    reply_all(letter, unit_user, date(2021, 11, 2))
    assert stored(letter)[0] == ("submitted", date(2021, 10, 31), True)  # the first report was on time
    operations.accept_problem(queries.letter_state(letter).problems[1].latest, admin)
    db.session.commit()
    assert stored(letter) is None  # 已办结: no longer stored, its closure recorded instead
    assert db.session.get(Closure, letter.id) is not None
    counts = office_figures(today=date(2021, 11, 3))["counts"]
    assert (counts["open"], counts["overdue"], counts["closed"], counts["total"]) == (0, 0, 1, 1)


def test_a_voided_letter_leaves_and_its_correction_comes_in(admin, unit):
    letter = make_letter(admin, unit)
    assert stored(letter)[0][0] == "in_progress"
    letters.void_letter(letter, "文号有误", admin)
    db.session.commit()
    assert stored(letter) is None
    assert office_figures()["counts"]["total"] == 0


def test_check_reports_a_difference_and_rebuild_repairs_it(admin, unit, runner):
    first = make_letter(admin, unit)
    second = make_letter(admin, unit, receipt_date=None)
    db.session.execute(update(OpenLetter).where(OpenLetter.letter_id == first.id).values(state="submitted"))
    db.session.execute(OpenProblem.__table__.delete().where(OpenProblem.letter_id == second.id))
    db.session.commit()

    result = runner.invoke(args=["ledger", "standing"])
    assert result.exit_code == 1
    assert first.number in result.output and "按事实应为 ('in_progress'" in result.output
    assert f"{second.number} 第1个问题" in result.output and "不符" in result.output

    result = runner.invoke(args=["ledger", "standing", "--rebuild"])
    assert result.exit_code == 0 and "未办结意见书 2 份" in result.output
    assert standing.differences() == []
    result = runner.invoke(args=["ledger", "standing"])
    assert result.exit_code == 0 and "一致" in result.output


def test_rebuild_records_a_missing_closure(admin, unit, unit_user):
    """A letter closed without its Closure row (as before rect_closure existed) gets one, and no stored state."""
    letter = make_letter(admin, unit, problems=("未公示权责清单。",))
    reply_all(letter, unit_user, date(2021, 9, 10))
    operations.accept_problem(queries.letter_state(letter).problems[0].latest, admin)
    db.session.commit()
    db.session.connection().execute(Closure.__table__.delete())  # by hand, past the ORM's bulk guard
    db.session.commit()
    assert standing.rebuild(db.session.connection()) == 0
    db.session.commit()
    closure = db.session.get(Closure, letter.id)
    assert closure is not None and closure.closed_on == queries.letter_state(letter).closed_on
    assert closure.replied_on_time is True


def test_year_sums_follow_closure_and_voiding(admin, unit, unit_user):
    letter = make_letter(admin, unit, problems=("未公示权责清单。", "案卷未装订。"))
    assert standing.closed_years() == []
    reply_all(letter, unit_user, date(2021, 10, 20))  # after the deadline (2021-10-08): late
    for p in queries.letter_state(letter).problems:
        operations.accept_problem(p.latest, admin)
    db.session.commit()
    [year] = standing.closed_years()
    assert (year.issue_year, year.closed, year.reported, year.on_time) == (2021, 1, 1, 0)
    assert year.close_days_n == 1 and year.close_days_sum == (queries.letter_state(letter).closed_on
                                                                - date(2021, 9, 1)).days
    assert sum(n for _name, _seq, n, _acc in standing.closed_item_figures(2021)) == 2

    letters.void_letter(letter, "文号有误", admin)
    db.session.commit()
    assert standing.closed_years() == [] and standing.closed_item_figures(2021) == []
