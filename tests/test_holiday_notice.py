"""The State Council holiday notice read as published (supervision.holiday_notice), and `flask calendar
import-notice`. tests/data/holiday-notice-2026.txt is the real 2026 notice; the 2027 one is made-up test data."""
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import func, select

from supervision import workcal
from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.holiday_notice import NoticeError, month_text, parse_notice

DATA = Path(__file__).resolve().parent / "data"
NOTICE_2026 = (DATA / "holiday-notice-2026.txt").read_text(encoding="utf-8")
NOTICE_2027 = (DATA / "holiday-notice-2027-synthetic.txt").read_text(encoding="utf-8")


def test_the_2026_notice_gives_chinesecalendars_2026_day_by_day():
    notice = parse_notice(NOTICE_2026)
    assert notice.year == 2026 and len(notice.lines) == 7
    holidays, workdays = dict(notice.holidays), dict(notice.workdays)
    day = date(2026, 1, 1)
    while day.year == 2026:
        ours = day in workdays or (day.weekday() < 5 and day not in holidays)
        assert ours == chinese_calendar.is_workday(day), day
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if day in holidays:
            assert workcal.HOLIDAY_NAMES_CN[name] == holidays[day], day
        else:
            assert not (on_holiday and name), day  # every holiday of the package is in a 放假 range
        day += timedelta(days=1)
    assert notice.lines[1].explanation == ("二、春节：放假2月15日（周日）至2月23日（周一），共9天（其中周末3天，调休）；"
                                           "调休上班2月14日（周六）、2月28日（周六）。")


def test_the_year_comes_from_the_title_or_is_given_and_both_must_agree():
    assert parse_notice(NOTICE_2026, 2026).year == 2026
    with pytest.raises(NoticeError, match="通知标题是2026年的节假日安排，与要录入的2027年不符"):
        parse_notice(NOTICE_2026, 2027)
    body = NOTICE_2026.replace("国务院办公厅关于2026年部分节假日安排的通知", "")
    with pytest.raises(NoticeError, match="看不出是哪一年"):
        parse_notice(body)
    assert parse_notice(body, 2026).holidays == parse_notice(NOTICE_2026).holidays
    # Pasted from a web page as one paragraph: the numbered sentences are found all the same.
    assert parse_notice(NOTICE_2026.replace("\n", "")).holidays == parse_notice(NOTICE_2026).holidays


@pytest.mark.parametrize("wrong, right, message", [
    ("1月1日（周四）至3日（周六）", "1月1日（周五）至3日（周六）", "1月1日（周五）至3日（周六）放假调休，共3天”：2026年1月1日是星期四"),
    ("共9天", "共8天", "2月15日（周日）至2月23日（周一）是9天，与“共8天”不符"),
    ("5月9日（周六）上班", "5月2日（周六）上班", "上班日5月2日（周六）在“5月1日（周五）至5日（周二）放假调休，共5天”的放假期间内"),
    ("共3天。1月4日（周日）上班。", "共3天。1月4日（周日）上班，另行通知。", "“一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班，另行通知。”中的“1月4日（周日）上班，另行通知”看不懂"),
    ("6月19日（周五）至21日（周日）放假", "6月19日（周五）至21日（周日）休息", "“五、端午节：6月19日（周五）至21日（周日）休息，共3天。”中的"),
    ("9月25日（周五）", "9月31日（周五）", "2026年9月31日不存在"),
])
def test_a_notice_it_does_not_fully_understand_is_refused_naming_the_sentence(wrong, right, message):
    assert wrong in NOTICE_2026
    with pytest.raises(NoticeError) as exc:
        parse_notice(NOTICE_2026.replace(wrong, right))
    assert message in str(exc.value)


def test_ranges_across_months_and_years():
    text = ("国务院办公厅关于2027年部分节假日安排的通知\n"
            "一、中秋节、国庆节：9月29日（周三）至10月6日（周三）放假调休，共8天。9月26日（周日）、10月9日（周六）上班。\n"
            "二、元旦：12月31日（周五）至1月2日（周日）放假，共3天。\n")
    notice = parse_notice(text)
    assert [d for d, _ in notice.holidays][:8] == [date(2027, 9, 29) + timedelta(days=i) for i in range(8)]
    assert dict(notice.holidays)[date(2027, 10, 1)] == "中秋节、国庆节"
    # The days of 2028 are the next year's calendar: reported, not entered.
    assert date(2027, 12, 31) in dict(notice.holidays) and date(2028, 1, 1) not in dict(notice.holidays)
    assert "不属于2027年、未录入：2028年1月1日（周六）、2028年1月2日（周日）" in notice.lines[1].explanation


def test_nothing_numbered_is_refused():
    with pytest.raises(NoticeError, match="没有找到放假安排"):
        parse_notice("国务院办公厅关于2027年部分节假日安排的通知\n元旦放三天。")


def test_month_text_marks_holidays_and_working_days():
    notice = parse_notice(NOTICE_2026)
    text = month_text(2026, notice.holidays, notice.workdays)
    assert " 1月" in text and "12月" in text
    assert " 1休" in text and " 4班" in text and "10末" in text


# --- the CLI ---------------------------------------------------------------------------------------------

def _counts():
    return (db.session.scalar(select(func.count()).select_from(workcal.CalendarDay)),
            db.session.scalar(select(func.count()).select_from(workcal.CalendarYear)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


def test_cli_dry_run_prints_what_it_understood_and_writes_nothing(ctx):
    before = _counts()
    result = ctx.test_cli_runner().invoke(args=["calendar", "import-notice", str(DATA / "holiday-notice-2027-synthetic.txt"),
                                               "--year", "2027", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2027年：放假29天，调休上班6天。" in result.output
    assert "七、国庆节：放假10月1日（周五）至10月7日（周四），共7天" in result.output
    assert "12月" in result.output and "试运行：没有写入。" in result.output
    db.session.expire_all()
    assert _counts() == before and not workcal.year_known(2027)


def test_cli_imports_the_year_and_refuses_a_bad_notice_naming_the_sentence(ctx, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(NOTICE_2027.replace("共9天", "共10天"), encoding="utf-8")
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["calendar", "import-notice", str(bad)])
    assert result.exit_code != 0
    assert "通知没有录入" in result.output and "2月5日（农历腊月二十九、周五）至13日（农历正月初七、周六）放假调休，共10天" in result.output
    wrong_year = runner.invoke(args=["calendar", "import-notice", str(DATA / "holiday-notice-2027-synthetic.txt"),
                                     "--year", "2028"])
    assert wrong_year.exit_code != 0 and "与要录入的2028年不符" in wrong_year.output
    db.session.expire_all()
    assert not workcal.year_known(2027)
    ok = runner.invoke(args=["calendar", "import-notice", str(DATA / "holiday-notice-2027-synthetic.txt"),
                             "--year", "2027", "--source", "测试"])
    assert ok.exit_code == 0, ok.output
    db.session.expire_all()
    assert workcal.year_known(2027) and db.session.get(workcal.CalendarYear, 2027).source == "测试"
    assert workcal.day_info(date(2027, 10, 9)).workday and workcal.day_info(date(2027, 10, 9)).reason == "调休工作日（国庆节）"
    assert not workcal.day_info(date(2027, 6, 9)).workday
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "calendar_year")).one()
    assert entry.username == "系统" and "2027" in entry.summary
