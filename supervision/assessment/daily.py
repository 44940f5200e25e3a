"""日常工作情况评价: a unit's daily part of the 考核, computed from the app's own records — nothing typed twice.

Each rule is registered once in DAILY_RULES (code, Chinese label, default weight, explanation, parameters, compute).
A rule's `compute(year, unit_ids, params, today)` answers {unit_id: RuleOutcome(fraction 0..1 or None, detail)} with a
few set-based queries over the whole year (grouped by unit, never one query per unit), so `evaluate` costs the same
number of queries for 3 units as for 3,000. A fraction of None means the rule does not apply to the unit (no
records of that kind): its points leave the unit's total and the rest is scaled to 100 (加权计算法, as the 考核方案 does
for an indicator a unit does not carry).

Adding a rule is one registration:

    @daily_rule("filings", "规范性文件按时备案", weight=5, explanation="……")
    def _filings(year, unit_ids, params, today): return {uid: RuleOutcome(Decimal(1), "……") for uid in unit_ids}

Weights, on/off and parameters are settings per year (daily_models.DailyRuleSetting); without a row the rule's
defaults apply (or the latest earlier year's settings). Reading never writes.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select

from .. import audit, timeutil
from ..casereview import queries as casereview_queries
from ..extensions import db
from ..filings import queries as filings_queries
from ..letters.models import Letter, LetterStatus
from ..rectification.models import SUBMITTED, Extension, ExtensionStatus, SelfInspection, Submission
from ..rectification.queries import SELF_INSPECTION_DUE_MONTH_DAY
from ..visits.models import Disposition, Problem, Rating, Visit, VisitRating, VisitStatus
from .daily_models import DailyRuleSetting

CENT = Decimal("0.01")
ONE = Decimal(1)
ZERO = Decimal(0)


def q2(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def pct(value: Decimal) -> str:
    """0.8667 → "86.67%"."""
    return f"{q2(Decimal(value) * 100)}%"


def num(value) -> str:
    """Decimal 5.00 → "5", 0.50 → "0.5" (as the 考核方案 writes points)."""
    text = format(Decimal(value).normalize(), "f")
    return text


@dataclass(frozen=True)
class Param:
    key: str
    label: str
    default: Decimal
    lo: Decimal
    hi: Decimal
    unit: str = ""
    integer: bool = False


@dataclass(frozen=True)
class RuleOutcome:
    fraction: Decimal | None  # 0..1; None: the rule does not apply to the unit (加权计算法)
    detail: str               # in Chinese, with the numbers


@dataclass(frozen=True)
class DailyRule:
    code: str
    label: str
    weight: Decimal
    explanation: str
    compute: Callable[[int, frozenset, dict, date], dict[int, RuleOutcome]]
    params: tuple[Param, ...] = ()


DAILY_RULES: dict[str, DailyRule] = {}


def register(rule: DailyRule) -> DailyRule:
    if rule.code in DAILY_RULES:
        raise RuntimeError(f"daily rule {rule.code!r} registered twice")
    DAILY_RULES[rule.code] = rule
    return rule


def daily_rule(code: str, label: str, weight, explanation: str, params: Iterable[Param] = ()):
    """Decorator: register the function as the compute of a new rule."""
    def decorator(fn):
        register(DailyRule(code, label, Decimal(str(weight)), explanation, fn, tuple(params)))
        return fn
    return decorator


# --- settings -----------------------------------------------------------------------------------------

@dataclass
class RuleSetting:
    rule: DailyRule
    enabled: bool
    weight: Decimal
    params: dict[str, Decimal]
    saved: bool = False  # a row of this year exists

    @property
    def code(self) -> str:
        return self.rule.code


def _params_of(rule: DailyRule, stored: dict) -> dict[str, Decimal]:
    out = {}
    for p in rule.params:
        try:
            v = Decimal(str(stored[p.key])) if p.key in stored else p.default
        except (InvalidOperation, ValueError):
            v = p.default
        out[p.key] = v if p.lo <= v <= p.hi else p.default
    return out


def settings_for(year: int) -> list[RuleSetting]:
    """The year's settings of every registered rule: the year's rows, else the latest earlier year's, else the
    defaults. One query."""
    rows = db.session.scalars(select(DailyRuleSetting).where(DailyRuleSetting.year <= year)
                              .order_by(DailyRuleSetting.year.desc())).all()
    latest: dict[str, DailyRuleSetting] = {}
    for r in rows:
        latest.setdefault(r.code, r)
    out = []
    for rule in DAILY_RULES.values():
        r = latest.get(rule.code)
        if r is None:
            out.append(RuleSetting(rule, True, rule.weight, _params_of(rule, {})))
        else:
            out.append(RuleSetting(rule, bool(r.enabled), Decimal(r.weight), _params_of(rule, r.params),
                                   saved=r.year == year))
    return out


class DailySettingsError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


def _parse(text, what: str, lo: Decimal, hi: Decimal, integer: bool, errors: list[str]) -> Decimal | None:
    text = str(text if text is not None else "").strip()
    if not text:
        errors.append(f"{what}：请填写。")
        return None
    try:
        v = Decimal(text)
    except InvalidOperation:
        errors.append(f"{what}：“{text}”不是数字。")
        return None
    if not v.is_finite() or v < lo or v > hi:
        errors.append(f"{what}：应在{num(lo)}至{num(hi)}之间，填写的是{text}。")
        return None
    if integer and v != v.to_integral_value():
        errors.append(f"{what}：应为整数，填写的是{text}。")
        return None
    if v != v.quantize(CENT):
        errors.append(f"{what}：最多保留两位小数，填写的是{text}。")
        return None
    return v


WEIGHT_MAX = Decimal(100)


def save_settings(year: int, values: dict[str, dict], user) -> list[RuleSetting]:
    """Save the year's settings. values: {code: {"enabled": bool, "weight": text, "<param>": text}}. Every value is
    checked first; on any error nothing is written and DailySettingsError lists each (rule and field named).
    Writes and flushes, one audit entry for the year."""
    errors: list[str] = []
    parsed: dict[str, tuple[bool, Decimal, dict]] = {}
    for rule in DAILY_RULES.values():
        given = values.get(rule.code, {})
        enabled = bool(given.get("enabled"))
        weight = _parse(given.get("weight"), f"“{rule.label}”的分值", ZERO, WEIGHT_MAX, False, errors)
        params = {}
        for p in rule.params:
            v = _parse(given.get(p.key), f"“{rule.label}”的{p.label}", p.lo, p.hi, p.integer, errors)
            if v is not None:
                params[p.key] = v
        if rule.code == "self_inspection" and "due_month" in params and "due_day" in params:
            try:
                date(year, int(params["due_month"]), int(params["due_day"]))
            except ValueError:
                errors.append(f"“{rule.label}”的报送期限：{year}年没有{int(params['due_month'])}月"
                              f"{int(params['due_day'])}日。")
        parsed[rule.code] = (enabled, weight, params)
    if not errors and not any(e and w > 0 for e, w, _ in parsed.values()):
        errors.append("至少要有一项计分规则且分值大于0。")
    if errors:
        raise DailySettingsError(errors)
    before_rows = {r.code: r for r in db.session.scalars(
        select(DailyRuleSetting).where(DailyRuleSetting.year == year))}
    before, after = {}, {}
    for code, (enabled, weight, params) in parsed.items():
        row = before_rows.get(code)
        label = DAILY_RULES[code].label
        stored = json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False, sort_keys=True)
        if row is None:
            row = DailyRuleSetting(year=year, code=code)
            db.session.add(row)
        else:
            before[label] = {"enabled": row.enabled, "weight": str(row.weight), "params": row.params}
        row.enabled, row.weight, row.params_json = enabled, weight, stored
        row.updated_by_id = getattr(user, "id", None)
        row.updated_at = timeutil.utcnow()
        after[label] = {"enabled": enabled, "weight": str(weight), "params": {k: str(v) for k, v in params.items()}}
    db.session.flush()
    audit.record("save_daily_settings", record_type="assessment_daily_setting", record_id=year,
                 summary=f"保存{year}年度日常工作情况评价规则", before=before or None, after=after, user=user)
    return settings_for(year)


# --- results -------------------------------------------------------------------------------------------

@dataclass
class DailyLine:
    label: str
    detail: str
    fraction: Decimal | None   # None: 不适用
    points: Decimal | None     # earned, of `weight`; None when not applicable
    weight: Decimal = ZERO
    code: str = ""


@dataclass
class DailyResult:
    percent: Decimal            # 0..100, 2 places: earned / applicable points (加权计算法)
    lines: list[DailyLine] = field(default_factory=list)

    @property
    def available(self) -> Decimal:
        return sum((ln.weight for ln in self.lines if ln.fraction is not None), ZERO)

    @property
    def earned(self) -> Decimal:
        return sum((ln.points for ln in self.lines if ln.points is not None), ZERO)


def _unit_ids(units) -> frozenset[int]:
    return frozenset(u if isinstance(u, int) else u.id for u in units)


def evaluate(year: int, units, today: date | None = None) -> dict[int, DailyResult]:
    """{unit_id: DailyResult} for `units` (ids or Unit rows): each enabled rule's outcome, its points, and the
    percent of the applicable points earned. One query for the settings and a few per rule, whatever the number
    of units."""
    today = today or timeutil.today()
    ids = _unit_ids(units)
    lines: dict[int, list[DailyLine]] = {uid: [] for uid in ids}
    token = _CACHE.set({})
    try:
        settings = settings_for(year)
        outcomes_by_rule = {s.code: s.rule.compute(year, ids, dict(s.params, weight=s.weight), today)
                            for s in settings if s.enabled and s.weight > 0 and ids}
    finally:
        _CACHE.reset(token)
    for s in settings:
        if not s.enabled or s.weight <= 0:
            continue
        outcomes = outcomes_by_rule.get(s.code, {})
        for uid in ids:
            o = outcomes.get(uid) or RuleOutcome(None, "无相关记录，不计此项。")
            frac = None if o.fraction is None else min(ONE, max(ZERO, Decimal(o.fraction)))
            lines[uid].append(DailyLine(s.rule.label, o.detail, frac,
                                        None if frac is None else q2(s.weight * frac), s.weight, s.rule.code))
    out = {}
    for uid, ls in lines.items():
        available = sum((ln.weight for ln in ls if ln.fraction is not None), ZERO)
        earned = sum((ln.weight * ln.fraction for ln in ls if ln.fraction is not None), ZERO)
        out[uid] = DailyResult(q2(earned / available * 100) if available else ZERO, ls)
    return out


# --- the rules ------------------------------------------------------------------------------------------

# Facts two rules share, computed once per evaluate() call (set there, None outside it).
_CACHE: ContextVar[dict | None] = ContextVar("daily_rule_cache", default=None)
SMALL_SET = 500  # up to this many units, the queries name them (one unit's page); above, they read the year


def _for_units(query, column, unit_ids):
    """The query limited to `unit_ids` when they are few (the statement count stays the same)."""
    return query.where(column.in_(sorted(unit_ids))) if len(unit_ids) <= SMALL_SET else query


def _year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


RATING_PARAMS = (
    Param("pct_excellent", "“优”得分比例", Decimal(100), ZERO, Decimal(100), "%"),
    Param("pct_good", "“良”得分比例", Decimal(80), ZERO, Decimal(100), "%"),
    Param("pct_fair", "“中”得分比例", Decimal(60), ZERO, Decimal(100), "%"),
    Param("pct_poor", "“差”得分比例", ZERO, ZERO, Decimal(100), "%"),
)
_RATING_KEYS = {Rating.excellent.value: "pct_excellent", Rating.good.value: "pct_good",
                Rating.fair.value: "pct_fair", Rating.poor.value: "pct_poor"}


@daily_rule("visit_ratings", "监督检查评价", 10, params=RATING_PARAMS, explanation=(
    "本年度已提交的监督检查中，对各检查事项的评价：优、良、中、差分别按该项分值的100%、80%、60%、0计，"
    "取全部评价项次的平均得分率；“不适用”和未评价的不计。本年度未受检查的单位不计此项。"))
def _visit_ratings(year, unit_ids, params, today):
    first, last = _year_span(year)
    rows = db.session.execute(_for_units(
        select(Visit.unit_id, VisitRating.rating, func.count())
        .join(Visit, Visit.id == VisitRating.visit_id)
        .where(Visit.status == VisitStatus.submitted.value, Visit.visit_date >= first, Visit.visit_date <= last,
               VisitRating.rating.in_(tuple(_RATING_KEYS))), Visit.unit_id, unit_ids)
        .group_by(Visit.unit_id, VisitRating.rating)).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for uid, rating, n in rows:
        if uid in unit_ids:
            counts[uid][rating] = n
    out = {}
    for uid in unit_ids:
        c = counts.get(uid)
        if not c:
            out[uid] = RuleOutcome(None, "本年度无监督检查评价，不计此项。")
            continue
        total = sum(c.values())
        got = sum(params[_RATING_KEYS[r]] * n for r, n in c.items()) / 100
        frac = got / total
        parts = "、".join(f"{Rating.label_of(r)}{c.get(r, 0)}" for r in _RATING_KEYS)
        out[uid] = RuleOutcome(frac, f"本年度检查评价{total}项次：{parts}，平均得分率{pct(frac)}。")
    return out


def _letter_facts(year: int, unit_ids) -> dict[int, list[tuple[date | None, date | None]]]:
    """{unit_id: [(deadline in force, first report's day)]} for the letters issued in `year` and received. One
    query, asked once per evaluate (both letter rules read it): each letter's latest approved extension and first
    report are looked up by its id (index), not aggregated over ten years of submissions."""
    cache = _CACHE.get()
    key = ("letters", year, unit_ids)
    if cache is not None and key in cache:
        return cache[key]
    first, last = _year_span(year)
    ext = (select(func.max(Extension.new_deadline))
           .where(Extension.letter_id == Letter.id, Extension.status == ExtensionStatus.APPROVED,
                  Extension.new_deadline.is_not(None)).correlate(Letter).scalar_subquery())
    sub = (select(func.min(Submission.submitted_on))
           .where(Submission.letter_id == Letter.id, Submission.status == SUBMITTED).correlate(Letter)
           .scalar_subquery())
    q = (select(Letter.unit_id, func.coalesce(ext, Letter.deadline), sub)
         .where(Letter.status == LetterStatus.issued.value, Letter.issue_date >= first, Letter.issue_date <= last,
                Letter.receipt_date.is_not(None)))
    rows = db.session.execute(_for_units(q, Letter.unit_id, unit_ids)).all()
    out: dict[int, list] = defaultdict(list)
    for uid, deadline, reported in rows:
        if uid in unit_ids:
            out[uid].append((deadline, reported))
    if cache is not None:
        cache[key] = out
    return out


@daily_rule("letters_on_time", "意见书按期整改", 6, explanation=(
    "本年度签发并已签收（送达）的监督意见书中，在整改期限（含批准的延期）内报送整改情况的比例。"
    "期限未到且尚未报送的不计；本年度未收到意见书的按满分计。"))
def _letters_on_time(year, unit_ids, params, today):
    facts = _letter_facts(year, unit_ids)
    out = {}
    for uid in unit_ids:
        letters = facts.get(uid, [])
        if not letters:
            out[uid] = RuleOutcome(ONE, "本年度未收到监督意见书，按满分计。")
            continue
        due = [(d, r) for d, r in letters if r is not None or (d is not None and d < today)]
        on_time = sum(1 for d, r in due if r is not None and (d is None or r <= d))
        if not due:
            out[uid] = RuleOutcome(ONE, f"本年度收到监督意见书{len(letters)}份，整改期限均未届满，按满分计。")
            continue
        frac = Decimal(on_time) / len(due)
        out[uid] = RuleOutcome(frac, f"本年度收到监督意见书{len(letters)}份，应报送{len(due)}份，"
                                     f"按期报送整改情况{on_time}份，按期率{pct(frac)}。")
    return out


@daily_rule("days_overdue", "整改逾期天数", 4, params=(
    Param("per_day", "每逾期1日扣分", Decimal("0.2"), ZERO, Decimal(100), "分"),), explanation=(
    "本年度签发的监督意见书，超过整改期限（含批准的延期）报送整改情况的天数合计，每逾期1日扣相应分值，扣完为止；"
    "至今未报送的算至统计之日。"))
def _days_overdue(year, unit_ids, params, today):
    facts = _letter_facts(year, unit_ids)
    per_day, weight = params["per_day"], params["weight"]
    out = {}
    for uid in unit_ids:
        days = 0
        late = 0
        for deadline, reported in facts.get(uid, []):
            if deadline is None:
                continue
            n = max(0, ((reported or today) - deadline).days)
            if n:
                days += n
                late += 1
        if not days:
            out[uid] = RuleOutcome(ONE, "本年度无逾期报送整改情况。")
            continue
        cut = min(weight, per_day * days)
        frac = (weight - cut) / weight if weight else ZERO
        out[uid] = RuleOutcome(frac, f"{late}份意见书逾期报送，合计逾期{days}日，每日扣{num(per_day)}分，"
                                     f"扣{num(q2(cut))}分。")
    return out


@daily_rule("self_inspection", "按时报送自查", 5, params=(
    Param("due_month", "报送期限（月）", Decimal(SELF_INSPECTION_DUE_MONTH_DAY[0]), ONE, Decimal(12), "月", True),
    Param("due_day", "报送期限（日）", Decimal(SELF_INSPECTION_DUE_MONTH_DAY[1]), ONE, Decimal(31), "日", True),
    Param("late_percent", "逾期报送得分比例", Decimal(50), ZERO, Decimal(100), "%"),
), explanation="每年3月底前报送自查报告和年度工作计划的得满分；逾期报送的按设定比例得分；未报送的不得分。")
def _self_inspection(year, unit_ids, params, today):
    try:
        due = date(year, int(params["due_month"]), int(params["due_day"]))
    except ValueError:
        due = date(year, *SELF_INSPECTION_DUE_MONTH_DAY)
    rows = db.session.execute(_for_units(
        select(SelfInspection.unit_id, SelfInspection.submitted_on)
        .where(SelfInspection.year == year, SelfInspection.status == SUBMITTED), SelfInspection.unit_id, unit_ids)).all()
    submitted = {uid: day for uid, day in rows if uid in unit_ids}
    out = {}
    for uid in unit_ids:
        if uid not in submitted:
            out[uid] = RuleOutcome(ZERO, f"未报送{year}年自查报告和工作计划。")
            continue
        day = submitted[uid]
        if day is not None and day > due:
            frac = params["late_percent"] / 100
            out[uid] = RuleOutcome(frac, f"{timeutil.cn_date(day)}报送自查，晚于{timeutil.cn_date(due)}"
                                         f"{(day - due).days}日，得分比例{pct(frac)}。")
        else:
            out[uid] = RuleOutcome(ONE, f"{timeutil.cn_date(day)}报送自查，在{timeutil.cn_date(due)}前。")
    return out


@daily_rule("fixed_on_spot", "立行立改", 5, explanation=(
    "本年度监督检查发现的问题中，当场立行立改的比例；本年度检查未发现问题的不计此项。"))
def _fixed_on_spot(year, unit_ids, params, today):
    first, last = _year_span(year)
    rows = db.session.execute(_for_units(
        select(Visit.unit_id, Problem.disposition, func.count())
        .join(Visit, Visit.id == Problem.visit_id)
        .where(Visit.status == VisitStatus.submitted.value, Visit.visit_date >= first, Visit.visit_date <= last),
        Visit.unit_id, unit_ids)
        .group_by(Visit.unit_id, Problem.disposition)).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for uid, disp, n in rows:
        if uid in unit_ids:
            counts[uid][disp] = n
    out = {}
    for uid in unit_ids:
        c = counts.get(uid)
        total = sum(c.values()) if c else 0
        if not total:
            out[uid] = RuleOutcome(None, "本年度检查未发现问题，不计此项。")
            continue
        fixed = c.get(Disposition.fixed.value, 0)
        frac = Decimal(fixed) / total
        out[uid] = RuleOutcome(frac, f"本年度检查发现问题{total}个，立行立改{fixed}个，占{pct(frac)}。")
    return out


def rule_explanations() -> list[tuple[str, str]]:
    return [(r.label, r.explanation) for r in DAILY_RULES.values()]



# --- rules reading the 备案 registers and the 案卷评查 (lower domains' yearly summaries) --------------------------

@daily_rule("penalty_filings", "重大行政处罚按时备案", 4, explanation=(
    "本年度作出、备案期限已到的重大行政处罚决定中，在期限内向司法局报送备案的比例（逾期备案、未备案均不得分）。"
    "本年度没有应备案决定的单位不计此项。"))
def _penalty_filings(year, unit_ids, params, today):
    out = {}
    for uid, s in filings_queries.yearly_summary(year, today=today).items():
        due = s.on_time + s.late + s.missing
        if uid not in unit_ids or not due:
            continue
        frac = Decimal(s.on_time) / due
        out[uid] = RuleOutcome(frac, f"应备案{due}件：按时{s.on_time}件、逾期{s.late}件、未备案{s.missing}件，"
                                     f"按时备案率{q2(frac * 100)}%。")
    return out


@daily_rule("case_review", "行政执法案卷评查", 4, explanation=(
    "本年度办结并经评查的行政处罚案卷的平均得分（百分制）。本年度没有评查案卷的单位不计此项。"))
def _case_review(year, unit_ids, params, today):
    out = {}
    for uid, s in casereview_queries.yearly_case_scores(year).items():
        if uid not in unit_ids or not s.cases:
            continue
        frac = min(ONE, max(ZERO, Decimal(str(s.average)) / 100))
        out[uid] = RuleOutcome(frac, f"评查案卷{s.cases}卷，平均{q2(Decimal(str(s.average)))}分，最低{s.worst}分，"
                                     f"不合格{s.failed}卷。")
    return out
