"""Reading the 考核: the year's results as reportdata (the outputs' contract), the pages' tables, progress, the
leader's figures. Writes nothing. Query counts do not grow with the number of units (aggregates and one query per
table)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from ..directory.models import Unit
from ..extensions import db
from ..visits.models import CheckItem, Problem, Visit, VisitStatus
from . import reportdata as rd
from . import scoring
from .models import (Adjustment, AssessYear, Category, Component, Grade, Indicator, Material, Method, Objection,
                     Rating, RatingHistory, RatingValue, UnitYear)
from .operations import category_weights, earned


def year_row(year: int) -> AssessYear | None:
    return db.session.scalar(select(AssessYear).where(AssessYear.year == year))


def years() -> list[AssessYear]:
    return list(db.session.scalars(select(AssessYear).order_by(AssessYear.year.desc())))


def previous_year(y: AssessYear) -> AssessYear | None:
    return db.session.scalar(select(AssessYear).where(AssessYear.year < y.year)
                             .order_by(AssessYear.year.desc()).limit(1))


# ---- the scheme ------------------------------------------------------------------------------------------------

def scheme_summary(y: AssessYear) -> rd.SchemeSummary:
    weights = category_weights(y)
    cats = []
    for cat in Category:
        inds = [i for i in y.indicators if cat.value in i.category_list]
        sh = weights[cat.value]
        cats.append(rd.CategoryScheme(
            category=cat.label, indicator_count=len(inds),
            materials_count=sh.counts["materials"], daily_count=sh.counts["daily"],
            materials_points=sum((i.points for i in inds if i.component == "materials"), Decimal(0)),
            daily_points=sum((i.points for i in inds if i.component == "daily"), Decimal(0)),
            materials_share=sh.shares["materials"], daily_share=sh.shares["daily"]))
    return rd.SchemeSummary(
        year=y.year, title=y.title, categories=cats,
        rating_percents={RatingValue(k).label: v for k, v in scoring.RATING_PERCENTS.items()},
        bonus_per_case=(Decimal(y.bonus_min), Decimal(y.bonus_max)), bonus_cap=Decimal(y.bonus_cap),
        penalty_per_case=Decimal(y.penalty_per_case), penalty_cap=Decimal(y.penalty_cap))


# ---- results -----------------------------------------------------------------------------------------------------

def _unit_result(uy: UnitYear, name: str, adjustments: dict, lines: list | None = None) -> rd.UnitResult:
    return rd.UnitResult(
        unit_id=uy.unit_id, unit_name=name, category=Category.label_of(uy.category),
        materials=uy.materials or Decimal(0), daily=uy.daily or Decimal(0), internal=uy.internal or Decimal(0),
        bonus=uy.bonus or Decimal(0), penalty=uy.penalty or Decimal(0), total=uy.total or Decimal(0),
        grade=Grade.label_of(uy.grade), rank=uy.rank or 0, barred_excellent=bool(uy.barred), lines=lines or [],
        adjustments=[rd.Adjustment(points=Decimal(p), reason=r, bars_excellent=b)
                     for p, r, b in adjustments.get(uy.unit_id, [])])


def _lines(y: AssessYear, uys: list[UnitYear]) -> dict:
    """{unit id: [IndicatorLine]} worked out from the ratings by the 汇总's own rule (operations.earned)."""
    ids = [uy.unit_id for uy in uys]
    got = defaultdict(dict)
    for chunk in range(0, len(ids), 500):
        for ind_id, unit_id, value, pct, reason in db.session.execute(
                select(Rating.indicator_id, Rating.unit_id, Rating.rating, Rating.percent, Rating.reason)
                .where(Rating.year_id == y.id, Rating.unit_id.in_(ids[chunk:chunk + 500]))):
            got[unit_id][ind_id] = (value, pct, reason)
    inds = list(y.indicators)
    out = {}
    for uy in uys:
        mine, lines = got.get(uy.unit_id, {}), []
        for i in inds:
            if uy.category not in i.category_list:
                continue
            value, pct, reason = mine.get(i.id, ("", None, ""))
            if i.method == Method.computed.value:
                if uy.daily_percent is None:
                    continue
                reason = f"按日常工作情况评价规则计算，得分比例 {scoring._n(uy.daily_percent)}%"
            x = earned(i.method, Decimal(i.points), value, pct, uy.daily_percent)
            lines.append(rd.IndicatorLine(
                code=i.code, path=i.path, component=Component.label_of(i.component), points=Decimal(i.points),
                rating=RatingValue.label_of(value) if value else "",
                earned=scoring.r2(x) if x is not None else None, reason=reason))
        out[uy.unit_id] = lines
    return out


