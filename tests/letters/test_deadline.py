"""Deadline = receipt + period counted from the next day, moved past rest days (民法典 201, 203)."""
from datetime import date

import pytest

from supervision.letters.deadline import compute_deadline
from supervision.workcal import UnknownYear


def test_national_day_moves_deadline_to_october_8(ctx):
    d = compute_deadline(date(2021, 9, 1), 30)
    assert d.nominal == date(2021, 10, 1)
    assert d.due == date(2021, 10, 8)
    assert d.explanation == "2021-09-01 签收 + 30 日 = 2021-10-01，国庆节顺延至 2021-10-08"


def test_working_day_is_not_moved(ctx):
    d = compute_deadline(date(2021, 3, 1), 30)
    assert d.due == date(2021, 3, 31)
    assert not d.moved


def test_saturday_moves_to_monday(ctx):
    d = compute_deadline(date(2021, 7, 1), 30)
    assert d.nominal == date(2021, 7, 31)  # Saturday
    assert d.due == date(2021, 8, 2)  # Monday
    assert "星期六顺延至 2021-08-02" in d.explanation


def test_tiaoxiu_saturday_is_a_working_day(ctx):
    d = compute_deadline(date(2021, 9, 9), 30)
    assert d.nominal == date(2021, 10, 9)  # a 调休 working Saturday
    assert d.due == date(2021, 10, 9)
    assert "调休" in d.explanation


def test_paper_delivery_says_so(ctx):
    assert compute_deadline(date(2021, 3, 1), 30, verb="送达").explanation.startswith("2021-03-01 送达 + 30 日")


def test_unknown_year_is_a_clear_error(ctx):
    with pytest.raises(UnknownYear) as exc:
        compute_deadline(date(2027, 3, 1), 30)
    assert "2027" in str(exc.value)
    with pytest.raises(UnknownYear):
        compute_deadline(date(2026, 12, 20), 30)  # lands in 2027
