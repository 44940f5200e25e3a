"""Rectification deadlines (units) and overdue / unsigned letters (监督室), driven by run_due_reminders(now)."""
from datetime import date, datetime

import pytest

from supervision.extensions import db
from supervision.letters.models import LetterStatus
from supervision.letters.operations import void_letter
from supervision.rectification import operations as rect_operations, queries as rect_queries
from supervision.reminders import rules
from supervision.reminders.jobs import run_due_reminders
from supervision.reminders.queries import get_settings
from supervision.timeutil import TZ

from tests.rectification.conftest import PDF_BYTES, upload
from tests.rectification.conftest import make_letter as issue_letter

from .factories import make_letter, make_unit, make_user, notes


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def unit_and_staff(ctx):
    unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
    return unit, make_user("unit", unit=unit)


def test_unit_is_reminded_7_3_and_1_days_before_the_deadline_and_the_day_after(unit_and_staff):
    unit, staff = unit_and_staff
    letter = make_letter(unit, date(2021, 2, 26), receipt_date=date(2021, 3, 1))
    assert letter.deadline == date(2021, 3, 31)  # Wednesday

    expected = [
        ("2021-03-24T09:00", "deadline-7d", "还有7天"),
        ("2021-03-26T09:00", "deadline-3d", "还有5天"),  # 3-28 is a Sunday: the Friday before, 5 days ahead
        ("2021-03-30T09:00", "deadline-1d", "还有1天"),
        ("2021-04-01T09:00", "deadline-passed", "已过"),
    ]
    for moment, rule, words in expected:
        before = len(notes(user=staff))
        result = run_due_reminders(at(moment))
        again = run_due_reminders(at(moment))
        new = notes(user=staff)[before:]
        assert [n.rule for n in new] == [rule], moment
        assert words in new[0].title and letter.number in new[0].title
        assert new[0].link == f"/letters/{letter.id}"
        assert len(result.sent) >= 1 and again.sent == []
    assert "2021年3月31日（星期三）" in notes("deadline-7d")[0].body


def test_offsets_landing_on_the_same_working_day_give_one_reminder(unit_and_staff):
    unit, staff = unit_and_staff
    letter = make_letter(unit, date(2021, 8, 30), receipt_date=date(2021, 9, 1))
    assert letter.deadline == date(2021, 10, 8)  # 国庆节顺延
    # 7, 3 and 1 days before all fall in the holiday: one reminder on Thursday 9-30, the nearest offset's key.
    run_due_reminders(at("2021-09-30T09:00"))
    run_due_reminders(at("2021-10-07T09:00"))
    sent = notes(user=staff)
    assert [n.rule for n in sent] == ["deadline-1d"]
    assert "还有8天" in sent[0].title


def test_office_hears_of_an_overdue_letter_the_day_after_then_weekly(unit_and_staff):
    unit, _staff = unit_and_staff
    admins = [make_user("admin"), make_user("admin")]
    letter = make_letter(unit, date(2021, 2, 26), receipt_date=date(2021, 3, 1))  # deadline 3-31

    run_due_reminders(at("2021-03-31T09:00"))
    assert notes("office-overdue") == []
    run_due_reminders(at("2021-04-01T09:00"))
    first = notes("office-overdue")
    assert sorted(n.recipient_id for n in first) == sorted(a.id for a in admins)
    assert "已逾期1天" in first[0].title and "鲁山县瀼河乡人民政府" in first[0].title
    run_due_reminders(at("2021-04-02T09:00"))
    assert len(notes("office-overdue")) == 2
    run_due_reminders(at("2021-04-08T09:00"))
    assert len(notes("office-overdue")) == 4 and "已逾期8天" in notes("office-overdue")[-1].title
    # A voided letter is no longer chased.
    void_letter(letter, "送达对象有误", admins[0])
    db.session.commit()
    run_due_reminders(at("2021-04-15T09:00"))
    assert len(notes("office-overdue")) == 4