def _adjustments(year_id: int, unit_id: int | None = None) -> dict:
    q = select(Adjustment.unit_id, Adjustment.points, Adjustment.reason, Adjustment.bars_excellent) \
        .where(Adjustment.year_id == year_id).order_by(Adjustment.id)
    if unit_id is not None:
        q = q.where(Adjustment.unit_id == unit_id)
    out = defaultdict(list)
    for uid, p, r, b in db.session.execute(q):
        out[uid].append((p, r, b))
    return out


def unit_result(y: AssessYear, unit_id: int) -> rd.UnitResult | None:
    """One unit's breakdown, lines included (its own page, its 反馈单)."""
    row = db.session.execute(select(UnitYear, Unit.name).join(Unit, Unit.id == UnitYear.unit_id)
                             .where(UnitYear.year_id == y.id, UnitYear.unit_id == unit_id)).first()
    if row is None or row[0].total is None:
        return None
    return _unit_result(row[0], row[1], _adjustments(y.id, unit_id), _lines(y, [row[0]])[unit_id])


def results(y: AssessYear, with_lines: bool = False) -> list[rd.UnitResult]:
    """Every computed unit, per category then rank."""
    rows = db.session.execute(select(UnitYear, Unit.name).join(Unit, Unit.id == UnitYear.unit_id)
                              .where(UnitYear.year_id == y.id, UnitYear.total.is_not(None))
                              .order_by(UnitYear.category, UnitYear.rank, Unit.name)).all()
    lines = _lines(y, [uy for uy, _ in rows]) if with_lines else {}
    adjustments = _adjustments(y.id)
    return [_unit_result(uy, name, adjustments, lines.get(uy.unit_id)) for uy, name in rows]


PER_PAGE = 100


