"""Seed 000's 考核 arithmetic (鲁法政办〔2021〕1号) and seed 001's 加减分 rules, on the pure scoring functions."""
from decimal import Decimal as D

import pytest

from supervision.assessment import scoring
from supervision.assessment.scoring import DAILY, MATERIALS, Line


def test_rating_percentages_are_100_80_60_0_of_the_points():
    assert [scoring.earned_points(D(4), r) for r in ("excellent", "good", "fair", "poor")] == [D(4), D("3.2"),
                                                                                              D("2.4"), D(0)]
    assert scoring.earned_points(D(4), "na") is None
    with pytest.raises(scoring.ScoringError):
        scoring.earned_points(D(4), "great")


def test_component_shares_follow_the_indicator_counts_as_seed_000_reports():
    township = scoring.component_shares({MATERIALS: 75, DAILY: 30})
    assert township.shares == {MATERIALS: D("71.43"), DAILY: D("28.57")}
    county = scoring.component_shares({MATERIALS: 69, DAILY: 30})
    assert county.shares == {MATERIALS: D("69.70"), DAILY: D("30.30")}
    assert sum(county.weights.values()) == 100


def _lines(n, component, points, earned_each):
    return [Line(component, D(points), earned_each) for _ in range(n)]


def test_all_excellent_makes_full_marks_and_the_parts_follow_the_shares():
    w = scoring.component_shares({MATERIALS: 75, DAILY: 30}).weights
    lines = _lines(75, MATERIALS, 1, D(1)) + _lines(30, DAILY, 1, D(1))
    s = scoring.internal_score(lines, w)
    assert (s.materials, s.daily, s.internal) == (D("71.43"), D("28.57"), D("100.00"))


def test_weighted_method_scales_what_a_unit_could_earn_to_the_full_points():
    """加权计算法: a unit without some 资料 indicators is judged on what it carries, scaled to the component."""
    w = scoring.component_shares({MATERIALS: 4, DAILY: 1}).weights  # 80 : 20
    lines = [Line(MATERIALS, D(20), D(20)),                      # 优
             Line(MATERIALS, D(20), scoring.earned_points(D(20), "good")),  # 良: 16
             Line(MATERIALS, D(20), None), Line(MATERIALS, D(20), None),    # 不适用
             Line(DAILY, D(20), scoring.percent_points(D(20), D(50)))]      # 日常 50 %
    s = scoring.internal_score(lines, w)
    # materials: 36 of the 40 applicable → 90 % of 80 = 72; daily: 50 % of 20 = 10
    assert (s.materials, s.daily, s.internal) == (D("72.00"), D("10.00"), D("82.00"))


def test_a_component_with_nothing_applicable_hands_its_weight_to_the_other():
    w = scoring.component_shares({MATERIALS: 3, DAILY: 1}).weights
    lines = [Line(MATERIALS, D(25), D(20)), Line(MATERIALS, D(25), D(25)), Line(MATERIALS, D(25), D(25)),
             Line(DAILY, D(25), None)]
    s = scoring.internal_score(lines, w)
    assert s.internal == D("93.33") and s.daily == 0


def test_bonus_and_penalty_per_case_and_caps():
    scoring.check_adjustment(D("0.25"))
    scoring.check_adjustment(D(1))
    scoring.check_adjustment(D(-1))
    for bad in (D("0.2"), D("1.5"), D(-2), D(0)):
        with pytest.raises(scoring.ScoringError):
            scoring.check_adjustment(bad)
    many = [(D(1), False)] * 7 + [(D(-1), False)] * 12
    t = scoring.adjustments_total(many)
    assert (t.bonus, t.penalty, t.barred) == (D("5.00"), D("10.00"), False)
    assert scoring.total_score(D("90.00"), t) == D("85.00")
    assert scoring.adjustments_total([(D("0.5"), False), (D(-1), True)]).barred


def test_grades_by_threshold_and_a_barred_unit_is_never_excellent():
    rule = scoring.GradeRule()
    g = scoring.grade({"a": D(95), "b": D(91), "c": D(80), "d": D(61), "e": D(50)}, barred={"b"}, rule=rule)
    assert g == {"a": "excellent", "b": "good", "c": "good", "d": "pass", "e": "fail"}


def test_grades_by_quota_ties_at_the_cut_all_get_it_and_barred_units_take_no_place():
    rule = scoring.GradeRule(mode="quota", excellent_quota=D(50))
    scores = {"a": D(99), "b": D(97), "c": D(95), "d": D(95), "e": D(80), "x": D(100)}
    g = scoring.grade(scores, barred={"x"}, rule=rule)
    # 5 eligible → 2 places (a, b); c and d tie below the cut → not excellent; x is barred
    assert [k for k, v in g.items() if v == "excellent"] == ["a", "b"]
    g = scoring.grade({"a": D(99), "b": D(95), "c": D(95), "d": D(80)}, barred=set(), rule=rule)
    assert sorted(k for k, v in g.items() if v == "excellent") == ["a", "b", "c"]  # tie at the cut


def test_rank_per_category_ties_share_a_rank():
    assert scoring.rank({"a": D(90), "b": D(95), "c": D(90), "d": D(80)}) == {"b": 1, "a": 2, "c": 2, "d": 4}
