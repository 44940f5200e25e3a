"""The sweep, driven by run_due_reminders(now): who is reminded of what, when — and never twice."""
from datetime import date, datetime

from supervision.extensions import db
from supervision.reminders.models import Notification, ReminderSkip
from supervision.reminders.rules import make_key
from supervision.reminders.jobs import run_due_reminders
from supervision.timeutil import TZ

from .factories import configure, make_slot, make_unit, make_user, notes


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def group(names=("张检查", "李检查")):
    return [make_user("inspector", display_name=n) for n in names]


def test_group_is_reminded_at_nine_on_the_friday_before_its_week(ctx):
    units = [make_unit("鲁山县人民政府办公室"), make_unit("鲁山县人民防空办公室")]
    inspectors = group()
    slot = make_slot(date(2021, 3, 8), units, inspectors)  # 三月第二周

    assert run_due_reminders(at("2021-03-05T08:59")).sent == []
    result = run_due_reminders(at("2021-03-05T09:00"))

    sent = notes("group-before")
    assert sorted(n.recipient_id for n in sent) == sorted(u.id for u in inspectors)
    note = sent[0]
    assert note.key == make_key("group-before", note.recipient_id, f"slot-{slot.id}", date(2021, 3, 8))
    assert "3月8日—3月12日" in note.title and "鲁山县人民政府办公室" in note.title
    for text in ("鲁山县人民政府办公室、鲁山县人民防空办公室", "2021年3月8日（星期一）至3月12日（星期五）",
                 "牵头科室：行政执法协调监督室", "张检查、李检查", "人员素质", "“三项制度”"):
        assert text in note.body, text
    assert note.link == f"/schedule/slot/{slot.id}"
    assert len(result.sent) == 2


def test_thursday_reminder_when_the_friday_before_is_a_holiday(ctx):
    inspectors = group(("王检查",))
    make_slot(date(2021, 1, 4), [make_unit()], inspectors)  # 2021-01-01 (Friday) is 元旦

    run_due_reminders(at("2020-12-30T09:00"))
    assert notes("group-before") == []
    run_due_reminders(at("2020-12-31T09:00"))  # Thursday
    assert len(notes("group-before")) == 1
    run_due_reminders(at("2021-01-01T09:00"))
    assert len(notes("group-before")) == 1


def test_reminder_goes_out_on_a_working_saturday(ctx):
    inspectors = group(("赵检查",))
    make_slot(date(2021, 10, 11), [make_unit()], inspectors)  # 十月第二周; 10-09 is a 调休 working Saturday

    run_due_reminders(at("2021-10-08T09:00"))
    assert notes("group-before") == []
    run_due_reminders(at("2021-10-09T09:00"))
    assert len(notes("group-before")) == 1


def test_week_start_reminder_moves_past_a_monday_holiday(ctx):
    inspectors = group(("钱检查",))
    make_slot(date(2021, 4, 5), [make_unit("鲁山县下汤镇人民政府", kind="乡镇")], inspectors)  # 4-05 清明节

    result = run_due_reminders(at("2021-04-02T09:00"))
    assert [s.rule for s in result.sent] == ["group-before"]
    run_due_reminders(at("2021-04-05T08:30"))
    assert notes("group-monday") == []
    run_due_reminders(at("2021-04-06T08:30"))
    monday = notes("group-monday")
    assert len(monday) == 1 and monday[0].title.startswith("本周检查：4月5日—4月9日")


def test_units_get_notice_of_their_inspection_week_and_it_can_be_turned_off(ctx):
    unit = make_unit("鲁山县金融工作局")
    staff = [make_user("unit", unit=unit), make_user("unit", unit=unit)]
    other = make_user("unit")  # another unit: not told
    make_slot(date(2021, 3, 15), [unit], group(("孙检查",)))  # 7 days before: Monday 3-08

    run_due_reminders(at("2021-03-08T09:00"))
    sent = notes("unit-week")
    assert sorted(n.recipient_id for n in sent) == sorted(u.id for u in staff)
    assert "鲁山县金融工作局" in sent[0].body and "2021年3月15日（星期一）" in sent[0].body
    assert other.id not in {n.recipient_id for n in sent}

    configure(unit_notice_enabled=False)
    make_slot(date(2021, 3, 22), [unit], [])
    run_due_reminders(at("2021-03-15T09:00"))
    assert len(notes("unit-week")) == 2


