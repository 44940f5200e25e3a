"""Writes of the 考核: they flush, never commit. Each state change goes to the audit log.
They raise AssessmentError (a Chinese message) when a rule refuses; nothing is half-written."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, uploads, workcal
from ..directory.models import Unit
from ..extensions import db
from ..timeutil import today, utcnow
from . import daily, scoring
from .models import (Adjustment, AssessYear, Category, Component, Correction, Indicator, Material, Method,
                     Objection, ObjectionStatus, Rating, RatingHistory, RatingValue, UnitYear, YearStatus)


class AssessmentError(ValueError):
    """Refused, with a Chinese message saying what and where."""


class SchemeInvalid(AssessmentError):
    def __init__(self, errors: list[str]):
        super().__init__("考核方案有误：" + "；".join(errors))
        self.errors = errors


class RatingConflict(AssessmentError):
    """Someone else saved this rating since it was read."""


def _year_snapshot(y: AssessYear) -> dict:
    return {"status": y.status, "scheme_version": y.scheme_version}


def get_year(year: int) -> AssessYear | None:
    return db.session.scalar(select(AssessYear).where(AssessYear.year == year))


def ensure_year(year: int, user=None) -> AssessYear:
    y = get_year(year)
    if y is None:
        y = AssessYear(year=year, title=f"{year}年度依法行政考核实施方案", grading={})
        db.session.add(y)
        db.session.flush()
        audit.record("create", y, summary=f"建立{year}年度考核", after=_year_snapshot(y), user=user)
    return y


def _refuse_locked(y: AssessYear) -> None:
    if y.locked:
        raise AssessmentError(f"{y.year}年度考核已审定，只能通过更正修改。")


# ---- the scheme -------------------------------------------------------------------------------------------------

def _n(x: Decimal) -> str:
    return f"{Decimal(x).normalize():f}"


def validate_scheme(rows: list[dict], full: Decimal, stated_total: Decimal | None = None) -> list[str]:
    """Each row: code, level1, level2, name, points (Decimal|None), criteria, categories [codes], component, method,
    line (the sheet row number, for the message). Returns the errors, each naming its row."""
    errors, seen = [], {}
    for r in rows:
        where = f"第{r['line']}行"
        code = (r.get("code") or "").strip()
        if not code:
            errors.append(f"{where}没有序号")
        elif code in seen:
            errors.append(f"{where}序号「{code}」与第{seen[code]}行重复")
        else:
            seen[code] = r["line"]
        if not (r.get("name") or "").strip():
            errors.append(f"{where}没有指标名称")
        if r.get("points") is None:
            errors.append(f"{where}分值不是数字")
        elif r["points"] <= 0:
            errors.append(f"{where}分值应大于 0")
        if not (r.get("criteria") or "").strip():
            errors.append(f"{where}评分标准为空")
        for bad in r.get("bad_categories", []):
            errors.append(f"{where}适用对象「{bad}」不是乡镇（街道）或县直部门")
        if not r.get("categories") and not r.get("bad_categories"):
            errors.append(f"{where}没有适用对象")
        if r.get("bad_component"):
            errors.append(f"{where}所属部分「{r['bad_component']}」应为依法行政工作资料评判或日常工作情况评价")
        if r.get("bad_method"):
            errors.append(f"{where}评分方式「{r['bad_method']}」应为评审评定、系统计算或录入得分")
    if errors:
        return errors
    want = stated_total if stated_total is not None else full
    for cat in Category:
        pts = sum((r["points"] for r in rows if cat.value in r["categories"]), Decimal(0))
        n = sum(1 for r in rows if cat.value in r["categories"])
        if n and pts != want:
            errors.append(f"适用于{cat.label}的 {n} 项指标分值合计 {_n(pts)} 分，"
                          + (f"与标题行写明的总分 {_n(want)} 分不符" if stated_total is not None
                             else f"应为 {_n(want)} 分"))
    return errors


def _indicator_snapshot(i: Indicator) -> dict:
    return {"code": i.code, "name": i.path, "points": str(i.points), "criteria": i.criteria,
            "categories": i.categories, "component": i.component, "method": i.method}


def replace_scheme(y: AssessYear, rows: list[dict], user=None, reason: str = "",
                   stated_total: Decimal | None = None) -> AssessYear:
    """Put `rows` in place of the year's indicators. Refused as a whole when any row is wrong. Once scoring has
    started, a change needs a reason, makes a new scheme version and keeps the old rows in the audit log; an
    indicator whose 序号 stays keeps its ratings and materials."""
    _refuse_locked(y)
    errors = validate_scheme(rows, Decimal(y.full_score), stated_total)
    if errors:
        raise SchemeInvalid(errors)
    if y.scheme_locked and not (reason or "").strip():
        raise AssessmentError("评分已经开始，修改考核方案须写明理由。")
    if stated_total is not None and not y.scheme_locked:
        y.full_score = stated_total
    before = [_indicator_snapshot(i) for i in y.indicators]
    old = {i.code: i for i in y.indicators}
    keep = set()
    for n, r in enumerate(rows, start=1):
        i = old.get(r["code"])
        if i is None:
            i = Indicator(year_id=y.id, code=r["code"])
            y.indicators.append(i)
        keep.add(r["code"])
        i.sort = n
        i.level1, i.level2, i.name = r.get("level1", ""), r.get("level2", ""), r["name"]
        i.points, i.criteria = r["points"], r["criteria"]
        i.categories = ",".join(r["categories"])
        i.component = r.get("component") or Component.materials.value
        i.method = r.get("method") or Method.rated.value
    for code, i in old.items():
        if code not in keep:
            y.indicators.remove(i)
    if y.scheme_locked:
        y.scheme_version += 1
        y.stale = y.computed_at is not None
    db.session.flush()
    audit.record("scheme", y, summary=f"{'修改' if y.scheme_locked else '导入'}{y.year}年度考核方案（{len(rows)}项指标）"
                 + (f"：{reason.strip()}" if reason else ""),
                 before={"version": y.scheme_version - (1 if y.scheme_locked else 0), "indicators": before},
                 after={"version": y.scheme_version, "indicators": [_indicator_snapshot(i) for i in y.indicators]},
                 user=user)
    return y


def copy_scheme(y: AssessYear, source: AssessYear, user=None) -> AssessYear:
    if y.scheme_locked:
        raise AssessmentError("评分已经开始，不能再整体复制方案。")
    rows = [{"line": n, "code": i.code, "level1": i.level1, "level2": i.level2, "name": i.name, "points": i.points,
             "criteria": i.criteria, "categories": i.category_list, "component": i.component, "method": i.method}
            for n, i in enumerate(source.indicators, start=1)]
    for attr in ("full_score", "bonus_min", "bonus_max", "bonus_cap", "penalty_per_case", "penalty_cap",
                 "objection_days"):
        setattr(y, attr, getattr(source, attr))
    y.grading = dict(source.grading or {})
    return replace_scheme(y, rows, user=user)


def assign(indicator: Indicator, reviewer_id: int | None, office_id: int | None, user=None) -> None:
    _refuse_locked(indicator.year_row)
    before = {"reviewer_id": indicator.reviewer_id, "office_id": indicator.office_id}
    indicator.reviewer_id, indicator.office_id = reviewer_id, office_id
    db.session.flush()
    audit.record("assign", indicator, summary=f"分配评审：{indicator.code}", before=before,
                 after={"reviewer_id": reviewer_id, "office_id": office_id}, user=user)


def _advance(y: AssessYear, frm: tuple, to: str, user, summary: str) -> None:
    _refuse_locked(y)
    if y.status not in frm:
        raise AssessmentError(f"{y.year}年度考核现处于“{y.status_label}”阶段，不能{summary}。")
    before = _year_snapshot(y)
    y.status = to
    y.version += 1
    db.session.flush()
    audit.record("advance", y, summary=f"{y.year}年度考核：{summary}", before=before, after=_year_snapshot(y),
                 user=user)


def assessed_units() -> list[Unit]:
    kinds = [c.value for c in Category]
    return list(db.session.scalars(select(Unit).where(Unit.active.is_(True), Unit.kind.in_(kinds))
                                   .order_by(Unit.id)))


def start_scoring(y: AssessYear, user=None) -> AssessYear:
    """Lock the scheme (later changes are versioned) and list the assessed units."""
    if not y.indicators:
        raise AssessmentError("考核方案还没有指标，不能开始评分。")
    _advance(y, (YearStatus.draft.value,), YearStatus.scoring.value, user, "开始评分")
    have = set(db.session.scalars(select(UnitYear.unit_id).where(UnitYear.year_id == y.id)))
    for u in assessed_units():
        if u.id not in have:
            db.session.add(UnitYear(year_id=y.id, unit_id=u.id, category=u.kind))
    db.session.flush()
    return y


# ---- materials and ratings --------------------------------------------------------------------------------------

def _unit_year(y: AssessYear, unit_id: int) -> UnitYear:
    uy = db.session.scalar(select(UnitYear).where(UnitYear.year_id == y.id, UnitYear.unit_id == unit_id))
    if uy is None:
        raise AssessmentError("该单位不在本年度考核对象之中。")
    return uy


def _applies(indicator: Indicator, uy: UnitYear) -> None:
    if uy.category not in indicator.category_list:
        raise AssessmentError(f"指标 {indicator.code} 不适用于{Category.label_of(uy.category)}。")


def submit_material(indicator: Indicator, unit_id: int, comment: str, files=(), user=None, now=None):
    """A unit reports its material for one indicator; after the deadline it is accepted and flagged late."""
    y = indicator.year_row
    _refuse_locked(y)
    if y.status not in (YearStatus.scoring.value,):
        raise AssessmentError("现在不是报送材料的阶段。")
    uy = _unit_year(y, unit_id)
    _applies(indicator, uy)
    comment = (comment or "").strip()
    checked = [uploads.check_upload(f) for f in files if f and getattr(f, "filename", "")]
    if not comment and not checked:
        raise AssessmentError("请填写说明或上传材料。")
    day = now.date() if now is not None else today()
    m = Material(indicator_id=indicator.id, unit_id=unit_id, comment=comment[:5000],
                 late=bool(y.materials_deadline and day > y.materials_deadline),
                 submitted_by_id=user.id if user is not None else None)
    db.session.add(m)
    db.session.flush()
    for c in checked:
        uploads.store(c, "assess_material", m.id, user=user)
    db.session.flush()
    audit.record("submit", m, summary=f"报送考核材料：{indicator.code}" + ("（逾期）" if m.late else ""),
                 after={"indicator": indicator.code, "comment": comment, "files": len(checked), "late": m.late},
                 user=user)
    return m


def _mark_stale(y: AssessYear) -> None:
    if y.computed_at is not None:
        y.stale = True


def rate(indicator: Indicator, unit_id: int, value: str, reason: str, user=None,
         expected_version: int | None = None, percent=None, correcting: bool = False) -> Rating:
    """Rate one indicator for one unit (优/良/中/差/不适用 with a reason), or enter its percent (录入得分).
    `expected_version`: the version the reviewer's form was read at (0 = there was no rating yet); a save made
    by someone else in between is refused, never overwritten."""
    y = indicator.year_row
    if not correcting:
        _refuse_locked(y)
    if y.status == YearStatus.draft.value:
        raise AssessmentError("考核方案尚未锁定，还不能评分。")
    uy = _unit_year(y, unit_id)
    _applies(indicator, uy)
    reason = (reason or "").strip()
    if indicator.method == Method.entered.value:
        try:
            pct = Decimal(str(percent).strip())
        except (InvalidOperation, AttributeError):
            raise AssessmentError(f"指标 {indicator.code} 的得分比例应为 0 至 100 的数字。") from None
        if not pct.is_finite() or pct < 0 or pct > 100:
            raise AssessmentError(f"指标 {indicator.code} 的得分比例应为 0 至 100 的数字。")
        value = ""
    elif indicator.method == Method.rated.value:
        if value not in {v.value for v in RatingValue}:
            raise AssessmentError(f"指标 {indicator.code} 的评定应为优、良、中、差或不适用。")
        pct = None
    else:
        raise AssessmentError(f"指标 {indicator.code} 由系统计算，不需评定。")
    if not reason:
        raise AssessmentError(f"请写明指标 {indicator.code} 评定的理由。")
    r = db.session.scalar(select(Rating).where(Rating.indicator_id == indicator.id, Rating.unit_id == unit_id))
    before = None
    if r is None:
        if expected_version not in (None, 0):
            raise RatingConflict("这项评定已被删除或尚未保存，请刷新后重试。")
        r = Rating(year_id=y.id, indicator_id=indicator.id, unit_id=unit_id, version=1)
        db.session.add(r)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # a concurrent first rating won the unique key
            raise RatingConflict("另一位评审人员刚刚评定了这一项，请刷新后查看。") from None
    else:
        expected = r.version if expected_version is None else expected_version
        before = {"rating": r.rating, "percent": str(r.percent) if r.percent is not None else None,
                  "reason": r.reason}
        res = db.session.execute(update(Rating).where(Rating.id == r.id, Rating.version == expected)
                                 .values(version=expected + 1).execution_options(synchronize_session=False))
        if res.rowcount != 1:
            db.session.expire(r, ["version"])
            who = r.rated_by.display_name if r.rated_by is not None and hasattr(r.rated_by, "display_name") else ""
            raise RatingConflict(f"指标 {indicator.code} 的评定已被{who or '他人'}修改，请刷新后查看再评。")
        r.version = expected + 1
    r.rating, r.percent, r.reason = value, pct, reason
    r.rated_by_id = user.id if user is not None else None
    r.rated_at = utcnow()
    db.session.add(RatingHistory(rating=value, percent=pct, reason=reason, by_id=r.rated_by_id, at=r.rated_at,
                                 rating_id=r.id))
    _mark_stale(y)
    db.session.flush()
    audit.record("rate", r, summary=f"考核评定：{indicator.code} {RatingValue.label_of(value) or pct}",
                 before=before, after={"rating": value, "percent": str(pct) if pct is not None else None,
                                       "reason": reason}, user=user)
    return r


def set_daily_percents(y: AssessYear, percents: dict, user=None) -> int:
    """Store each unit's 日常工作情况评价 percent (0–100), e.g. from the daily evaluation's results."""
    _refuse_locked(y)
    rows = {uy.unit_id: uy for uy in db.session.scalars(select(UnitYear).where(UnitYear.year_id == y.id))}
    changed = 0
    for unit_id, pct in percents.items():
        pct = None if pct is None else Decimal(str(pct))  # None: no daily record of the year (不适用)
        if pct is not None and not 0 <= pct <= 100:
            raise AssessmentError(f"日常工作情况评价得分比例 {pct} 不在 0 至 100 之间。")
        uy = rows.get(unit_id)
        if uy is not None and uy.daily_percent != pct:
            uy.daily_percent = pct
            changed += 1
    if changed:
        _mark_stale(y)
        db.session.flush()
        audit.record("daily", y, summary=f"{y.year}年度日常工作情况评价得分更新（{changed}个单位）", user=user)
    return changed


def refresh_daily(y: AssessYear, user=None, today=None) -> int:
    """Each assessed unit's 日常工作情况评价 percent worked out from the app's own records (daily.evaluate: visit
    ratings, letters on time, days overdue, 自查, 立行立改, filings, case reviews) and stored for the 汇总 — nothing
    typed twice. A locked year is left as it was."""
    if y.locked:
        return 0
    ids = list(db.session.scalars(select(UnitYear.unit_id).where(UnitYear.year_id == y.id)))
    if not ids:
        return 0
    results = daily.evaluate(y.year, ids, today=today)
    return set_daily_percents(y, {uid: r.percent if any(ln.fraction is not None for ln in r.lines) else None
                                  for uid, r in results.items()}, user)


def add_adjustment(y: AssessYear, unit_id: int, points, reason: str, bars_excellent: bool = False,
                   evidence=None, user=None) -> Adjustment:
    _refuse_locked(y)
    if y.status == YearStatus.draft.value:
        raise AssessmentError("考核方案尚未锁定，还不能登记加减分。")
    _unit_year(y, unit_id)
    try:
        pts = Decimal(str(points).strip())
    except (InvalidOperation, AttributeError):
        raise AssessmentError("加减分分值应为数字，如 0.5 或 -1。") from None
    if not pts.is_finite():
        raise AssessmentError("加减分分值应为数字，如 0.5 或 -1。")
    try:
        scoring.check_adjustment(pts, (y.bonus_min, y.bonus_max), y.penalty_per_case)
    except scoring.ScoringError as e:
        raise AssessmentError(str(e)) from None
    existing = list(db.session.scalars(select(Adjustment.points).where(Adjustment.year_id == y.id,
                                                                      Adjustment.unit_id == unit_id)))
    if pts > 0 and sum((p for p in existing if p > 0), Decimal(0)) + pts > y.bonus_cap:
        raise AssessmentError(f"该单位累计加分将超过上限 {y.bonus_cap.normalize():f} 分。")
    if pts < 0 and sum((-p for p in existing if p < 0), Decimal(0)) - pts > y.penalty_cap:
        raise AssessmentError(f"该单位累计减分将超过上限 {y.penalty_cap.normalize():f} 分。")
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("请写明加减分的理由。")
    checked = None
    if evidence is not None and getattr(evidence, "filename", ""):
        checked = uploads.check_upload(evidence)
    a = Adjustment(year_id=y.id, unit_id=unit_id, points=pts, reason=reason, bars_excellent=bool(bars_excellent),
                   created_by_id=user.id if user is not None else None)
    db.session.add(a)
    db.session.flush()
    if checked is not None:
        uploads.store(checked, "assess_adjustment", a.id, user=user)
    _mark_stale(y)
    db.session.flush()
    audit.record("create", a, summary=f"登记加减分：{pts:+}", after={"unit_id": unit_id, "points": str(pts),
                 "reason": reason, "bars_excellent": bool(bars_excellent)}, user=user)
    return a


def delete_adjustment(a: Adjustment, user=None) -> None:
    y = db.session.get(AssessYear, a.year_id)
    _refuse_locked(y)
    before = {"unit_id": a.unit_id, "points": str(a.points), "reason": a.reason, "bars_excellent": a.bars_excellent}
    audit.record("delete", a, summary=f"删除加减分：{a.points:+}", before=before, user=user)
    db.session.delete(a)
    _mark_stale(y)
    db.session.flush()


# ---- computing ---------------------------------------------------------------------------------------------------

def category_weights(y: AssessYear, indicators=None) -> dict:
    """{category code: scoring.Shares}: the component shares of each category, from the indicator counts."""
    indicators = y.indicators if indicators is None else indicators
    out = {}
    for cat in Category:
        counts = {c.value: 0 for c in Component}
        for i in indicators:
            if cat.value in i.category_list:
                counts[i.component] += 1
        out[cat.value] = scoring.component_shares(counts, Decimal(y.full_score))
    return out


def earned(method: str, points: Decimal, value: str, pct, daily_percent) -> Decimal | None:
    """What one indicator earns for one unit: computed → the unit's 日常 percent of the points; entered → its
    entered percent (nothing yet: 0); rated → 优/良/中/差 (不适用: None; not rated yet: 0)."""
    if method == Method.computed.value:
        return scoring.percent_points(points, daily_percent) if daily_percent is not None else None
    if method == Method.entered.value:
        return scoring.percent_points(points, pct) if pct is not None else Decimal(0)
    if value:
        return scoring.earned_points(points, value)
    return Decimal(0)


def compute(y: AssessYear, user=None, *, correcting: bool = False) -> dict:
    """Score every assessed unit (the 汇总): internal score, 加减分, total, grade and rank, stored on its row (only
    the rows whose result changed are written). Returns {unit_id: (before, after)} of those."""
    if not correcting:
        _refuse_locked(y)
    if y.status == YearStatus.draft.value:
        raise AssessmentError("考核方案尚未锁定，不能汇总。")
    inds = list(y.indicators)
    weights = category_weights(y, inds)
    full = Decimal(y.full_score)
    by_cat = {c.value: [(i.id, i.method, Decimal(i.points), i.component) for i in inds if c.value in i.category_list]
              for c in Category}
    units = list(db.session.scalars(select(UnitYear).where(UnitYear.year_id == y.id)))
    ratings = defaultdict(dict)
    for ind_id, unit_id, value, pct in db.session.execute(
            select(Rating.indicator_id, Rating.unit_id, Rating.rating, Rating.percent)
            .where(Rating.year_id == y.id)):
        ratings[unit_id][ind_id] = (value, pct)
    adjustments = defaultdict(list)
    for unit_id, pts, bars in db.session.execute(
            select(Adjustment.unit_id, Adjustment.points, Adjustment.bars_excellent)
            .where(Adjustment.year_id == y.id)):
        adjustments[unit_id].append((pts, bars))
    # A unit with no 日常 percent (no record of the year any daily rule reads) has its computed indicators scored
    # 不适用: 加权计算法 scales the rest to the full points, as for any indicator a unit does not carry.
    stats = defaultdict(lambda: [0, 0])
    results = {}
    none = ("", None)
    for uy in units:
        got = ratings.get(uy.unit_id, {})
        e = {c: Decimal(0) for c in scoring.COMPONENTS}
        a = {c: Decimal(0) for c in scoring.COMPONENTS}
        for ind_id, method, points, comp in by_cat.get(uy.category, []):
            value, pct = got.get(ind_id, none)
            x = earned(method, points, value, pct, uy.daily_percent)
            if x is not None:
                e[comp] += x
                a[comp] += points
            if value in scoring.RATING_PERCENTS:
                s = stats[ind_id]
                s[0] += scoring.RATING_PERCENTS[value]
                s[1] += 1
        inner = scoring.internal_from_sums(e, a, weights[uy.category].weights, full)
        adj = scoring.adjustments_total(adjustments.get(uy.unit_id, []), y.bonus_cap, y.penalty_cap)
        results[uy.unit_id] = (uy, inner, adj, scoring.total_score(inner.internal, adj))
    changed, rows = {}, []
    for cat in Category:
        members = {uid: r for uid, r in results.items() if r[0].category == cat.value}
        totals = {uid: r[3] for uid, r in members.items()}
        barred = {uid for uid, r in members.items() if r[2].barred}
        rule = scoring.GradeRule.from_dict((y.grading or {}).get(cat.value))
        grades = scoring.grade(totals, barred, rule)
        ranks = scoring.rank(totals)
        for uid, (uy, inner, adj, total) in members.items():
            before = result_snapshot(uy)
            values = {"materials": inner.materials, "daily": inner.daily, "internal": inner.internal,
                      "bonus": adj.bonus, "penalty": adj.penalty, "total": total, "barred": adj.barred,
                      "grade": grades[uid], "rank": ranks[uid]}
            after = _snapshot(values)
            if before != after:
                changed[uid] = (before, after)
                rows.append({"id": uy.id, **values})
    if rows:
        db.session.flush()
        db.session.execute(update(UnitYear), rows)  # by primary key, only the rows that changed
        for uy in units:
            if uy.unit_id in changed:
                db.session.expire(uy)
    y.indicator_stats = {str(k): v for k, v in stats.items()}
    y.computed_at = utcnow()
    y.stale = False
    if y.status == YearStatus.scoring.value:
        y.status = YearStatus.summary.value
    db.session.flush()
    audit.record("compute", y, summary=f"{y.year}年度考核汇总（{len(results)}个单位，{len(changed)}个结果有变化）",
                 after=_year_snapshot(y), user=user)
    return changed


def _snapshot(v: dict) -> dict:
    def s(x):
        return None if x is None else str(scoring.r2(x))
    return {"materials": s(v["materials"]), "daily": s(v["daily"]), "internal": s(v["internal"]),
            "bonus": s(v["bonus"]), "penalty": s(v["penalty"]), "total": s(v["total"]), "grade": v["grade"] or "",
            "rank": v["rank"], "barred": bool(v["barred"])}


def result_snapshot(uy: UnitYear) -> dict:
    return _snapshot({"materials": uy.materials, "daily": uy.daily, "internal": uy.internal, "bonus": uy.bonus,
                      "penalty": uy.penalty, "total": uy.total, "grade": uy.grade, "rank": uy.rank,
                      "barred": uy.barred})


# ---- the confirmation flow ---------------------------------------------------------------------------------------

def _add_workdays(start: date, n: int) -> date:
    d = start
    for _ in range(n):
        d = workcal.next_workday(d, include_self=False)
    return d


def start_feedback(y: AssessYear, user=None, on: date | None = None) -> AssessYear:
    """问题反馈: each unit sees its own breakdown and may file 异议 for `objection_days` working days."""
    if y.stale or y.computed_at is None:
        raise AssessmentError("评分在汇总后有变动，请先重新汇总。")
    try:
        until = _add_workdays(on or today(), y.objection_days)
    except workcal.UnknownYear as exc:
        raise AssessmentError(f"无法计算异议期限：{exc}") from None
    _advance(y, (YearStatus.summary.value,), YearStatus.feedback.value, user, "开始问题反馈")
    y.feedback_until = until
    db.session.flush()
    return y


def file_objection(y: AssessYear, unit_id: int, text: str, user=None, indicator_id: int | None = None,
                   on: date | None = None) -> Objection:
    _refuse_locked(y)
    if y.status != YearStatus.feedback.value:
        raise AssessmentError("现在不是提出异议的阶段。")
    day = on or today()
    if y.feedback_until and day > y.feedback_until:
        raise AssessmentError(f"提出异议的期限已于{y.feedback_until.year}年{y.feedback_until.month}月"
                              f"{y.feedback_until.day}日届满。")
    _unit_year(y, unit_id)
    text = (text or "").strip()
    if not text:
        raise AssessmentError("请写明异议的内容和理由。")
    if indicator_id is not None:
        ind = db.session.get(Indicator, indicator_id)
        if ind is None or ind.year_id != y.id:
            raise AssessmentError("所选指标不属于本年度考核方案。")
    o = Objection(year_id=y.id, unit_id=unit_id, indicator_id=indicator_id, text=text[:5000],
                  filed_by_id=user.id if user is not None else None)
    db.session.add(o)
    db.session.flush()
    audit.record("create", o, summary="提出考核异议", after={"text": o.text, "indicator_id": indicator_id}, user=user)
    return o


def start_review(y: AssessYear, user=None) -> AssessYear:
    _advance(y, (YearStatus.feedback.value,), YearStatus.review.value, user, "开始复核")
    return y


def answer_objection(o: Objection, answer: str, user=None) -> Objection:
    y = db.session.get(AssessYear, o.year_id)
    _refuse_locked(y)
    if y.status not in (YearStatus.feedback.value, YearStatus.review.value):
        raise AssessmentError("现在不是复核异议的阶段。")
    answer = (answer or "").strip()
    if not answer:
        raise AssessmentError("请写明复核意见。")
    before = {"status": o.status, "answer": o.answer}
    o.answer, o.status = answer[:5000], ObjectionStatus.answered.value
    o.answered_by_id, o.answered_at = (user.id if user is not None else None), utcnow()
    db.session.flush()
    audit.record("answer", o, summary="复核考核异议", before=before, after={"status": o.status, "answer": o.answer},
                 user=user)
    return o


def confirm(y: AssessYear, user=None, on: date | None = None) -> AssessYear:
    """领导小组审定: the year is locked; results change only by 更正."""
    if y.stale:
        raise AssessmentError("复核后评分有变动，请先重新汇总再审定。")
    open_n = db.session.scalar(select(db.func.count(Objection.id)).where(
        Objection.year_id == y.id, Objection.status == ObjectionStatus.open.value))
    if open_n:
        raise AssessmentError(f"还有 {open_n} 件异议未复核，不能审定。")
    _advance(y, (YearStatus.review.value,), YearStatus.confirmed.value, user, "审定")
    y.confirmed_on = on or today()
    db.session.flush()
    return y


def publish(y: AssessYear, user=None) -> AssessYear:
    """The 通报 is published: from now on the results are no longer only each unit's own."""
    if not y.locked:
        raise AssessmentError("考核结果审定后才能发布通报。")
    if y.published:
        return y
    y.published = True
    db.session.flush()
    audit.record("publish", y, summary=f"发布{y.year}年度考核通报", before={"published": False},
                 after={"published": True}, user=user)
    return y


