"""The two filing registers, their history and their settings.

重大行政处罚备案 (PenaltyFiling): a unit files a decision online (or the office registers a paper filing with its scan,
or records a decision that was never filed); the office numbers it (备案号, gap-free per year) and decides.
规范性文件备案 (NormativeFiling): the same path, with the yearly 清理 marking each document's validity.

Whether a filing was on time is computed on read (queries.timeliness), never stored.
"""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..labels import LabelledEnum
from ..search import trigram_index
from ..timeutil import utcnow

PENALTY_DAYS_DEFAULT = 15  # 省政府令168号: within 15 days of the decision
NORMATIVE_DAYS_DEFAULT = 30  # 《法规规章备案条例》 and the province's rule: within 30 days of publication


class PenaltyStatus(LabelledEnum):
    draft = ("draft", "草稿", "secondary")
    submitted = ("submitted", "已报送待登记", "info")
    registered = ("registered", "已登记待审查", "primary")
    returned = ("returned", "退回补正", "warning")
    filed = ("filed", "予以备案", "success")
    objected = ("objected", "提出纠正意见", "danger")
    missing = ("missing", "未备案", "dark")


class PenaltyDecision(LabelledEnum):
    filed = ("filed", "予以备案", "success")
    returned = ("returned", "要求补正", "warning")
    objected = ("objected", "提出纠正意见", "danger")


class NormativeStatus(LabelledEnum):
    draft = ("draft", "草稿", "secondary")
    submitted = ("submitted", "已报送待登记", "info")
    registered = ("registered", "已登记待审查", "primary")
    approved = ("approved", "准予备案", "success")
    revise = ("revise", "建议修改", "warning")
    rejected = ("rejected", "不予备案", "danger")


class NormativeDecision(LabelledEnum):
    approved = ("approved", "准予备案", "success")
    revise = ("revise", "建议修改", "warning")
    rejected = ("rejected", "不予备案", "danger")


class Validity(LabelledEnum):
    """年度清理的结论."""

    valid = ("valid", "继续有效", "success")
    amended = ("amended", "修改", "warning")
    repealed = ("repealed", "废止", "secondary")


class PartyKind(LabelledEnum):
    person = ("person", "公民", "secondary")
    organisation = ("organisation", "法人或其他组织", "secondary")


class Source(LabelledEnum):
    online = ("online", "网上报送", "secondary")
    paper = ("paper", "纸质报送", "secondary")
    missing = ("missing", "监督室登记，单位未报送", "secondary")


class Timeliness(LabelledEnum):
    """On time or not: computed (queries.timeliness), never stored."""

    on_time = ("on_time", "按时备案", "success")
    late = ("late", "逾期备案", "danger")
    missing = ("missing", "未备案", "dark")
    pending = ("pending", "未到期", "secondary")
    unknown = ("unknown", "待定（工作日历未录入）", "secondary")


