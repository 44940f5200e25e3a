"""Reading 案卷评查: campaigns, case lists with their scores, the results per unit, the deductions most often
made, and the yearly summary per unit for the annual 考核.

A case's score is computed in SQL, never stored: the total of its campaign's standard less the points of its
deductions (correlated subqueries on indexed columns, so a page costs the same at any scale)."""
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


def _total_points():
    return (select(func.coalesce(func.sum(StandardItem.points), 0))
            .where(StandardItem.standard_id == Campaign.standard_id).correlate(Campaign).scalar_subquery())


def _deducted():
    return (select(func.coalesce(func.sum(Deduction.points), 0))
            .where(Deduction.case_id == CaseFile.id).correlate(CaseFile).scalar_subquery())


def _serious():
    return exists().where(Deduction.case_id == CaseFile.id, StandardItem.id == Deduction.item_id,
                          StandardItem.serious.is_(True)).correlate(CaseFile)


def score_columns():
    """(score, failed) of a CaseFile row joined with its Campaign: null and false while not reviewed."""
    score = case((CaseFile.reviewed_at.is_(None), None), else_=_total_points() - _deducted())
    failed = and_(CaseFile.reviewed_at.isnot(None), or_(_total_points() - _deducted() < Campaign.threshold,
                                                        _serious()))
    return score.label("score"), case((failed, True), else_=False).label("failed")


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
    score, failed = score_columns()
    q = (select(CaseFile, Unit.name, score, failed)
         .join(Campaign, Campaign.id == CaseFile.campaign_id).join(Unit, Unit.id == CaseFile.unit_id)
         .where(CaseFile.campaign_id == campaign_id))
    if unit_id:
        q = q.where(CaseFile.unit_id == unit_id)
    return q.order_by(CaseFile.unit_id, CaseFile.id)


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
    score, failed = score_columns()
    s, f = db.session.execute(select(score, failed).select_from(CaseFile)
                              .join(Campaign, Campaign.id == CaseFile.campaign_id)
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
    score, failed = score_columns()
    per_case = (select(CaseFile.unit_id, CaseFile.reviewed_at, score, failed)
                .join(Campaign, Campaign.id == CaseFile.campaign_id)
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
    score, failed = score_columns()
    per_case = (select(CaseFile.unit_id, score, failed)
                .join(Campaign, Campaign.id == CaseFile.campaign_id)
                .where(CaseFile.closed_on >= date(year, 1, 1), CaseFile.closed_on <= date(year, 12, 31),
                       CaseFile.reviewed_at.isnot(None)).subquery())
    rows = db.session.execute(
        select(per_case.c.unit_id, func.count(), func.avg(per_case.c.score), func.min(per_case.c.score),
               func.sum(case((per_case.c.failed, 1), else_=0)))
        .group_by(per_case.c.unit_id)).all()
    return {r[0]: CaseYearSummary(int(r[1]), round(float(r[2]), 1), int(r[3]), int(r[4] or 0)) for r in rows}
