"""The year's 日常监督分组计划: slots (one month-week each), their units, their inspectors.

A slot's status (planned / done / missed) is derived from the visits recorded against it, never stored:
see queries.slot_statuses().
"""
from datetime import date, datetime

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table,
                        UniqueConstraint)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..labels import LabelledEnum
from ..timeutil import utcnow

CN_NUMERALS = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals: 3 -> 三, 12 -> 十二."""
    if n <= 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + (CN_NUMERALS[n - 10] if n % 10 else "")
    return CN_NUMERALS[n // 10] + "十" + (CN_NUMERALS[n % 10] if n % 10 else "")


# One way to name a week of the plan on every page, message and export: 2022年11月第1周 (the importer still reads
# 十一月 / 第一周 as the county's tables write them).
def month_label(month: int) -> str:
    return f"{month}月"


def week_label(week: int) -> str:
    return f"第{week}周"


def slot_title(year: int, month: int, week: int) -> str:
    """2022年11月第1周."""
    return f"{year}年{month_label(month)}{week_label(week)}"


class SlotStatus(LabelledEnum):
    """Derived state of a slot; each member carries its Chinese label and badge colour."""

    planned = ("planned", "计划中", "secondary")
    done = ("done", "已完成", "success")
    missed = ("missed", "已逾期未完成", "danger")


slot_inspector = Table(
    "schedule_slot_inspector",
    db.metadata,
    Column("slot_id", ForeignKey("schedule_slot.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class SlotUnit(db.Model):
    """One unit planned in a slot, in the order the table lists it."""

    __tablename__ = "schedule_slot_unit"
    slot_id: Mapped[int] = mapped_column(ForeignKey("schedule_slot.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    unit = relationship("Unit")
    slot = relationship("Slot", back_populates="entries")

    def __init__(self, unit=None, **kw):
        super().__init__(**kw)
        if unit is not None:
            self.unit = unit


class Slot(db.Model):
    """One week of the plan: (year, month, week N) -> Monday-Friday dates, units, lead office, inspectors.

    Week N is the week whose Monday is the month's Nth Monday (queries.week_dates). The admin may override
    the dates of one slot; dates_overridden marks that, and a re-import keeps the override.
    """

    __tablename__ = "schedule_slot"
    __table_args__ = (UniqueConstraint("year", "month", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    month: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    dates_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    override_note: Mapped[str] = mapped_column(String(200), default="")
    lead_office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    lead_office = relationship("Office")
    entries: Mapped[list[SlotUnit]] = relationship(
        SlotUnit, back_populates="slot", order_by=SlotUnit.position, collection_class=ordering_list("position"),
        cascade="all, delete-orphan")
    # Ordered list of Unit; append/assign works (the position follows the list order).
    units: AssociationProxy[list] = association_proxy("entries", "unit", creator=lambda u: SlotUnit(unit=u))
    inspectors = relationship("User", secondary=slot_inspector, order_by="User.id")

    @property
    def month_label(self) -> str:
        return month_label(self.month)

    @property
    def week_label(self) -> str:
        return week_label(self.week)

    @property
    def label(self) -> str:
        """3月第1周."""
        return f"{self.month_label}{self.week_label}"

    @property
    def title(self) -> str:
        """2021年3月第1周."""
        return slot_title(self.year, self.month, self.week)

    @property
    def unit_names(self) -> str:
        return "、".join(u.name for u in self.units)

    def __repr__(self) -> str:
        return f"<Slot {self.year} {self.label}>"


class UnitAlias(db.Model):
    """A name used in a plan table, mapped once by the admin to a unit of the directory; remembered."""

    __tablename__ = "schedule_unit_alias"
    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(100), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit")


class FeedToken(db.Model):
    """The secret in an inspector's .ics feed address (calendar clients cannot log in).

    Only its SHA-256 is stored (hex): the address carries the secret, a copy of the database does not. It is
    shown once, when made; revoked on password reset and deactivation.
    """

    __tablename__ = "schedule_feed_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user = relationship("User")
