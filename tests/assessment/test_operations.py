"""The 考核 services: scheme import errors, ratings with their version check, 汇总, 加减分, the confirmation flow,
the lock and 更正."""
from datetime import date
from decimal import Decimal as D

import pytest

from supervision import audit
from supervision.assessment import operations as ops
from supervision.assessment import scheme_xlsx
from supervision.assessment.models import Correction, UnitYear
from supervision.extensions import db
from tests.assessment.conftest import ROWS, scheme_bytes


def _errors(rows, title="2026年度依法行政考核细则（总分100分）"):
    parsed, stated = scheme_xlsx.parse(scheme_bytes(rows, title))
    return ops.validate_scheme(parsed, D(100), stated)


def test_a_good_scheme_imports_with_its_tree_and_shares(small_year):
    y = small_year.y
    assert [i.code for i in y.indicators] == ["1.1.1", "1.1.2", "1.1.3", "2.1.1"]
    i = small_year.ind["1.1.2"]
    assert (i.level1, i.level2, i.category_list, i.points) == ("依法全面履行政府职能", "权责清单", ["乡镇"], D(40))
    w = ops.category_weights(y)
    assert w["乡镇"].shares == {"materials": D("66.67"), "daily": D("33.33")}
    again, _ = scheme_xlsx.parse(scheme_xlsx.export(y))
    assert [(r["code"], r["points"], r["categories"], r["component"], r["method"]) for r in again] == [
        (i.code, i.points, i.category_list, i.component, i.method) for i in y.indicators]


def test_scheme_errors_are_refused_each_row_named(ctx):
    rows = [list(r) for r in ROWS]
    rows[3][0] = "1.1.1"           # duplicate 序号 (sheet line 6)
    rows[4][4] = "市直部门"         # unknown category (line 7)
    rows[7][3] = ""                # empty 评分标准 (line 10)
    errs = _errors(rows)
    assert "第6行序号「1.1.1」与第5行重复" in errs
    assert "第7行适用对象「市直部门」不是乡镇（街道）或县直部门" in errs
    assert "第10行评分标准为空" in errs


def test_points_must_add_up_to_the_stated_total(ctx):
    rows = [list(r) for r in ROWS]
    rows[2][2] = 30
    errs = _errors(rows)
    assert any("适用于乡镇（街道）的 3 项指标分值合计 90 分，与标题行写明的总分 100 分不符" in e for e in errs)
    assert _errors(ROWS, title=None) == []


def test_a_refused_import_writes_nothing(small_year):
    y = small_year.y
    rows = [list(r) for r in ROWS]
    rows[2][3] = ""
    parsed, stated = scheme_xlsx.parse(scheme_bytes(rows))
    with pytest.raises(ops.SchemeInvalid):
        ops.replace_scheme(y, parsed, small_year.admin, reason="修改", stated_total=stated)
    db.session.rollback()
    assert small_year.ind["1.1.1"].criteria == "按时公布得满分" and y.scheme_version == 1


def test_changing_a_locked_scheme_needs_a_reason_and_makes_a_version(small_year):
    y = small_year.y
    rows, stated = scheme_xlsx.parse(scheme_bytes())
    rows[0]["criteria"] = "按时公布、及时更新得满分"
    with pytest.raises(ops.AssessmentError, match="理由"):
        ops.replace_scheme(y, rows, small_year.admin, stated_total=stated)
    ops.replace_scheme(y, rows, small_year.admin, reason="补充更新要求", stated_total=stated)
    assert y.scheme_version == 2
    entry = db.session.query(audit.AuditEntry).filter_by(record_type="assess_year", action="scheme") \
        .order_by(audit.AuditEntry.id.desc()).first()
    assert "补充更新要求" in entry.summary


def _rate_all(s, t1="excellent", c1="good"):
    ind, a = s.ind, s.admin
    for code in ("1.1.1", "1.1.2"):
        ops.rate(ind[code], s.t1.id, t1, "材料齐全", a)
        ops.rate(ind[code], s.t2.id, "fair", "材料不全", a)
    for code in ("1.1.1", "1.1.3"):
        ops.rate(ind[code], s.c1.id, c1, "较好", a)
        ops.rate(ind[code], s.c2.id, "excellent", "好", a)
    ops.set_daily_percents(s.y, {s.t1.id: D(100), s.t2.id: D(50), s.c1.id: D(80), s.c2.id: D(100)}, a)


def _row(s, unit):
    return db.session.query(UnitYear).filter_by(year_id=s.y.id, unit_id=unit.id).one()


def test_compute_scores_grades_and_ranks_each_category(small_year):
    s = small_year
    _rate_all(s)
    ops.rate(s.ind["1.1.3"], s.c2.id, "na", "本单位无执法职权", s.admin, expected_version=1)
    ops.compute(s.y, s.admin)
    t1, t2, c1, c2 = (_row(s, u) for u in (s.t1, s.t2, s.c1, s.c2))
    assert (t1.materials, t1.daily, t1.internal, t1.grade, t1.rank) == (D("66.67"), D("33.33"), D(100), "excellent", 1)
    # 中 = 60 % of the 资料; 日常 50 %
    assert (t2.materials, t2.daily, t2.total, t2.grade, t2.rank) == (D(40), D("16.67"), D("56.67"), "fail", 2)
    assert (c1.materials, c1.daily, c1.total, c1.grade) == (D("53.33"), D("26.67"), D(80), "good")
    # 1.1.3 不适用: 加权计算法 on 1.1.1 alone (优) → full 资料 share
    assert (c2.materials, c2.total, c2.rank) == (D("66.67"), D(100), 1)
    assert s.y.status == "summary"


