"""考核分析 from YearResults alone: averages per category year on year (seed 001: 「平均得分为89.74分，较去年增加了
10.52分，同比增长了13.28%」), units 优秀 two years running, grade counts, the score distribution, the weakest indicators
county-wide, and the data of the leader's charts (templates/assessment/_charts.html).

Averages are rounded to 2 places first and the change and growth computed from the rounded figures, as the 通报 does
(79.22 → 89.74: +10.52, 10.52 / 79.22 = 13.28 %).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .reportdata import UnitResult, YearResults

CENT = Decimal("0.01")
EXCELLENT = "优秀"
GRADE_ORDER = ("优秀", "良好", "合格", "基本合格", "不合格")
# Score bands of the distribution chart: (label, low inclusive, high exclusive).
BANDS = (("60分以下", Decimal(-1000), Decimal(60)), ("60–70分", Decimal(60), Decimal(70)),
         ("70–80分", Decimal(70), Decimal(80)), ("80–90分", Decimal(80), Decimal(90)),
         ("90–95分", Decimal(90), Decimal(95)), ("95分及以上", Decimal(95), Decimal(1000)))


def q2(v) -> Decimal:
    return Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP)


def average(values) -> Decimal | None:
    values = [Decimal(v) for v in values]
    return q2(sum(values) / len(values)) if values else None


@dataclass
class Change:
    current: Decimal | None
    previous: Decimal | None

    @property
    def known(self) -> bool:
        return self.current is not None and self.previous is not None

    @property
    def change(self) -> Decimal | None:
        return q2(self.current - self.previous) if self.known else None

    @property
    def growth(self) -> Decimal | None:
        """同比增长 in percent, 2 places; None without a previous average (or a previous 0)."""
        if not self.known or not self.previous:
            return None
        return q2((self.current - self.previous) / self.previous * 100)

    def phrase(self) -> str:
        """「89.74分，较去年增加了10.52分，同比增长了13.28%」 (or 减少/下降, or 与去年持平)."""
        text = f"{self.current}分"
        if not self.known:
            return text
        ch, gr = self.change, self.growth
        if ch == 0:
            return text + "，与去年持平"
        word, grow = ("增加", "增长") if ch > 0 else ("减少", "下降")
        text += f"，较去年{word}了{abs(ch)}分"
        if gr is not None:
            text += f"，同比{grow}了{abs(gr)}%"
        return text


@dataclass
class CategoryComparison:
    category: str
    count: int
    average: Change
    excellent_average: Change
    excellent_count: int = 0
    grades: dict[str, int] = field(default_factory=dict)


def categories(results: YearResults) -> list[str]:
    """The categories in the scheme's order, then any other a unit carries."""
    names = [c.category for c in results.scheme.categories]
    for u in results.units:
        if u.category not in names:
            names.append(u.category)
    return names


def by_category(units: list[UnitResult]) -> dict[str, list[UnitResult]]:
    out: dict[str, list[UnitResult]] = defaultdict(list)
    for u in units:
        out[u.category].append(u)
    return out


def ranked(units: list[UnitResult]) -> list[UnitResult]:
    return sorted(units, key=lambda u: (u.rank, -u.total, u.unit_name))


def grade_counts(units: list[UnitResult]) -> dict[str, int]:
    counts = Counter(u.grade for u in units)
    order = [g for g in GRADE_ORDER if g in counts] + sorted(g for g in counts if g not in GRADE_ORDER)
    return {g: counts[g] for g in order}


def compare(results: YearResults) -> list[CategoryComparison]:
    now = by_category(results.units)
    before = by_category(results.previous.units) if results.previous else {}
    out = []
    for cat in categories(results):
        units, prev = now.get(cat, []), before.get(cat, [])
        exc = [u.total for u in units if u.grade == EXCELLENT]
        prev_exc = [u.total for u in prev if u.grade == EXCELLENT]
        out.append(CategoryComparison(
            cat, len(units), Change(average(u.total for u in units), average(u.total for u in prev)),
            Change(average(exc), average(prev_exc)), len(exc), grade_counts(units)))
    return out


def excellent_two_years(results: YearResults) -> list[UnitResult]:
    """Units 优秀 this year and last (matched by unit), in category order then rank."""
    if results.previous is None:
        return []
    before = {u.unit_id for u in results.previous.units if u.grade == EXCELLENT}
    order = {c: i for i, c in enumerate(categories(results))}
    both = [u for u in results.units if u.grade == EXCELLENT and u.unit_id in before]
    return sorted(both, key=lambda u: (order[u.category], u.rank, u.unit_name))


