"""Reading 案卷评查: campaigns, case lists with their scores, the results per unit, the deductions most often
made, and the yearly summary per unit for the annual 考核.

A case's score is computed in SQL, never stored: the total of its campaign's standard less the points of its
deductions (`Scores`: only the deductions of the files asked about, so a page costs the same at any scale)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select

from ..accounts.models import Role
from ..directory.models import Unit
from ..extensions import db
from .models import (Campaign, CampaignUnit, CaseFile, CaseStandard, CaseState, Deduction, StandardItem,
                     case_campaign_reviewer)


def latest_standard() -> CaseStandard | None:
    """The newest version of the 评查标准, or None before the first is saved (read only)."""
    return db.session.execute(select(CaseStandard).order_by(CaseStandard.version.desc()).limit(1)).scalar()


class Scores:
    """A case's score and 不合格 for the case files matching `where` (conditions on CaseFile): the deductions of
    just those files summed once (a grouped subquery) and the standard's total — so a campaign's page or a year's
    summary reads its own few thousand deductions, never all of them. Join `.joins(q)` to a select from CaseFile."""

    def __init__(self, *where):
        self.deducted = (
            select(Deduction.case_id.label("case_id"), func.sum(Deduction.points).label("points"),
                   func.max(case((StandardItem.serious, 1), else_=0)).label("serious"))
            .join(StandardItem, StandardItem.id == Deduction.item_id)
            .join(CaseFile, CaseFile.id == Deduction.case_id)
            .where(*where).group_by(Deduction.case_id).subquery())
        self.totals = (select(StandardItem.standard_id.label("standard_id"),
                              func.sum(StandardItem.points).label("total"))
                       .group_by(StandardItem.standard_id).subquery())
        points = self.totals.c.total - func.coalesce(self.deducted.c.points, 0)
        self.score = case((CaseFile.reviewed_at.is_(None), None), else_=points).label("score")
        failed = and_(CaseFile.reviewed_at.isnot(None),
                      or_(points < Campaign.threshold, func.coalesce(self.deducted.c.serious, 0) == 1))
        self.failed = case((failed, True), else_=False).label("failed")

    def joins(self, q):
        return (q.join(Campaign, Campaign.id == CaseFile.campaign_id)
                .join(self.totals, self.totals.c.standard_id == Campaign.standard_id)
                .outerjoin(self.deducted, self.deducted.c.case_id == CaseFile.id))


def campaigns_select(user):
    """The campaigns `user` may see ("casereview.view" in SQL), newest first."""
    q = select(Campaign).order_by(Campaign.period_end.desc(), Campaign.id.desc())
    if user.role == Role.inspector.value:
        q = q.where(exists().where(case_campaign_reviewer.c.campaign_id == Campaign.id,
                                   case_campaign_reviewer.c.user_id == user.id))
    return q


def campaign_counts(campaign_ids) -> dict[int, tuple[int, int, int]]:
    """campaign id → (units, cases listed, cases reviewed), one query."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    units = (select(func.count()).where(CampaignUnit.campaign_id == Campaign.id).correlate(Campaign)
             .scalar_subquery())
    rows = db.session.execute(
        select(Campaign.id, units, func.count(CaseFile.id), func.count(CaseFile.reviewed_at))
        .outerjoin(CaseFile, CaseFile.campaign_id == Campaign.id)
        .where(Campaign.id.in_(ids)).group_by(Campaign.id)).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def campaigns_of_unit(unit_id: int):
    """The campaigns a unit was sampled for, with its case count, newest first (rows)."""
    listed = (select(func.count(CaseFile.id)).where(CaseFile.campaign_id == Campaign.id,
                                                    CaseFile.unit_id == unit_id)
              .correlate(Campaign).scalar_subquery())
    return db.session.execute(
        select(Campaign, listed.label("listed"))
        .join(CampaignUnit, and_(CampaignUnit.campaign_id == Campaign.id, CampaignUnit.unit_id == unit_id))
        .order_by(Campaign.period_end.desc(), Campaign.id.desc())).all()


@dataclass
class CaseRow:
    case: CaseFile
    unit_name: str
    score: int | None
    failed: bool

    @property
    def state(self) -> CaseState:
        if self.score is None:
            return CaseState.waiting
        return CaseState.failed if self.failed else CaseState.passed


def case_rows_select(campaign_id: int, unit_id: int | None = None):
    where = [CaseFile.campaign_id == campaign_id]
    if unit_id:
        where.append(CaseFile.unit_id == unit_id)
    sc = Scores(*where)
    q = sc.joins(select(CaseFile, Unit.name, sc.score, sc.failed)).join(Unit, Unit.id == CaseFile.unit_id)
    return q.where(*where).order_by(CaseFile.unit_id, CaseFile.id)


