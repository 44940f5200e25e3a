"""年度依法行政考核: the year's scheme (indicator tree), materials, ratings, 加减分, results, 异议 and 更正."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..labels import LabelledEnum
from ..timeutil import utcnow


class Category(LabelledEnum):
    """Who is assessed, from directory.Unit.kind."""
    township = ("乡镇", "乡镇（街道）")
    county = ("县直", "县直部门")


class Component(LabelledEnum):
    materials = ("materials", "依法行政工作资料评判")
    daily = ("daily", "日常工作情况评价")


class Method(LabelledEnum):
    rated = ("rated", "评审评定")
    computed = ("computed", "系统计算")
    entered = ("entered", "录入得分")


class RatingValue(LabelledEnum):
    excellent = ("excellent", "优")
    good = ("good", "良")
    fair = ("fair", "中")
    poor = ("poor", "差")
    na = ("na", "不适用")


class YearStatus(LabelledEnum):
    draft = ("draft", "方案编制")
    scoring = ("scoring", "评分")
    summary = ("summary", "汇总")
    feedback = ("feedback", "反馈")
    review = ("review", "复核")
    confirmed = ("confirmed", "审定")


class Grade(LabelledEnum):
    excellent = ("excellent", "优秀")
    good = ("good", "良好")
    pass_ = ("pass", "合格")
    fail = ("fail", "不合格")


class ObjectionStatus(LabelledEnum):
    open = ("open", "待复核")
    answered = ("answered", "已复核")


STATUS_ORDER = [s.value for s in YearStatus]
MONEY = Numeric(8, 2)


class AssessYear(db.Model):
    """One year's 考核: its scheme settings, where it stands in the flow, and the editable 通报 texts."""

    __tablename__ = "assess_year"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=YearStatus.draft.value)
    full_score: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(100))
    scheme_version: Mapped[int] = mapped_column(Integer, default=1)
    bonus_min: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.25"))
    bonus_max: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(1))
    bonus_cap: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(5))
    penalty_per_case: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(1))
    penalty_cap: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(10))
    objection_days: Mapped[int] = mapped_column(Integer, default=5)  # working days after 反馈 starts
    grading: Mapped[dict] = mapped_column(JSON, default=dict)  # {category code: GradeRule.to_dict()}
    materials_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    feedback_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    computed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)  # a rating or 加减分 changed since the 汇总
    confirmed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)  # 通报 published: results may be shown
    texts: Mapped[dict] = mapped_column(JSON, default=dict)  # 通报 editable parts: work / problems / requirements
    # per rated indicator at the 汇总: {indicator id: [sum of the rating percents, ratings counted]} (the leader's
    # weakest indicators without reading every rating again)
    indicator_stats: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="year_row", order_by="Indicator.sort", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return YearStatus.label_of(self.status)

    @property
    def scheme_locked(self) -> bool:
        return self.status != YearStatus.draft.value

    @property
    def locked(self) -> bool:
        return self.status == YearStatus.confirmed.value

    def reached(self, status: str) -> bool:
        return STATUS_ORDER.index(self.status) >= STATUS_ORDER.index(status)


class Indicator(db.Model):
    """A 三级指标 with its place in the tree (一级 / 二级 names), points, 评分标准 and who it applies to."""

    __tablename__ = "assess_indicator"
    __table_args__ = (UniqueConstraint("year_id", "code", name="uq_assess_indicator_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("assess_year.id", ondelete="CASCADE"), index=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(30))  # 序号, e.g. 1.2.3
    level1: Mapped[str] = mapped_column(String(200), default="")
    level2: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(300))
    points: Mapped[Decimal] = mapped_column(MONEY)
    criteria: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[str] = mapped_column(String(40))  # comma-separated Category codes
    component: Mapped[str] = mapped_column(String(20), default=Component.materials.value)
    method: Mapped[str] = mapped_column(String(20), default=Method.rated.value)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), nullable=True)

    year_row: Mapped[AssessYear] = relationship(back_populates="indicators")
    reviewer = relationship("User")
    office = relationship("Office")

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]

    @property
    def path(self) -> str:
        return " / ".join(p for p in (self.level1, self.level2, self.name) if p)


class Material(db.Model):
    """A unit's report for one indicator: a comment and files (uploads.Attachment owner "assess_material")."""

    __tablename__ = "assess_material"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("assess_indicator.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship()
    unit = relationship("Unit")
    submitted_by = relationship("User")


class Rating(db.Model):
    """The current rating (or entered percent) of one indicator for one unit; `version` guards concurrent edits."""

    __tablename__ = "assess_rating"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id", name="uq_assess_rating"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("assess_year.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("assess_indicator.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    rating: Mapped[str] = mapped_column(String(20), default="")  # RatingValue code; "" for an entered percent
    percent: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)  # entered indicators
    reason: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    rated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    indicator: Mapped[Indicator] = relationship()
    rated_by = relationship("User")


class RatingHistory(db.Model):
    """Every rating ever given, oldest first: the indicator page shows it."""

    __tablename__ = "assess_rating_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("assess_rating.id", ondelete="CASCADE"), index=True)
    rating: Mapped[str] = mapped_column(String(20), default="")
    percent: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    by = relationship("User")


class UnitYear(db.Model):
    """One assessed unit in one year: its category, its 日常 percent, and the stored 汇总 (the result as computed
    at `computed_at` — a record of that step, like an issued document, not a value kept in step: a later change
    marks the year stale until it is computed again). The per-indicator lines are worked out on read from the
    ratings (queries.unit_result), by the same rule as the 汇总 (operations.earned)."""

    __tablename__ = "assess_unit"
    __table_args__ = (UniqueConstraint("year_id", "unit_id", name="uq_assess_unit"),
                      Index("ix_assess_unit_rank", "year_id", "category", "rank"))
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("assess_year.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    category: Mapped[str] = mapped_column(String(10))
    daily_percent: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    materials: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    daily: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    internal: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    bonus: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    penalty: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    total: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    grade: Mapped[str] = mapped_column(String(20), default="")
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    barred: Mapped[bool] = mapped_column(Boolean, default=False)

    unit = relationship("Unit")


class Adjustment(db.Model):
    """A 加减分 entry: points (+0.25..+1 or −1), reason, evidence (uploads owner "assess_adjustment")."""

    __tablename__ = "assess_adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("assess_year.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    points: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)
    bars_excellent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")


class Objection(db.Model):
    """异议 a unit files against its own result during 反馈; 复核 records the answer."""

    __tablename__ = "assess_objection"
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("assess_year.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("assess_indicator.id", ondelete="SET NULL"),
                                                     nullable=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.open.value)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    filed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    unit = relationship("Unit")
    indicator = relationship("Indicator")


class Correction(db.Model):
    """更正 of a confirmed (审定) year: the old result is kept here next to the new one."""

    __tablename__ = "assess_correction"
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("assess_year.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")
