"""Demo data of the 考核, loaded by `flask --app wsgi demo` (idempotent): last year's 考核 审定 and published,
this year's in 问题反馈 with one 异议, both on a small scheme (seed 000's two components, 加权计算法 for the
indicators a unit does not carry)."""
from datetime import date
from decimal import Decimal

from .. import audit, timeutil
from ..accounts.models import User
from ..extensions import db
from . import operations as ops
from .models import Method, Rating, RatingHistory, UnitYear

T, C, ALL = ["乡镇"], ["县直"], ["乡镇", "县直"]
# (序号, 一级, 二级, 三级, 分值, 评分标准, 适用对象, 所属部分, 评分方式)
SCHEME = [
    ("1.1.1", "依法全面履行政府职能", "权责清单", "公布并动态调整权责清单", Decimal(15), "按时公布、及时调整得满分", ALL,
     "materials", "rated"),
    ("1.2.1", "依法全面履行政府职能", "综合执法", "乡镇综合行政执法改革", Decimal(20), "执法队伍、事项清单齐全得满分", T,
     "materials", "rated"),
    ("1.2.2", "依法全面履行政府职能", "部门执法", "行政执法三项制度", Decimal(20), "公示、记录、法制审核齐全得满分", C,
     "materials", "rated"),
    ("2.1.1", "健全依法决策机制", "重大决策", "重大行政决策程序", Decimal(15), "履行公众参与、专家论证、合法性审查", ALL,
     "materials", "rated"),
    ("2.2.1", "健全依法决策机制", "法律顾问", "法律顾问发挥作用", Decimal(10), "聘请法律顾问并有工作记录", ALL,
     "materials", "rated"),
    ("3.1.1", "日常工作情况", "日常监督", "日常监督检查评定", Decimal(25), "按日常工作情况评价规则计算", ALL,
     "daily", "computed"),
    ("3.1.2", "日常工作情况", "学法培训", "执法人员培训学时", Decimal(15), "达到20学时得满分，按比例录入", ALL,
     "daily", "entered"),
]
RATINGS = ("excellent", "excellent", "good", "good", "fair", "excellent", "good", "poor")


def _rows():
    return [{"line": n, "code": c, "level1": l1, "level2": l2, "name": name, "points": pts, "criteria": crit,
             "categories": cats, "component": comp, "method": method}
            for n, (c, l1, l2, name, pts, crit, cats, comp, method) in enumerate(SCHEME, start=1)]


def _score(y, admin, seed: int, from_records: bool = False) -> None:
    """Ratings written in bulk (one flush, one audit entry: demo data, not 55 × 7 requests), then the 加减分 and
    the 汇总 through the operations."""
    units = list(db.session.query(UnitYear).filter_by(year_id=y.id).order_by(UnitYear.unit_id))
    now = timeutil.utcnow()
    ratings = []
    for n, uy in enumerate(units):
        for k, i in enumerate(y.indicators):
            if uy.category not in i.category_list or i.method == Method.computed.value:
                continue
            if i.method == Method.entered.value:
                value, pct, why = "", Decimal(60 + (n * 7 + seed) % 41), "培训记录核对"
            else:
                value = "na" if (i.code == "2.1.1" and n % 9 == 4) else RATINGS[(n * 3 + k + seed) % len(RATINGS)]
                pct, why = None, ("依据报送材料评定" if value != "na" else "本单位不承担该项工作")
            ratings.append(Rating(year_id=y.id, indicator_id=i.id, unit_id=uy.unit_id, rating=value, percent=pct,
                                  reason=why, rated_by_id=admin.id if admin else None, rated_at=now, version=1))
    db.session.add_all(ratings)
    db.session.flush()
    db.session.add_all([RatingHistory(rating_id=r.id, rating=r.rating, percent=r.percent, reason=r.reason,
                                      by_id=r.rated_by_id, at=now) for r in ratings])
    audit.record("rate", y, summary=f"演示数据：{y.year}年度考核评定 {len(ratings)} 项", user=admin)
    if from_records:  # this year: 日常工作情况评价 from the demo's own visits, letters and 自查
        ops.refresh_daily(y, admin)
    else:  # last year has no records in the demo: made-up percents
        ops.set_daily_percents(y, {uy.unit_id: Decimal(70 + (n * 11 + seed) % 31) for n, uy in enumerate(units)},
                               admin)
    if len(units) > 3:
        ops.add_adjustment(y, units[1].unit_id, "1", "法治政府建设经验在全市推广", user=admin)
        ops.add_adjustment(y, units[1].unit_id, "0.5", "行政执法案卷评查获评优秀", user=admin)
        ops.add_adjustment(y, units[3].unit_id, "-1", "被市法治政府建设领导小组办公室通报批评", bars_excellent=True,
                           user=admin)
    ops.compute(y, admin)


def load(echo) -> None:
    admin = db.session.query(User).filter_by(username="admin").first()
    this = timeutil.today().year
    last = this - 1
    if ops.get_year(last) is None:
        y = ops.ensure_year(last, admin)
        ops.replace_scheme(y, _rows(), admin)
        ops.set_settings(y, admin, grading={"乡镇": {"mode": "threshold"}, "县直": {"mode": "quota",
                                                                                 "excellent_quota": "50"}})
        ops.start_scoring(y, admin)
        _score(y, admin, seed=1)
        ops.start_feedback(y, admin, on=date(last, 12, 1))
        ops.start_review(y, admin)
        ops.confirm(y, admin)
        ops.publish(y, admin)
        db.session.commit()
    if ops.get_year(this) is None:
        y = ops.ensure_year(this, admin)
        ops.copy_scheme(y, ops.get_year(last), admin)
        ops.start_scoring(y, admin)
        _score(y, admin, seed=0, from_records=True)
        try:
            ops.start_feedback(y, admin)
        except ops.AssessmentError as exc:  # the working calendar does not know the year yet: stay at 汇总
            echo(f"年度考核：{this}年度停在汇总阶段（{exc}）")
            db.session.commit()
            return
        unit_user = db.session.query(User).filter_by(username="unit").first()
        if unit_user is not None and unit_user.unit_id is not None:
            uy = db.session.query(UnitYear).filter_by(year_id=y.id, unit_id=unit_user.unit_id).first()
            if uy is not None:
                ops.file_objection(y, uy.unit_id, "1.1.1 权责清单已于3月调整并公布，评定偏低，请复核。", unit_user)
        db.session.commit()
    echo(f"年度考核：{last}年度已审定，{this}年度处于问题反馈阶段。")
