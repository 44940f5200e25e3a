"""The 考核 arithmetic, as pure functions (no database): seeds 000 and 001.

- 优/良/中/差 earn 100/80/60/0 % of an indicator's points; 不适用 earns nothing and is left out of the
  applicable points (加权计算法: what the unit could earn, scaled to the full points).
- The 行政系统内部考核 (full score, 100) has two components, 依法行政工作资料评判 and 日常工作情况评价. Their shares
  come from the scheme: the number of 三级指标 of each component over all the category's 三级指标 (105 → 75 : 30 =
  71.43 % : 28.57 %; 99 → 69 : 30 = 69.70 % : 30.30 %). Within a component, the indicators weigh by their points;
  a component with no applicable points gives its weight to the other (加权计算法 once more).
- 加减分: each bonus +0.25..+1, all bonuses capped (+5); each penalty −1 in principle, all penalties capped (−10);
  one serious case bars the unit from 优秀.
- Grades per category: by thresholds, or the top quota become 优秀 (ties at the cut all get it); barred units skip
  优秀 and take the best grade below it their score reaches. Ranks are per category, ties share a rank (1, 2, 2, 4).
Everything is Decimal; the shown values are rounded half up to 2 places at the end, and the shown parts add up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

MATERIALS = "materials"
DAILY = "daily"
COMPONENTS = (MATERIALS, DAILY)

RATING_PERCENTS = {"excellent": 100, "good": 80, "fair": 60, "poor": 0}
NOT_APPLICABLE = "na"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

EXCELLENT = "excellent"
GRADE_ORDER = ("excellent", "good", "pass", "fail")  # 优秀 / 良好 / 合格 / 不合格


class ScoringError(ValueError):
    """A value outside the rules (a rating not on the scale, an adjustment beyond its per-case range)."""


def _n(x) -> str:
    """A number as people write it: 0.25, 1, 10."""
    return f"{Decimal(x).normalize():f}"


def r2(x: Decimal) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def earned_points(points: Decimal, rating: str) -> Decimal | None:
    """What a rated indicator earns: 优 100 %, 良 80 %, 中 60 %, 差 0; None for 不适用."""
    if rating == NOT_APPLICABLE:
        return None
    if rating not in RATING_PERCENTS:
        raise ScoringError(f"评定「{rating}」不在优、良、中、差、不适用之中。")
    return Decimal(points) * RATING_PERCENTS[rating] / HUNDRED


def percent_points(points: Decimal, percent: Decimal) -> Decimal:
    """What a computed or entered indicator earns: its percent (0–100) of its points."""
    percent = Decimal(percent)
    if percent < 0 or percent > 100:
        raise ScoringError(f"得分比例 {percent} 不在 0 至 100 之间。")
    return Decimal(points) * percent / HUNDRED


@dataclass(frozen=True)
class Line:
    """One indicator for one unit: its component, points and what it earned (None = 不适用 / not carried)."""
    component: str
    points: Decimal
    earned: Decimal | None


@dataclass(frozen=True)
class Shares:
    counts: dict          # component -> number of 三级指标
    shares: dict          # component -> percent, 2 places (shown)
    weights: dict         # component -> points of the full score (exact)


def component_shares(counts: dict, full: Decimal = HUNDRED) -> Shares:
    """Seed 000: 「三级指标为 105 项，依法行政工作资料评判占比 71.43%、日常工作情况评价占比 28.57%」."""
    total = sum(counts.get(c, 0) for c in COMPONENTS)
    if total == 0:
        return Shares({c: 0 for c in COMPONENTS}, {c: Decimal("0.00") for c in COMPONENTS},
                      {c: Decimal(0) for c in COMPONENTS})
    weights = {c: Decimal(full) * counts.get(c, 0) / total for c in COMPONENTS}
    shown = {c: r2(Decimal(100) * counts.get(c, 0) / total) for c in COMPONENTS}
    return Shares({c: counts.get(c, 0) for c in COMPONENTS}, shown, weights)


@dataclass(frozen=True)
class InternalScore:
    materials: Decimal    # shown, 2 places
    daily: Decimal
    internal: Decimal     # materials + daily as shown


def internal_score(lines: list[Line], weights: dict, full: Decimal = HUNDRED) -> InternalScore:
    """The 行政系统内部考核 score: per component earned / applicable points × the component's weight; a component
    with nothing applicable hands its weight to the others (the result is scaled back to `full`)."""
    earned = {c: Decimal(0) for c in COMPONENTS}
    applicable = {c: Decimal(0) for c in COMPONENTS}
    for ln in lines:
        if ln.earned is None:
            continue
        earned[ln.component] += Decimal(ln.earned)
        applicable[ln.component] += Decimal(ln.points)
    return internal_from_sums(earned, applicable, weights, full)


def internal_from_sums(earned: dict, applicable: dict, weights: dict, full: Decimal = HUNDRED) -> InternalScore:
    """internal_score from each component's earned and applicable points (what the 汇总 adds up as it goes)."""
    live = [c for c in COMPONENTS if applicable.get(c, 0) > 0 and weights.get(c, 0) > 0]
    live_weight = sum((Decimal(weights[c]) for c in live), Decimal(0))
    parts = {c: Decimal(0) for c in COMPONENTS}
    if live_weight > 0:
        scale = Decimal(full) / live_weight
        for c in live:
            parts[c] = earned[c] / applicable[c] * Decimal(weights[c]) * scale
    m, d = r2(parts[MATERIALS]), r2(parts[DAILY])
    return InternalScore(m, d, m + d)


