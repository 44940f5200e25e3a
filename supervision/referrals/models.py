"""Two registers kept by the office, seen only by the admin and the leader (seed 003, 六、(二)):
违法违纪线索 handed to the 县纪检监察, and 行政执法过错责任追究 cases under 省政府令187号."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

DEFAULT_RECIPIENT = "县纪委监委"


class Clue(db.Model):
    """A 违法违纪线索 handed over: what, when, to whom, and the reply and its date once it comes."""

    __tablename__ = "referral_clue"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    matter: Mapped[str] = mapped_column(Text)  # 线索内容
    handed_on: Mapped[date] = mapped_column(Date, index=True)  # 移交日期
    recipient: Mapped[str] = mapped_column(String(100), default=DEFAULT_RECIPIENT)  # 移交对象
    reply: Mapped[str] = mapped_column(Text, default="")  # 反馈情况
    replied_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 反馈日期
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")


class FaultCase(db.Model):
    """A 行政执法过错责任追究 case (省政府令187号): unit, person (name only), matter, decision, date."""

    __tablename__ = "referral_fault_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    person: Mapped[str] = mapped_column(String(50))  # 责任人姓名, nothing else about them
    matter: Mapped[str] = mapped_column(Text)  # 过错事项
    decision: Mapped[str] = mapped_column(Text)  # 追究决定
    decided_on: Mapped[date] = mapped_column(Date, index=True)  # 决定日期
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")