def case_rows(campaign_id: int, unit_id: int | None = None, limit: int | None = None,
              offset: int = 0) -> list[CaseRow]:
    q = case_rows_select(campaign_id, unit_id)
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return [CaseRow(c, name, s, bool(f)) for c, name, s, f in db.session.execute(q)]


def case_count(campaign_id: int, unit_id: int | None = None) -> int:
    q = select(func.count(CaseFile.id)).where(CaseFile.campaign_id == campaign_id)
    if unit_id:
        q = q.where(CaseFile.unit_id == unit_id)
    return db.session.execute(q).scalar()


def case_score(case_file: CaseFile) -> CaseRow:
    sc = Scores(CaseFile.id == case_file.id)
    s, f = db.session.execute(sc.joins(select(sc.score, sc.failed).select_from(CaseFile))
                              .where(CaseFile.id == case_file.id)).one()
    return CaseRow(case_file, case_file.unit.name, s, bool(f))


@dataclass
class UnitResult:
    campaign_unit_id: int
    unit_id: int
    unit_name: str
    visit_id: int | None
    listed: int
    reviewed: int
    average: float | None
    worst: int | None
    failed: int


def unit_results(campaign_id: int) -> list[UnitResult]:
    """Each sampled unit's cases listed and reviewed, average and worst score, cases failed: one query."""
    sc = Scores(CaseFile.campaign_id == campaign_id)
    per_case = (sc.joins(select(CaseFile.unit_id, CaseFile.reviewed_at, sc.score, sc.failed))
                .where(CaseFile.campaign_id == campaign_id).subquery())
    rows = db.session.execute(
        select(CampaignUnit.id, Unit.id, Unit.name, CampaignUnit.visit_id, func.count(per_case.c.unit_id),
               func.count(per_case.c.reviewed_at), func.avg(per_case.c.score), func.min(per_case.c.score),
               func.coalesce(func.sum(case((per_case.c.failed, 1), else_=0)), 0))
        .join(Unit, Unit.id == CampaignUnit.unit_id)
        .outerjoin(per_case, per_case.c.unit_id == CampaignUnit.unit_id)
        .where(CampaignUnit.campaign_id == campaign_id)
        .group_by(CampaignUnit.id, Unit.id, Unit.name, CampaignUnit.visit_id)
        .order_by(Unit.kind, Unit.name)).all()
    return [UnitResult(r[0], r[1], r[2], r[3], r[4], r[5], float(r[6]) if r[6] is not None else None,
                       int(r[7]) if r[7] is not None else None, int(r[8])) for r in rows]


@dataclass
class DeductionCount:
    dimension: str
    name: str
    serious: bool
    times: int
    points: int

    @property
    def dimension_label(self) -> str:
        from .models import Dimension

        return Dimension.label_of(self.dimension)


def top_deductions(campaign_id: int, limit: int = 10) -> list[DeductionCount]:
    """The standard items most often deducted across the campaign's units."""
    rows = db.session.execute(
        select(StandardItem.dimension, StandardItem.name, StandardItem.serious, func.count(Deduction.id),
               func.sum(Deduction.points))
        .join(Deduction, Deduction.item_id == StandardItem.id)
        .join(CaseFile, CaseFile.id == Deduction.case_id)
        .where(CaseFile.campaign_id == campaign_id)
        .group_by(StandardItem.id, StandardItem.dimension, StandardItem.name, StandardItem.serious)
        .order_by(func.count(Deduction.id).desc(), StandardItem.id).limit(limit)).all()
    return [DeductionCount(r[0], r[1], bool(r[2]), int(r[3]), int(r[4] or 0)) for r in rows]


@dataclass(frozen=True)
class CaseYearSummary:
    """A unit's reviewed case files closed (办结) in a year: how many, the average and the worst score, how
    many failed (under the campaign's threshold or with a 严重问题)."""

    cases: int
    average: float
    worst: int
    failed: int


def yearly_case_scores(year: int) -> dict[int, CaseYearSummary]:
    """unit id → CaseYearSummary of the reviewed cases 办结 in `year`, for the annual 考核. One query."""
    where = (CaseFile.closed_on >= date(year, 1, 1), CaseFile.closed_on <= date(year, 12, 31),
             CaseFile.reviewed_at.isnot(None))
    sc = Scores(*where)
    per_case = sc.joins(select(CaseFile.unit_id, sc.score, sc.failed)).where(*where).subquery()
    rows = db.session.execute(
        select(per_case.c.unit_id, func.count(), func.avg(per_case.c.score), func.min(per_case.c.score),
               func.sum(case((per_case.c.failed, 1), else_=0)))
        .group_by(per_case.c.unit_id)).all()
    return {r[0]: CaseYearSummary(int(r[1]), round(float(r[2]), 1), int(r[3]), int(r[4] or 0)) for r in rows}
