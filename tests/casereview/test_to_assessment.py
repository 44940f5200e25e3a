"""The 考核's 日常工作情况评价 reads the 案卷评查: a unit's reviewed cases of the year count by their average score."""
from decimal import Decimal

from supervision.assessment import daily
from supervision.casereview import operations
from supervision.extensions import db
from tests.casereview.conftest import add_case, deduct, item


def test_the_daily_evaluation_counts_the_years_case_scores(campaign, units, reviewer):
    a = add_case(campaign, units[0], number="A1")
    db.session.commit()
    operations.save_review(a, {item(campaign, "证据确实充分").id: deduct(x=(5, "缺现场笔录", False))["x"]}, reviewer)
    db.session.commit()
    out = daily.DAILY_RULES["case_review"].compute(2021, frozenset(u.id for u in units), {}, None)
    assert out[units[0].id].fraction == Decimal("0.95")
    assert "评查案卷1卷，平均95.00分" in out[units[0].id].detail
    assert units[1].id not in out  # no reviewed case: 不适用
