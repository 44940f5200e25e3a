"""日常工作情况评价: each rule on tiny data, the 加权计算法 over applicable rules, settings, and a query count that does
not grow with the number of units."""
from datetime import date
from decimal import Decimal

import pytest

from supervision.assessment import daily
from supervision.assessment.daily_models import DailyRuleSetting
from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.rectification.models import Extension, SelfInspection, Submission
from supervision.visits.models import Problem, Visit, VisitRating
from supervision.visits.operations import ensure_default_catalogue
from tests.helpers import make_unit, make_user, sql_statements
from tests.reminders.factories import make_letter

YEAR = 2021
TODAY = date(2022, 1, 15)


def visit(unit, ratings=(), problems=(), day=date(YEAR, 5, 10), status="submitted"):
    cat = ensure_default_catalogue()
    v = Visit(kind="routine", status=status, unit_id=unit.id, catalogue_id=cat.id, visit_date=day, version=1)
    db.session.add(v)
    db.session.flush()
    for item, r in zip(cat.items, ratings):
        db.session.add(VisitRating(visit_id=v.id, item_id=item.id, rating=r))
    for seq, disp in enumerate(problems, start=1):
        db.session.add(Problem(visit_id=v.id, seq=seq, item_id=cat.items[0].id, description=f"问题{seq}",
                               disposition=disp))
    db.session.commit()
    return v


def only(year, code, units, today=TODAY):
    rule = daily.DAILY_RULES[code]
    setting = next(s for s in daily.settings_for(year) if s.code == code)
    return rule.compute(year, frozenset(u.id for u in units), dict(setting.params, weight=setting.weight), today)


def test_visit_ratings_average_the_rated_items_of_the_years_submitted_visits(ctx):
    a, b, c = make_unit(), make_unit(), make_unit()
    visit(a, ["excellent", "good", "fair", "poor", "na", ""])          # 100+80+60+0 = 240 / 4
    visit(a, ["excellent"], day=date(YEAR, 11, 2))                     # +100 → 340 / 5 = 68 %
    visit(a, ["poor", "poor"], day=date(YEAR - 1, 12, 31))            # another year: not counted
    visit(a, ["poor"], status="draft")                                 # a draft: not counted
    visit(b, ["good", "good"])
    out = only(YEAR, "visit_ratings", [a, b, c])
    assert out[a.id].fraction == Decimal("0.68")
    assert "评价5项次：优2、良1、中1、差1" in out[a.id].detail and "68.00%" in out[a.id].detail
    assert out[b.id].fraction == Decimal("0.8")
    assert out[c.id].fraction is None  # not visited: 不适用


def test_problems_fixed_on_the_spot_are_a_share_of_the_years_problems(ctx):
    a, b = make_unit(), make_unit()
    visit(a, problems=["立行立改", "立行立改", "立行立改", "需下达意见书"])
    visit(b)
    out = only(YEAR, "fixed_on_spot", [a, b])
    assert out[a.id].fraction == Decimal("0.75") and "发现问题4个，立行立改3个" in out[a.id].detail
    assert out[b.id].fraction is None


def test_self_inspection_by_the_end_of_march_full_late_half_missing_nothing(ctx):
    on_time, late, draft, none = make_unit(), make_unit(), make_unit(), make_unit()
    db.session.add_all([
        SelfInspection(unit_id=on_time.id, year=YEAR, status="submitted", submitted_on=date(YEAR, 3, 31)),
        SelfInspection(unit_id=late.id, year=YEAR, status="submitted", submitted_on=date(YEAR, 4, 2)),
        SelfInspection(unit_id=draft.id, year=YEAR, status="draft"),
        SelfInspection(unit_id=none.id, year=YEAR - 1, status="submitted", submitted_on=date(YEAR - 1, 3, 1)),
    ])
    db.session.commit()
    out = only(YEAR, "self_inspection", [on_time, late, draft, none])
    assert out[on_time.id].fraction == 1 and "2021年3月31日报送" in out[on_time.id].detail
    assert out[late.id].fraction == Decimal("0.5") and "2日" in out[late.id].detail
    assert out[draft.id].fraction == 0 and out[none.id].fraction == 0


def submit(letter, day):
    db.session.add(Submission(letter_id=letter.id, round=1, status="submitted", submitted_on=day,
                              deadline_then=letter.deadline))
    db.session.commit()


def test_letters_on_time_and_days_overdue_use_the_deadline_in_force(ctx):
    admin = make_user("admin")
    a, b, quiet = make_unit(), make_unit(), make_unit()
    on_time = make_letter(a, date(YEAR, 3, 1), date(YEAR, 3, 2))
    late = make_letter(a, date(YEAR, 5, 6), date(YEAR, 5, 7))
    extended = make_letter(a, date(YEAR, 7, 1), date(YEAR, 7, 2))
    submit(on_time, on_time.deadline)
    submit(late, date.fromordinal(late.deadline.toordinal() + 3))  # 3 days late
    db.session.add(Extension(letter_id=extended.id, reason="需要时间", requested_date=date(YEAR, 7, 20),
                             status="approved", new_deadline=date(YEAR, 9, 30), decided_by_id=admin.id))
    db.session.commit()
    submit(extended, date(YEAR, 9, 20))  # after the first deadline, inside the extension
    never = make_letter(b, date(YEAR, 6, 1), date(YEAR, 6, 2))  # never reported: overdue to `today`
    future = make_letter(b, date(YEAR, 12, 20), date(YEAR, 12, 21))  # deadline not reached on `today`
    assert future.deadline > TODAY
    out = only(YEAR, "letters_on_time", [a, b, quiet])
    assert out[a.id].fraction == Decimal(2) / 3 and "收到监督意见书3份，应报送3份，按期报送整改情况2份" in out[a.id].detail
    assert out[b.id].fraction == 0 and "收到监督意见书2份，应报送1份" in out[b.id].detail
    assert out[quiet.id].fraction == 1
    overdue = only(YEAR, "days_overdue", [a, b, quiet])
    assert overdue[a.id].fraction == Decimal("0.85")  # 3 days × 0.2 = 0.6 of 4 points
    assert "合计逾期3日" in overdue[a.id].detail
    assert overdue[b.id].fraction == 0  # (TODAY − deadline) days × 0.2 > 4 points
    assert overdue[quiet.id].fraction == 1