@dataclass(frozen=True)
class AdjustmentTotal:
    bonus: Decimal      # capped, ≥ 0
    penalty: Decimal    # capped, as a positive number
    barred: bool


def check_adjustment(points: Decimal, bonus_range=(Decimal("0.25"), Decimal("1")),
                     penalty_max: Decimal = Decimal("1")) -> None:
    """One 加减分 entry: a bonus of +0.25..+1 per case, a penalty of −1 per case at most (seed 001)."""
    points = Decimal(points)
    lo, hi = (Decimal(x) for x in bonus_range)
    if points > 0 and not (lo <= points <= hi):
        raise ScoringError(f"每项加分应在 {_n(lo)} 至 {_n(hi)} 分之间，填写的是 {_n(points)} 分。")
    if points < 0 and -points > Decimal(penalty_max):
        raise ScoringError(f"每项减分不超过 {_n(penalty_max)} 分，填写的是 {_n(-points)} 分。")
    if points == 0:
        raise ScoringError("加减分不能为 0 分。")


def adjustments_total(entries: list[tuple[Decimal, bool]], bonus_cap: Decimal = Decimal(5),
                      penalty_cap: Decimal = Decimal(10)) -> AdjustmentTotal:
    """entries: (points, bars_excellent). Bonuses add up to `bonus_cap` at most, penalties to `penalty_cap`."""
    plus = sum((Decimal(p) for p, _ in entries if Decimal(p) > 0), Decimal(0))
    minus = sum((-Decimal(p) for p, _ in entries if Decimal(p) < 0), Decimal(0))
    return AdjustmentTotal(r2(min(plus, Decimal(bonus_cap))), r2(min(minus, Decimal(penalty_cap))),
                           any(bars for _, bars in entries))


def total_score(internal: Decimal, adj: AdjustmentTotal) -> Decimal:
    return r2(Decimal(internal) + adj.bonus - adj.penalty)


@dataclass
class GradeRule:
    """One category's grading: mode "threshold" (each grade from its lowest score) or "quota" (the top
    `excellent_quota` percent of the category are 优秀, the rest by the thresholds below 优秀)."""
    mode: str = "threshold"
    thresholds: dict = field(default_factory=lambda: {"excellent": Decimal(90), "good": Decimal(75),
                                                      "pass": Decimal(60)})
    excellent_quota: Decimal = Decimal(50)   # percent of the category, quota mode

    @classmethod
    def from_dict(cls, d: dict | None) -> "GradeRule":
        d = d or {}
        rule = cls()
        rule.mode = d.get("mode", rule.mode)
        for k, v in (d.get("thresholds") or {}).items():
            rule.thresholds[k] = Decimal(str(v))
        if d.get("excellent_quota") is not None:
            rule.excellent_quota = Decimal(str(d["excellent_quota"]))
        return rule

    def to_dict(self) -> dict:
        return {"mode": self.mode, "thresholds": {k: str(v) for k, v in self.thresholds.items()},
                "excellent_quota": str(self.excellent_quota)}


def _by_threshold(score: Decimal, rule: GradeRule, allow_excellent: bool) -> str:
    for g in GRADE_ORDER[:-1]:
        if g == EXCELLENT and not allow_excellent:
            continue
        if g in rule.thresholds and score >= rule.thresholds[g]:
            return g
    return GRADE_ORDER[-1]


def rank(scores: dict) -> dict:
    """{key: total} → {key: rank}, highest first, ties share the rank (1, 2, 2, 4)."""
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])
    ranks, prev, prev_rank = {}, None, 0
    for i, (k, s) in enumerate(ordered, start=1):
        if s != prev:
            prev, prev_rank = s, i
        ranks[k] = prev_rank
    return ranks


def grade(scores: dict, barred: set, rule: GradeRule) -> dict:
    """{key: total} of ONE category → {key: grade code}."""
    if rule.mode == "quota":
        eligible = sorted((s for k, s in scores.items() if k not in barred), reverse=True)
        n = int((Decimal(len(eligible)) * rule.excellent_quota / HUNDRED).to_integral_value(rounding=ROUND_FLOOR))
        cut = eligible[n - 1] if n > 0 else None
        out = {}
        for k, s in scores.items():
            if k not in barred and cut is not None and s >= cut:
                out[k] = EXCELLENT
            else:
                out[k] = _by_threshold(s, rule, allow_excellent=False)
        return out
    return {k: _by_threshold(s, rule, allow_excellent=k not in barred) for k, s in scores.items()}