def test_deactivated_recipient_is_skipped_and_logged_once(ctx, caplog):
    active, gone = group(("在岗", "已调离"))
    gone.active = False
    db.session.commit()
    make_slot(date(2021, 3, 8), [make_unit()], [active, gone])

    caplog.set_level("INFO", logger="supervision.reminders")
    first = run_due_reminders(at("2021-03-05T09:00"))
    second = run_due_reminders(at("2021-03-05T09:05"))
    assert [n.recipient_id for n in notes("group-before")] == [active.id]
    assert len(first.skipped) == 1 and "已调离" in first.skipped[0]
    assert second.skipped == []
    skips = db.session.query(ReminderSkip).all()
    assert len(skips) == 1 and skips[0].recipient_id == gone.id and "已停用" in skips[0].reason
    assert "deactivated" in caplog.text


def test_the_same_sweep_twice_sends_nothing_twice(ctx):
    make_slot(date(2021, 3, 8), [make_unit()], group())
    first = run_due_reminders(at("2021-03-05T09:00"))
    second = run_due_reminders(at("2021-03-05T09:00"))
    assert len(first.sent) == 2 and second.sent == [] and second.already == 2
    assert db.session.query(Notification).count() == 2


def test_after_a_two_day_outage_the_friday_reminder_goes_out_once(ctx):
    make_slot(date(2021, 3, 8), [make_unit()], group(("周检查",)))
    run_due_reminders(at("2021-03-04T18:00"))  # the last sweep before the server went down
    assert notes() == []
    # down from Thursday evening to Saturday morning
    caught_up = run_due_reminders(at("2021-03-06T10:00"))
    again = run_due_reminders(at("2021-03-06T10:05"))
    assert [s.rule for s in caught_up.sent] == ["group-before"]
    assert again.sent == []
    assert len(notes("group-before")) == 1


def test_reminders_older_than_the_catch_up_window_are_not_sent(ctx):
    configure(catch_up_hours=24)
    make_slot(date(2021, 3, 8), [make_unit()], group(("吴检查",)))
    run_due_reminders(at("2021-03-06T10:00"))  # 25 hours after Friday 09:00
    assert notes("group-before") == []


def test_units_are_reminded_in_march_to_finish_their_self_inspection(ctx):
    unit = make_unit("鲁山县张良镇人民政府", kind="乡镇")
    user = make_user("unit", unit=unit)
    closed = make_unit("已撤销单位", active=False)
    make_user("unit", unit=closed)
    run_due_reminders(at("2021-03-01T09:00"))
    sent = notes("yearly-selfcheck")
    assert [n.recipient_id for n in sent] == [user.id]
    assert "2021年3月31日前完成自查" in sent[0].title and "四、（一）" in sent[0].body


def test_office_is_told_in_january_to_load_the_plan_and_enter_an_unknown_years_holidays(ctx):
    admin = make_user("admin")
    # 2027: chinesecalendar 1.11 does not know it; 1 January counts as a holiday, so Monday 4 January
    result = run_due_reminders(at("2027-01-04T09:00"))
    rules = sorted(n.rule for n in notes(user=admin))
    assert rules == ["yearly-calendar", "yearly-plan"]
    assert any("2027年" in e for e in result.errors)
    # 2021: calendar known, plan loaded -> nothing
    make_slot(date(2021, 3, 1), [make_unit()], [])
    run_due_reminders(at("2021-01-04T09:00"))
    assert sorted(n.rule for n in notes(user=admin)) == ["yearly-calendar", "yearly-plan"]


def test_a_malformed_time_in_the_settings_is_reported_and_the_sweep_carries_on(ctx):
    configure(group_notice_time="9点")
    make_slot(date(2021, 3, 8), [make_unit()], group(("郑检查",)))
    result = run_due_reminders(at("2021-03-05T09:00"))
    assert len(result.sent) == 1  # the default 09:00 is used
    assert any("“9点”不是有效的时间" in e for e in result.errors)


def test_office_is_told_in_december_when_next_years_calendar_is_missing(ctx):
    admin = make_user("admin")
    # chinesecalendar 1.11 knows 2026 but not 2027: a period counted from December already ends in 2027.
    run_due_reminders(at("2026-12-01T09:30"))
    sent = notes("yearly-calendar")
    assert [n.recipient_id for n in sent] == [admin.id]
    assert "请录入2027年法定节假日和调休安排" in sent[0].title and "整改期限" in sent[0].body
    # Once the admin has entered 2027, December's reminder is not repeated and January's does not come.
    from supervision import workcal

    workcal.enter_year(2027, [(date(2027, 1, 1), "元旦")], [], source="test")
    db.session.commit()
    run_due_reminders(at("2027-01-04T09:30"))
    assert len(notes("yearly-calendar")) == 1