def test_adjustments_respect_the_per_case_range_and_the_caps_and_bar_excellent(small_year):
    s = small_year
    _rate_all(s)
    with pytest.raises(ops.AssessmentError, match="每项加分"):
        ops.add_adjustment(s.y, s.t2.id, "1.5", "表彰", user=s.admin)
    for _ in range(5):
        ops.add_adjustment(s.y, s.t2.id, "1", "省级表彰", user=s.admin)
    with pytest.raises(ops.AssessmentError, match="上限 5"):
        ops.add_adjustment(s.y, s.t2.id, "0.25", "再次表彰", user=s.admin)
    ops.add_adjustment(s.y, s.t1.id, "-1", "被通报批评，情节严重", bars_excellent=True, user=s.admin)
    ops.compute(s.y, s.admin)
    t1, t2 = _row(s, s.t1), _row(s, s.t2)
    assert (t2.bonus, t2.total) == (D(5), D("61.67"))
    assert (t1.penalty, t1.total, t1.barred, t1.grade) == (D(1), D(99), True, "good")


def test_two_reviewers_never_overwrite_each_other(small_year):
    s = small_year
    r = ops.rate(s.ind["1.1.1"], s.t1.id, "good", "第一位评审", s.admin, expected_version=0)
    read_at = r.version
    ops.rate(s.ind["1.1.1"], s.t1.id, "excellent", "第二位评审", s.admin, expected_version=read_at)
    with pytest.raises(ops.RatingConflict):
        ops.rate(s.ind["1.1.1"], s.t1.id, "poor", "第一位评审再改", s.admin, expected_version=read_at)
    with pytest.raises(ops.RatingConflict):  # both saw no rating yet
        ops.rate(s.ind["1.1.2"], s.t1.id, "poor", "新评定", s.admin, expected_version=0) and None
        ops.rate(s.ind["1.1.2"], s.t1.id, "good", "另一位同时新评定", s.admin, expected_version=0)
    assert r.rating == "excellent"


def test_a_rating_outside_the_scale_or_without_reason_is_refused(small_year):
    s = small_year
    with pytest.raises(ops.AssessmentError, match="优、良、中、差或不适用"):
        ops.rate(s.ind["1.1.1"], s.t1.id, "great", "理由", s.admin)
    with pytest.raises(ops.AssessmentError, match="理由"):
        ops.rate(s.ind["1.1.1"], s.t1.id, "good", "  ", s.admin)
    with pytest.raises(ops.AssessmentError, match="不适用于县直部门"):
        ops.rate(s.ind["1.1.2"], s.c1.id, "good", "理由", s.admin)


def test_flow_objection_review_confirm_lock_and_correction(small_year):
    s = small_year
    _rate_all(s)
    ops.compute(s.y, s.admin)
    ops.start_feedback(s.y, s.admin, on=date(2026, 12, 1))
    assert s.y.feedback_until > date(2026, 12, 1)
    o = ops.file_objection(s.y, s.t2.id, "1.1.2 材料已报送，评定有误", indicator_id=s.ind["1.1.2"].id,
                           on=date(2026, 12, 2))
    with pytest.raises(ops.AssessmentError, match="期限"):
        ops.file_objection(s.y, s.t2.id, "太晚了", on=date(2027, 1, 30))
    ops.start_review(s.y, s.admin)
    with pytest.raises(ops.AssessmentError, match="1 件异议未复核"):
        ops.confirm(s.y, s.admin)
    ops.rate(s.ind["1.1.2"], s.t2.id, "good", "复核：材料齐全", s.admin)
    ops.answer_objection(o, "经复核，改评为良", s.admin)
    with pytest.raises(ops.AssessmentError, match="重新汇总"):
        ops.confirm(s.y, s.admin)
    ops.compute(s.y, s.admin)
    ops.confirm(s.y, s.admin, on=date(2026, 12, 20))
    assert s.y.locked
    for attempt in (lambda: ops.rate(s.ind["1.1.1"], s.t1.id, "poor", "改", s.admin),
                    lambda: ops.add_adjustment(s.y, s.t1.id, "1", "表彰", user=s.admin),
                    lambda: ops.compute(s.y, s.admin)):
        with pytest.raises(ops.AssessmentError, match="已审定"):
            attempt()
    old_total = _row(s, s.t1).total
    done = ops.correct(s.y, s.t1.id, "审定后发现 1.1.1 评定有误", s.admin, ratings={s.ind["1.1.1"].id: ("good", "")})
    assert [c.unit_id for c in done] == [s.t1.id]
    c = db.session.query(Correction).one()
    assert D(c.before["total"]) == old_total and D(c.after["total"]) == _row(s, s.t1).total < old_total
    assert db.session.query(audit.AuditEntry).filter_by(record_type="assess_correction").count() == 1


def test_an_inspector_rates_only_what_is_assigned_to_them_or_their_office(small_year, inspector):
    from supervision.policy import can
    from tests.helpers import make_user, office

    other = make_user("inspector", office_obj=office("政策法规室"))
    ind = small_year.ind["1.1.1"]
    assert can("assessment.rate", ind, user=inspector) and can("assessment.rate", ind, user=other)  # nobody's
    ops.assign(ind, None, inspector.office_id, small_year.admin)
    assert can("assessment.rate", ind, user=inspector) and not can("assessment.rate", ind, user=other)
    ops.assign(ind, other.id, None, small_year.admin)
    assert not can("assessment.rate", ind, user=inspector) and can("assessment.rate", ind, user=other)
    assert can("assessment.rate", ind, user=small_year.admin)