def correct(y: AssessYear, unit_id: int, reason: str, user=None, ratings: dict | None = None,
            adjustments: list | None = None) -> list[Correction]:
    """更正 of a confirmed year: change ratings ({indicator id: (value, reason)}) and/or add 加减分 entries
    ([(points, reason, bars)]) of one unit, score the year again and keep every changed unit's old result."""
    if not y.locked:
        raise AssessmentError("只有已审定的年度需要更正；未审定时请直接修改。")
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("请写明更正的理由。")
    if not ratings and not adjustments:
        raise AssessmentError("更正没有任何改动。")
    for ind_id, (value, why) in (ratings or {}).items():
        ind = db.session.get(Indicator, ind_id)
        if ind is None or ind.year_id != y.id:
            raise AssessmentError("所选指标不属于本年度考核方案。")
        rate(ind, unit_id, value, why or reason, user=user, correcting=True)
    for pts, why, bars in adjustments or []:
        pts = Decimal(str(pts))
        scoring.check_adjustment(pts, (y.bonus_min, y.bonus_max), y.penalty_per_case)
        db.session.add(Adjustment(year_id=y.id, unit_id=unit_id, points=pts, reason=why or reason,
                                  bars_excellent=bool(bars), created_by_id=user.id if user is not None else None))
    db.session.flush()
    changed = compute(y, user=user, correcting=True)
    out = []
    for uid, (before, after) in changed.items():
        c = Correction(year_id=y.id, unit_id=uid, reason=reason, before=before, after=after,
                       by_id=user.id if user is not None else None)
        db.session.add(c)
        out.append(c)
    db.session.flush()
    for c in out:
        audit.record("correct", c, summary=f"更正{y.year}年度考核结果：{reason}", before=c.before, after=c.after,
                     user=user)
    return out


