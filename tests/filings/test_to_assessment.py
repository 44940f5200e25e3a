"""The 考核's 日常工作情况评价 reads the filing register: on-time filing of 重大行政处罚 counts for the unit that filed."""
from datetime import date

from supervision.assessment import daily
from tests.filings.conftest import file_penalty, set_today
from tests.helpers import make_unit


def test_the_daily_evaluation_counts_on_time_and_late_filings(unit_user, monkeypatch):
    set_today(monkeypatch, date(2026, 10, 8))  # 国庆 rolls the 15-day period of a 22 September decision to 8 October
    file_penalty(unit_user)
    set_today(monkeypatch, date(2026, 10, 20))
    file_penalty(unit_user, decision_number="鲁市监罚〔2026〕13号")  # the same decision date: filed late
    quiet = make_unit("鲁山县林业局")
    out = daily.DAILY_RULES["penalty_filings"].compute(2026, frozenset({unit_user.unit_id, quiet.id}), {},
                                                       date(2026, 12, 1))
    assert out[unit_user.unit_id].fraction == daily.Decimal("0.5")
    assert "按时1件、逾期1件" in out[unit_user.unit_id].detail
    assert quiet.id not in out  # nothing to file: 不适用
    lines = daily.evaluate(2026, [unit_user.unit_id], today=date(2026, 12, 1))[unit_user.unit_id].lines
    assert any(ln.label == "重大行政处罚按时备案" and ln.fraction == daily.Decimal("0.5") for ln in lines)