class FilingSettings(db.Model):
    """The one row of filing settings: the periods for filing, in calendar days."""

    __tablename__ = "filing_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    penalty_days: Mapped[int] = mapped_column(Integer, default=PENALTY_DAYS_DEFAULT)
    normative_days: Mapped[int] = mapped_column(Integer, default=NORMATIVE_DAYS_DEFAULT)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PenaltyFiling(db.Model):
    """One 重大行政处罚决定 and its filing."""

    __tablename__ = "penalty_filing"
    __table_args__ = (
        UniqueConstraint("unit_id", "decision_number", name="uq_penalty_filing_unit_decision"),
        # 备案号: gap-free per year; the constraint turns a clash of two registrations into a retry.
        UniqueConstraint("year", "seq", name="uq_penalty_filing_year_seq"),
        # The register (newest decisions first, one unit or all) and the yearly statistics per unit.
        Index("ix_penalty_filing_decision_date", "decision_date", "unit_id"),
        Index("ix_penalty_filing_unit_date", "unit_id", "decision_date"),
        Index("ix_penalty_filing_status", "status", "submitted_at"),
        trigram_index("ix_penalty_filing_party_trgm", "party_name"),
        trigram_index("ix_penalty_filing_number_trgm", "decision_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(20), default=PenaltyStatus.draft.value)
    source: Mapped[str] = mapped_column(String(20), default=Source.online.value)
    decision_number: Mapped[str] = mapped_column(String(100))  # 决定书文号
    party_kind: Mapped[str] = mapped_column(String(20), default=PartyKind.person.value)
    party_name: Mapped[str] = mapped_column(String(200), default="")  # 当事人
    party_id_masked: Mapped[str] = mapped_column(String(40), default="")  # 身份证号/统一社会信用代码, masked
    cause: Mapped[str] = mapped_column(String(300), default="")  # 案由
    penalty: Mapped[str] = mapped_column(String(300), default="")  # 处罚种类和金额
    decision_date: Mapped[date] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # first reached the office
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # latest 报送
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)  # 备案号
    legality_note: Mapped[str] = mapped_column(Text, default="")  # 合法性审查意见
    appropriateness_note: Mapped[str] = mapped_column(Text, default="")  # 适当性审查意见
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")  # the office's note (how a missing filing was found)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), nullable=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")
    letter = relationship("Letter")
    visit = relationship("Visit")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    kind = "penalty"

    @property
    def status_label(self) -> str:
        return PenaltyStatus.label_of(self.status)

    @property
    def status_css(self) -> str:
        return PenaltyStatus(self.status).css

    @property
    def party_kind_label(self) -> str:
        return PartyKind.label_of(self.party_kind)

    @property
    def source_label(self) -> str:
        return Source.label_of(self.source)

    @property
    def editable_by_unit(self) -> bool:
        return self.status in (PenaltyStatus.draft.value, PenaltyStatus.returned.value)

    @property
    def display_name(self) -> str:
        return self.number or f"重大行政处罚备案（{self.decision_number}）"


class NormativeFiling(db.Model):
    """One 规范性文件 and its filing, with the yearly 清理."""

    __tablename__ = "normative_filing"
    __table_args__ = (
        UniqueConstraint("unit_id", "doc_number", name="uq_normative_filing_unit_doc"),
        UniqueConstraint("year", "seq", name="uq_normative_filing_year_seq"),
        Index("ix_normative_filing_published", "published_on", "unit_id"),
        Index("ix_normative_filing_unit_published", "unit_id", "published_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(20), default=NormativeStatus.draft.value)
    source: Mapped[str] = mapped_column(String(20), default=Source.online.value)
    title: Mapped[str] = mapped_column(String(300))
    doc_number: Mapped[str] = mapped_column(String(100))  # 文号
    published_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    validity: Mapped[str] = mapped_column(String(20), default="")  # Validity code; "" = not reviewed yet
    validity_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    validity_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    validity_note: Mapped[str] = mapped_column(Text, default="")
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), nullable=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")
    letter = relationship("Letter")
    visit = relationship("Visit")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    kind = "normative"

    @property
    def status_label(self) -> str:
        return NormativeStatus.label_of(self.status)

    @property
    def status_css(self) -> str:
        return NormativeStatus(self.status).css

    @property
    def validity_label(self) -> str:
        return Validity.label_of(self.validity) if self.validity else "未清理"

    @property
    def editable_by_unit(self) -> bool:
        return self.status == NormativeStatus.draft.value

    @property
    def display_name(self) -> str:
        return self.number or f"规范性文件备案（{self.doc_number}）"


class FilingEvent(db.Model):
    """The history of a filing as its people saw it: 报送, 退回补正 with the reasons, 重新报送, the decision."""

    __tablename__ = "filing_event"
    __table_args__ = (Index("ix_filing_event_filing", "filing_kind", "filing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_kind: Mapped[str] = mapped_column(String(20))  # penalty / normative
    filing_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    user = relationship("User")


EVENT_ACTIONS = {"submit": "报送", "resubmit": "补正后重新报送", "register": "登记", "return": "退回补正",
                 "filed": "予以备案", "objected": "提出纠正意见", "approved": "准予备案", "revise": "建议修改",
                 "rejected": "不予备案", "paper": "登记纸质报送", "missing": "登记未备案的决定",
                 "validity": "年度清理"}