def test_office_hears_of_a_letter_not_signed_for_within_three_working_days(unit_and_staff):
    unit, _staff = unit_and_staff
    admin = make_user("admin")
    signed = make_letter(unit, date(2021, 4, 6), receipt_date=date(2021, 4, 7))
    unsigned = make_letter(unit, date(2021, 4, 6))  # Tuesday; 3 working days: Wed, Thu, Fri

    run_due_reminders(at("2021-04-09T09:00"))
    assert notes("office-unsigned") == []
    run_due_reminders(at("2021-04-12T09:00"))  # Monday
    sent = notes("office-unsigned")
    assert [n.recipient_id for n in sent] == [admin.id]
    assert unsigned.number in sent[0].title and signed.number not in sent[0].title


def submit(letter, unit_user, day: date):
    """The unit answers every problem and 报送s its report on `day`, through the rectification part."""
    for item in letter.items:
        rect_operations.save_reply_draft(letter, item.id, unit_user, "已按要求整改。")
    rect_operations.save_report_draft(letter, unit_user, "我单位已逐项整改。", upload(PDF_BYTES, "整改报告.pdf"))
    sub = rect_operations.submit_report(letter, unit_user, today=day)
    db.session.commit()
    return sub


def test_office_hears_of_a_report_waiting_more_than_five_working_days(unit_and_staff):
    unit, staff = unit_and_staff
    admin = make_user("admin")
    letter = issue_letter(admin, unit, issue_date=date(2021, 2, 26), receipt_date=date(2021, 3, 1))
    sub = submit(letter, staff, date(2021, 3, 22))  # Monday; 5 working days: Tue–Mon

    run_due_reminders(at("2021-03-29T09:00"))
    assert notes("office-review") == []
    run_due_reminders(at("2021-03-30T09:00"))
    sent = notes("office-review")
    assert [n.recipient_id for n in sent] == [admin.id]
    assert "超过5个工作日" in sent[0].title and letter.number in sent[0].title
    assert sent[0].key.endswith(f":submission-{sub.id}:2021-03-22")
    assert sent[0].link == f"/rectification/letters/{letter.id}"


def test_a_reviewed_report_is_not_waiting(unit_and_staff):
    unit, staff = unit_and_staff
    admin = make_user("admin")
    letter = issue_letter(admin, unit, issue_date=date(2021, 2, 26), receipt_date=date(2021, 3, 1))
    submit(letter, staff, date(2021, 3, 22))
    for item in letter.items:
        rect_operations.return_problem(rect_queries.letter_state(letter).problem(item.id).latest, admin, "未附佐证材料")
    db.session.commit()

    run_due_reminders(at("2021-03-30T09:00"))
    assert notes("office-review") == []


def test_closed_letters_are_not_chased_and_an_extended_deadline_counts(unit_and_staff):
    unit, staff = unit_and_staff
    admin = make_user("admin")
    closed = issue_letter(admin, unit, issue_date=date(2021, 2, 26), receipt_date=date(2021, 3, 1))
    extended = issue_letter(admin, unit, issue_date=date(2021, 2, 26), receipt_date=date(2021, 3, 1))
    submit(closed, staff, date(2021, 3, 10))
    for item in closed.items:
        rect_operations.accept_problem(rect_queries.letter_state(closed).problem(item.id).latest, admin, "整改到位")
    ext = rect_operations.request_extension(extended, staff, date(2021, 4, 30), "案卷需送档案室重新装订")
    rect_operations.decide_extension(ext, admin, True, date(2021, 4, 30), "同意")
    db.session.commit()
    assert rect_queries.letter_state(closed).closed

    run_due_reminders(at("2021-04-01T09:00"))
    assert notes("deadline-passed") == [] and notes("office-overdue") == []
    run_due_reminders(at("2021-04-23T09:00"))  # 7 days before the extended deadline
    sent = notes("deadline-7d", user=staff)
    assert len(sent) == 1 and extended.number in sent[0].title and "2021年4月30日" in sent[0].title