def newly_excellent(results: YearResults) -> list[UnitResult]:
    if results.previous is None:
        return []
    before = {u.unit_id for u in results.previous.units if u.grade == EXCELLENT}
    order = {c: i for i, c in enumerate(categories(results))}
    new = [u for u in results.units if u.grade == EXCELLENT and u.unit_id not in before]
    return sorted(new, key=lambda u: (order[u.category], u.rank, u.unit_name))


def year_on_year_paragraph(results: YearResults) -> str:
    """Seed 001's 「与2020年考核得分相比，2021年县（市、区）政府平均得分为89.74分，较去年增加了10.52分，同比增长了
    13.28%；……。在考核评定为优秀等次的单位中，……」, plus the units 优秀 two years running. "" without a previous year."""
    if results.previous is None:
        return ""
    rows = [c for c in compare(results) if c.average.known]
    if not rows:
        return ""
    text = (f"与{results.previous.year}年考核得分相比，{results.year}年"
            + "；".join(f"{c.category}平均得分为{c.average.phrase()}" for c in rows) + "。")
    exc = [c for c in rows if c.excellent_average.known]
    if exc:
        text += ("在考核评定为优秀等次的单位中，"
                 + "；".join(f"{c.category}的平均得分为{c.excellent_average.phrase()}" for c in exc) + "。")
    both = excellent_two_years(results)
    if both:
        names = "、".join(u.unit_name for u in both[:10])
        more = "等" if len(both) > 1 else ""
        text += f"{names}{more}{len(both)}个单位连续2年获评优秀等次。"
    return text


@dataclass
class WeakIndicator:
    code: str
    path: str
    share: Decimal      # percent of the points earned, averaged over the units that carry it
    units: int


def weakest_indicators(results: YearResults, limit: int = 10) -> list[WeakIndicator]:
    """The indicators with the lowest average share of their points earned county-wide (不适用 left out)."""
    sums: dict[str, list] = {}
    for u in results.units:
        for ln in u.lines:
            if ln.earned is None or not ln.points:
                continue
            s = sums.setdefault(ln.code, [ln.path, Decimal(0), 0])
            s[1] += Decimal(ln.earned) / Decimal(ln.points)
            s[2] += 1
    rows = [WeakIndicator(code, path, q2(total / n * 100), n) for code, (path, total, n) in sums.items()]
    rows.sort(key=lambda w: (w.share, w.code))
    return rows[:limit]


def distribution(units: list[UnitResult]) -> list[tuple[str, int]]:
    counts = [0] * len(BANDS)
    for u in units:
        for i, (_, lo, hi) in enumerate(BANDS):
            if lo <= u.total < hi:
                counts[i] += 1
                break
    return [(label, n) for (label, _, _), n in zip(BANDS, counts)]


# --- the charts' data (drawn as inline SVG by templates/assessment/_charts.html) -------------------------------

@dataclass
class Bar:
    label: str
    value: Decimal | int
    shown: str          # the value as printed on the bar
    height: float       # 0..100, of the chart's tallest bar
    series: int = 0     # 0 this year, 1 last year


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    legend: list[str] = field(default_factory=list)
    note: str = ""


def _scale(values) -> float:
    top = max((float(v) for v in values), default=0)
    return top if top > 0 else 1


def charts(results: YearResults) -> list[Chart]:
    """The leader's charts: score distribution per category, grade counts per category, averages year on year."""
    out = []
    groups = by_category(results.units)
    for cat in categories(results):
        dist = distribution(groups.get(cat, []))
        top = _scale(n for _, n in dist)
        out.append(Chart(f"{cat}得分分布（单位数）", [Bar(label, n, str(n), n / top * 100) for label, n in dist]))
    for cat in categories(results):
        grades = grade_counts(groups.get(cat, []))
        top = _scale(grades.values())
        out.append(Chart(f"{cat}等次分布（单位数）", [Bar(g, n, str(n), n / top * 100) for g, n in grades.items()]))
    comp = compare(results)
    values = [c.average.current for c in comp if c.average.current is not None]
    values += [c.average.previous for c in comp if c.average.previous is not None]
    top = _scale(values)
    bars = []
    for c in comp:
        if c.average.previous is not None:
            bars.append(Bar(c.category, c.average.previous, f"{c.average.previous}", float(c.average.previous) / top * 100, 1))
        if c.average.current is not None:
            bars.append(Bar(c.category, c.average.current, f"{c.average.current}", float(c.average.current) / top * 100, 0))
    legend = [f"{results.year}年"] + ([f"{results.previous.year}年"] if results.previous else [])
    out.append(Chart("各类别平均得分（分）", bars, legend,
                     note=year_on_year_paragraph(results) if results.previous else ""))
    return out