def set_texts(y: AssessYear, texts: dict, user=None) -> None:
    before = dict(y.texts or {})
    y.texts = {**before, **{k: v for k, v in texts.items() if k in ("work", "problems", "requirements")}}
    db.session.flush()
    audit.record("texts", y, summary=f"修改{y.year}年度考核通报文字", before=before, after=y.texts, user=user)


def set_settings(y: AssessYear, user=None, **values) -> None:
    """Caps, objection days, grading rules: settings of the year, refused once it is confirmed."""
    _refuse_locked(y)
    allowed = ("bonus_min", "bonus_max", "bonus_cap", "penalty_per_case", "penalty_cap", "objection_days",
               "materials_deadline", "grading", "title")
    def shown(k):
        v = getattr(y, k)
        return grading_text(v) if k == "grading" else ("" if v is None else str(v))

    before = {k: shown(k) for k in values if k in allowed}
    for k, v in values.items():
        if k in allowed:
            setattr(y, k, v)
    _mark_stale(y)
    db.session.flush()
    audit.record("settings", y, summary=f"修改{y.year}年度考核设置", before=before,
                 after={k: shown(k) for k in before}, user=user)


def grading_text(grading: dict | None) -> str:
    """The grading rules as people read them (the audit log): 乡镇（街道）按分数线：优秀90分…；县直部门按优秀比例50%."""
    parts = []
    for cat in Category:
        rule = scoring.GradeRule.from_dict((grading or {}).get(cat.value))
        lines = "、".join(f"{label}{_n(rule.thresholds[g])}分" for g, label in
                          (("excellent", "优秀"), ("good", "良好"), ("pass", "合格")) if g in rule.thresholds)
        if rule.mode == "quota":
            parts.append(f"{cat.label}按优秀比例{_n(rule.excellent_quota)}%，其余按分数线（{lines}）")
        else:
            parts.append(f"{cat.label}按分数线（{lines}）")
    return "；".join(parts)

