"""案卷评查: the scored standard (评查标准, versioned), campaigns, the case files units list, and deductions.

A case's score is never stored: it is the standard's total less its deductions (queries.score_columns), and
不合格 is "score under the campaign's threshold, or a deduction on a 严重问题 item" — both computed on read.
"""
from datetime import date, datetime

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..labels import LabelledEnum
from ..timeutil import utcnow
from ..visits import models as _visits_models  # noqa: F401  (Problem and Visit mapped first)


class Dimension(LabelledEnum):
    """The six dimensions of a 评查标准 (seed 004's four areas, plus 文书制作 and 归档)."""

    subject = ("subject", "执法主体")
    evidence = ("evidence", "事实与证据")
    law = ("law", "适用法律")
    procedure = ("procedure", "执法程序")
    documents = ("documents", "文书制作")
    archive = ("archive", "归档")


class CampaignStatus(LabelledEnum):
    open = ("open", "评查中", "primary")
    closed = ("closed", "已结束", "secondary")


class CaseState(LabelledEnum):
    """Where a case file stands, computed (never stored)."""

    waiting = ("waiting", "待评查", "secondary")
    passed = ("passed", "合格", "success")
    failed = ("failed", "不合格", "danger")


class CaseStandard(db.Model):
    """One version of the 评查标准. Editing (importing) makes a new version; a campaign keeps the one it used."""

    __tablename__ = "case_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200), default="行政执法案卷评查标准")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    items: Mapped[list["StandardItem"]] = relationship(
        back_populates="standard", order_by="StandardItem.seq", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return f"第{self.version}版"

    @property
    def total_points(self) -> int:
        return sum(i.points for i in self.items)


class StandardItem(db.Model):
    __tablename__ = "case_standard_item"
    __table_args__ = (UniqueConstraint("standard_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("case_standard.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(20))  # Dimension code
    name: Mapped[str] = mapped_column(String(300))
    points: Mapped[int] = mapped_column(Integer)
    serious: Mapped[bool] = mapped_column(Boolean, default=False)  # 严重问题: any deduction fails the case

    standard: Mapped[CaseStandard] = relationship(back_populates="items")

    @property
    def dimension_label(self) -> str:
        return Dimension.label_of(self.dimension)


case_campaign_reviewer = Table(
    "case_campaign_reviewer",
    db.metadata,
    Column("campaign_id", ForeignKey("case_campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class Campaign(db.Model):
    """One 案卷评查: the cases closed (办结) in a period, from the units sampled, scored by its reviewers."""

    __tablename__ = "case_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    standard_id: Mapped[int] = mapped_column(ForeignKey("case_standard.id"))
    threshold: Mapped[int] = mapped_column(Integer, default=60)  # under it a case is 不合格
    cases_per_unit: Mapped[int] = mapped_column(Integer, default=5)  # how many case files each unit lists
    sample_seed: Mapped[int | None] = mapped_column(Integer, nullable=True)  # random sampling: reproducible
    sample_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.open.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    standard: Mapped[CaseStandard] = relationship()
    reviewers = relationship("User", secondary=case_campaign_reviewer, order_by="User.id")
    units: Mapped[list["CampaignUnit"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignUnit.id")
    mappings: Mapped[list["DimensionMapping"]] = relationship(
        cascade="all, delete-orphan", order_by="DimensionMapping.dimension")

    @property
    def status_label(self) -> str:
        return CampaignStatus.label_of(self.status)

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.open.value

    def item_key_for(self, dimension: str) -> str:
        for m in self.mappings:
            if m.dimension == dimension:
                return m.item_key
        return ""


class DimensionMapping(db.Model):
    """Which check item (visits' catalogue, by its stable key) a dimension's problems are recorded under."""

    __tablename__ = "case_dimension_map"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("case_campaign.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(40))


class CampaignUnit(db.Model):
    """A unit sampled for a campaign, and the one 案卷评查 visit its problems were recorded in (once made)."""

    __tablename__ = "case_campaign_unit"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("case_campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), nullable=True)

    campaign: Mapped[Campaign] = relationship(back_populates="units")
    unit = relationship("Unit")
    visit = relationship("Visit")


class CaseFile(db.Model):
    """One case file a unit listed for a campaign, and its review."""

    __tablename__ = "case_file"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "number"),
        # A campaign's results and its case list: the campaign's cases of one unit from the index.
        Index("ix_case_file_campaign_unit", "campaign_id", "unit_id", "id"),
        # The annual summary per unit (yearly_case_scores): a year's cases by their 办结 date.
        Index("ix_case_file_closed", "closed_on", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("case_campaign.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    number: Mapped[str] = mapped_column(String(200))  # 案号 / 决定书文号
    party: Mapped[str] = mapped_column(String(200))  # 当事人
    cause: Mapped[str] = mapped_column(String(300))  # 案由
    closed_on: Mapped[date] = mapped_column(Date)  # 办结日期
    major: Mapped[bool] = mapped_column(Boolean, default=False)  # 重大行政处罚
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    # Bumped on every save of the review: a form posted with an older number is a concurrent edit, refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    unit = relationship("Unit")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    deductions: Mapped[list["Deduction"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Deduction.item_id")

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class Deduction(db.Model):
    """Points taken off one case for one standard item, with the reviewer's note; optionally 列为问题."""

    __tablename__ = "case_deduction"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("case_standard_item.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    as_problem: Mapped[bool] = mapped_column(Boolean, default=False)  # 列为问题
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"), nullable=True)

    case: Mapped[CaseFile] = relationship(back_populates="deductions")
    item: Mapped[StandardItem] = relationship()