def results_page(y: AssessYear, category: str, page: int = 1) -> tuple[list, int]:
    """One page of a category's ranking: [(UnitYear id, UnitResult)], and the category's count."""
    q = (select(UnitYear, Unit.name).join(Unit, Unit.id == UnitYear.unit_id)
         .where(UnitYear.year_id == y.id, UnitYear.category == category, UnitYear.total.is_not(None))
         .order_by(UnitYear.rank, Unit.name).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    rows = db.session.execute(q).all()
    n = db.session.scalar(select(func.count(UnitYear.id)).where(
        UnitYear.year_id == y.id, UnitYear.category == category, UnitYear.total.is_not(None)))
    ids = [uy.unit_id for uy, _ in rows]
    adjustments = defaultdict(list)
    if ids:
        for uid, p, r, b in db.session.execute(
                select(Adjustment.unit_id, Adjustment.points, Adjustment.reason, Adjustment.bars_excellent)
                .where(Adjustment.year_id == y.id, Adjustment.unit_id.in_(ids)).order_by(Adjustment.id)):
            adjustments[uid].append((p, r, b))
    return [(uy.id, _unit_result(uy, name, adjustments)) for uy, name in rows], n


def common_problems(year: int, limit: int = 10) -> list[rd.CommonProblem]:
    """The year's findings (problems of submitted visits) grouped by check item, most frequent first."""
    rows = db.session.execute(
        select(CheckItem.name, func.count(Problem.id)).join(Problem, Problem.item_id == CheckItem.id)
        .join(Visit, Visit.id == Problem.visit_id)
        .where(Visit.status == VisitStatus.submitted.value, Visit.visit_date.between(date(year, 1, 1), date(year, 12, 31)))
        .group_by(CheckItem.name).order_by(func.count(Problem.id).desc(), CheckItem.name).limit(limit)).all()
    out = []
    for name, n in rows:
        examples = list(db.session.scalars(
            select(Problem.description).join(CheckItem, CheckItem.id == Problem.item_id)
            .join(Visit, Visit.id == Problem.visit_id)
            .where(CheckItem.name == name, Visit.status == VisitStatus.submitted.value,
                   Visit.visit_date.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(Problem.id).limit(3)))
        out.append(rd.CommonProblem(item=name, count=n, examples=examples))
    return out


def year_results(year: int, with_lines: bool = True, _with_previous: bool = True) -> rd.YearResults | None:
    """The year's results as the outputs read them; None while the year has not been computed."""
    y = year_row(year)
    if y is None or y.computed_at is None:
        return None
    prev = None
    if _with_previous:
        p = previous_year(y)
        if p is not None and p.year == year - 1 and p.computed_at is not None:
            prev = year_results(p.year, with_lines=False, _with_previous=False)
    return rd.YearResults(
        year=y.year, scheme=scheme_summary(y), units=results(y, with_lines=with_lines),
        common_problems=common_problems(y.year), previous=prev, texts=dict(y.texts or {}),
        confirmed_on=y.confirmed_on, status=y.status_label)


# ---- progress ----------------------------------------------------------------------------------------------------

@dataclass
class Progress:
    label: str
    needed: int
    done: int

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.needed) if self.needed else 100


def _unit_counts(y: AssessYear) -> dict:
    return dict(db.session.execute(select(UnitYear.category, func.count(UnitYear.id))
                                   .where(UnitYear.year_id == y.id).group_by(UnitYear.category)).all())


def progress_by_reviewer(y: AssessYear) -> list[Progress]:
    """Per reviewer (an account, else an office, else 未分配): ratings needed and given."""
    per_cat = _unit_counts(y)
    done = dict(db.session.execute(select(Rating.indicator_id, func.count(Rating.id))
                                   .where(Rating.year_id == y.id).group_by(Rating.indicator_id)).all())
    groups = {}
    for i in y.indicators:
        if i.method == Method.computed.value:
            continue
        label = (i.reviewer.display_name or i.reviewer.username) if i.reviewer is not None else \
            (i.office.name if i.office is not None else "未分配")
        p = groups.setdefault(label, Progress(label, 0, 0))
        p.needed += sum(per_cat.get(c, 0) for c in i.category_list)
        p.done += done.get(i.id, 0)
    return sorted(groups.values(), key=lambda p: p.label)


def progress_by_unit(y: AssessYear) -> list[tuple]:
    """(unit name, category label, materials reported, ratings given, ratings needed, late reports)."""
    needed = {c.value: sum(1 for i in y.indicators if c.value in i.category_list and i.method != Method.computed.value)
              for c in Category}
    rated = dict(db.session.execute(select(Rating.unit_id, func.count(Rating.id)).where(Rating.year_id == y.id)
                                    .group_by(Rating.unit_id)).all())
    mats = {u: (n, late) for u, n, late in db.session.execute(
        select(Material.unit_id, func.count(func.distinct(Material.indicator_id)),
               func.sum(case((Material.late.is_(True), 1), else_=0)))
        .join(Indicator, Indicator.id == Material.indicator_id).where(Indicator.year_id == y.id)
        .group_by(Material.unit_id))}
    rows = db.session.execute(select(UnitYear.unit_id, UnitYear.category, Unit.name)
                              .join(Unit, Unit.id == UnitYear.unit_id).where(UnitYear.year_id == y.id)
                              .order_by(UnitYear.category, Unit.name)).all()
    return [(name, Category.label_of(cat), mats.get(uid, (0, 0))[0], rated.get(uid, 0), needed[cat],
             int(mats.get(uid, (0, 0))[1] or 0)) for uid, cat, name in rows]


def indicator_page(y: AssessYear, indicator: Indicator) -> list[dict]:
    """For one indicator: every unit it applies to with its materials, current rating and rating history."""
    units = db.session.execute(select(UnitYear.unit_id, Unit.name).join(Unit, Unit.id == UnitYear.unit_id)
                               .where(UnitYear.year_id == y.id, UnitYear.category.in_(indicator.category_list))
                               .order_by(UnitYear.category, Unit.name)).all()
    ratings = {r.unit_id: r for r in db.session.scalars(select(Rating).where(Rating.indicator_id == indicator.id))}
    history = defaultdict(list)
    if ratings:
        for h in db.session.scalars(select(RatingHistory).where(RatingHistory.rating_id.in_(
                [r.id for r in ratings.values()])).order_by(RatingHistory.id)):
            history[h.rating_id].append(h)
    mats = defaultdict(list)
    for m in db.session.scalars(select(Material).where(Material.indicator_id == indicator.id)
                                .order_by(Material.id)):
        mats[m.unit_id].append(m)
    out = []
    for uid, name in units:
        r = ratings.get(uid)
        out.append({"unit_id": uid, "name": name, "rating": r, "history": history.get(r.id, []) if r else [],
                    "materials": mats.get(uid, [])})
    return out


def objections(y: AssessYear, unit_id: int | None = None) -> list[Objection]:
    q = select(Objection).where(Objection.year_id == y.id).order_by(Objection.id)
    if unit_id is not None:
        q = q.where(Objection.unit_id == unit_id)
    return list(db.session.scalars(q))


def adjustments(y: AssessYear) -> list[Adjustment]:
    return list(db.session.scalars(select(Adjustment).where(Adjustment.year_id == y.id).order_by(Adjustment.id)))


def unit_materials(y: AssessYear, unit_id: int) -> dict:
    out = defaultdict(list)
    for m in db.session.scalars(select(Material).join(Indicator, Indicator.id == Material.indicator_id)
                                .where(Indicator.year_id == y.id, Material.unit_id == unit_id)
                                .order_by(Material.id)):
        out[m.indicator_id].append(m)
    return out


def unit_category(y: AssessYear, unit_id: int) -> str | None:
    return db.session.scalar(select(UnitYear.category).where(UnitYear.year_id == y.id, UnitYear.unit_id == unit_id))


# ---- the leader's view -------------------------------------------------------------------------------------------

BANDS = ((Decimal(90), "90分以上"), (Decimal(80), "80–89.99分"), (Decimal(70), "70–79.99分"),
         (Decimal(60), "60–69.99分"), (Decimal(-1000), "60分以下"))


def distribution(y: AssessYear) -> dict:
    """{category label: {"grades": {grade label: n}, "bands": {band: n}, "count", "average"}} by aggregates."""
    band = case(*[(UnitYear.total >= lo, n) for n, (lo, _) in enumerate(BANDS)], else_=len(BANDS) - 1)
    out = {c.label: {"grades": {g.label: 0 for g in Grade}, "bands": {lbl: 0 for _, lbl in BANDS}, "count": 0,
                     "average": None} for c in Category}
    for cat, grade, b, n in db.session.execute(
            select(UnitYear.category, UnitYear.grade, band, func.count(UnitYear.id))
            .where(UnitYear.year_id == y.id, UnitYear.total.is_not(None))
            .group_by(UnitYear.category, UnitYear.grade, band)):
        d = out[Category.label_of(cat)]
        d["grades"][Grade.label_of(grade)] = d["grades"].get(Grade.label_of(grade), 0) + n
        d["bands"][BANDS[b][1]] += n
        d["count"] += n
    for cat, avg in db.session.execute(select(UnitYear.category, func.avg(UnitYear.total))
                                       .where(UnitYear.year_id == y.id, UnitYear.total.is_not(None))
                                       .group_by(UnitYear.category)):
        out[Category.label_of(cat)]["average"] = scoring.r2(Decimal(str(avg)))
    return out


def top_ranked(y: AssessYear, per_category: int = 10) -> dict:
    out = {}
    for c in Category:
        out[c.label] = db.session.execute(
            select(Unit.name, UnitYear.total, UnitYear.grade, UnitYear.rank).join(Unit, Unit.id == UnitYear.unit_id)
            .where(UnitYear.year_id == y.id, UnitYear.category == c.value, UnitYear.total.is_not(None))
            .order_by(UnitYear.rank, Unit.name).limit(per_category)).all()
    return out


def weakest_indicators(y: AssessYear, limit: int = 10) -> list[tuple]:
    """(序号, 指标, average percent of the points earned, ratings counted) for rated indicators, lowest first,
    from the figures the 汇总 kept (AssessYear.indicator_stats)."""
    stats = y.indicator_stats or {}
    inds = {str(i.id): i for i in y.indicators}
    rows = [(inds[k].code, inds[k].name, scoring.r2(Decimal(total) / n), n)
            for k, (total, n) in stats.items() if k in inds and n]
    return sorted(rows, key=lambda r: (r[2], r[0]))[:limit]


def year_on_year(limit: int = 10) -> list[dict]:
    """Per computed year: per category the average total and the 优秀 count, oldest first."""
    rows = db.session.execute(
        select(AssessYear.year, UnitYear.category, func.avg(UnitYear.total),
               func.sum(case((UnitYear.grade == Grade.excellent.value, 1), else_=0)), func.count(UnitYear.id))
        .join(UnitYear, UnitYear.year_id == AssessYear.id)
        .where(UnitYear.total.is_not(None), AssessYear.computed_at.is_not(None))
        .group_by(AssessYear.year, UnitYear.category).order_by(AssessYear.year)).all()
    years_ = {}
    for year, cat, avg, exc, n in rows:
        years_.setdefault(year, {"year": year, "categories": {}})["categories"][Category.label_of(cat)] = {
            "average": scoring.r2(Decimal(str(avg))), "excellent": int(exc or 0), "count": n}
    out = list(years_.values())[-limit:]
    for prev, cur in zip(out, out[1:]):
        for cat, d in cur["categories"].items():
            p = prev["categories"].get(cat)
            if p and cur["year"] == prev["year"] + 1:
                d["change"] = d["average"] - p["average"]
                d["growth"] = scoring.r2(d["change"] * 100 / p["average"]) if p["average"] else None
    return out