def test_evaluate_scales_over_the_applicable_rules_and_explains_each(ctx):
    unit = make_unit()
    visit(unit, ["excellent", "good"])  # 90 %, no problems: 立行立改 不适用
    db.session.add(SelfInspection(unit_id=unit.id, year=YEAR, status="submitted", submitted_on=date(YEAR, 3, 1)))
    db.session.commit()
    result = daily.evaluate(YEAR, [unit], today=TODAY)[unit.id]
    by = {ln.code: ln for ln in result.lines}
    assert by["fixed_on_spot"].fraction is None and by["fixed_on_spot"].points is None
    assert by["visit_ratings"].points == Decimal("9.00")
    # 9 + 6 + 4 + 5 of 10 + 6 + 4 + 5 = 25 applicable points
    assert result.available == 25 and result.earned == Decimal("24.00")
    assert result.percent == Decimal("96.00")


def test_settings_weigh_disable_and_are_refused_with_the_field_named(ctx):
    admin = make_user("admin")
    unit = make_unit()
    visit(unit, ["good"])
    values = {s.code: {"enabled": True, "weight": str(s.weight), **{k: str(v) for k, v in s.params.items()}}
              for s in daily.settings_for(YEAR)}
    bad = {k: dict(v) for k, v in values.items()}
    bad["visit_ratings"]["weight"] = "abc"
    bad["days_overdue"]["per_day"] = "-1"
    bad["self_inspection"]["due_day"] = "31"
    bad["self_inspection"]["due_month"] = "2"
    with pytest.raises(daily.DailySettingsError) as exc:
        daily.save_settings(YEAR, bad, admin)
    text = "；".join(exc.value.errors)
    assert "“监督检查评价”的分值：“abc”不是数字" in text and "“整改逾期天数”的每逾期1日扣分：应在0至100之间" in text
    assert "2021年没有2月31日" in text
    assert db.session.query(DailyRuleSetting).count() == 0
    values["self_inspection"]["enabled"] = False
    values["letters_on_time"]["enabled"] = False
    values["days_overdue"]["enabled"] = False
    values["fixed_on_spot"]["enabled"] = False
    values["visit_ratings"]["pct_good"] = "90"
    daily.save_settings(YEAR, values, admin)
    db.session.commit()
    assert daily.evaluate(YEAR, [unit.id], today=TODAY)[unit.id].percent == Decimal("90.00")
    assert daily.evaluate(YEAR + 1, [unit.id], today=TODAY)[unit.id].lines[0].weight == 10  # carried on
    entry = db.session.query(AuditEntry).filter_by(action="save_daily_settings").one()
    assert entry.record_id == YEAR and entry.user_id == admin.id


def test_evaluate_asks_the_same_number_of_queries_for_two_units_as_for_twenty(app, ctx, monkeypatch):
    monkeypatch.setattr(daily, "SMALL_SET", 5)  # two units are named in the queries, twenty read the whole year
    few = [make_unit() for _ in range(2)]
    many = few + [make_unit() for _ in range(18)]
    for u in many:
        visit(u, ["good"], problems=["立行立改"])
        db.session.add(SelfInspection(unit_id=u.id, year=YEAR, status="submitted", submitted_on=date(YEAR, 3, 1)))
    db.session.commit()
    few, many = [u.id for u in few], [u.id for u in many]
    with sql_statements(app) as small:
        daily.evaluate(YEAR, few, today=TODAY)
    with sql_statements(app) as large:
        result = daily.evaluate(YEAR, many, today=TODAY)
    # the settings, then one query a rule (the two letter rules share one), the filing summary (5) and case scores (1)
    assert len(small) == len(large) <= 12
    assert len(result) == 20
    assert "unit_id IN (" in " ".join(st for st, _ in small) and "unit_id IN (" not in " ".join(st for st, _ in large)
    assert result[many[0]].percent == daily.evaluate(YEAR, many[:1], today=TODAY)[many[0]].percent


def test_adding_a_rule_is_one_registration(ctx):
    unit = make_unit()

    @daily.daily_rule("test_extra", "测试附加规则", 10, explanation="测试")
    def _extra(year, unit_ids, params, today):
        return {uid: daily.RuleOutcome(Decimal("0.5"), "一半") for uid in unit_ids}

    try:
        result = daily.evaluate(YEAR, [unit], today=TODAY)[unit.id]
        assert [ln.label for ln in result.lines][-1] == "测试附加规则" and result.lines[-1].points == 5
        with pytest.raises(RuntimeError):
            daily.register(daily.DAILY_RULES["test_extra"])
    finally:
        daily.DAILY_RULES.pop("test_extra")
