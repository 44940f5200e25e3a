"""The organisation profile, the three offices of 附件二 and the 受监督单位."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

UNIT_KINDS = ("乡镇", "县直")

# 鲁法政办〔2021〕4号 附件二 and 附件三: the values the county starts with; the admin edits them in the app.
DEFAULT_PROFILE = {
    "issuing_authority": "鲁山县法治政府建设领导小组办公室",
    "letter_prefix": "鲁政行监字",
    "reply_office": "鲁山县司法局行政执法协调监督室",
    "reply_address": "司法大楼504",
    "contact_person": "",
    "contact_phone": "0375-7653158",
    "reply_period_days": 30,
}
DEFAULT_OFFICES = [
    ("法治调研督察室", "0375-7653020"),
    ("政策法规室", "0375-7653029"),
    ("行政执法协调监督室", "0375-7653158"),
]


class OrgProfile(db.Model):
    """One record: who issues letters and where replies go. No template hard-codes these."""

    __tablename__ = "org_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    issuing_authority: Mapped[str] = mapped_column(String(100))
    letter_prefix: Mapped[str] = mapped_column(String(30))
    reply_office: Mapped[str] = mapped_column(String(100))
    reply_address: Mapped[str] = mapped_column(String(200))
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    reply_period_days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def reply_place(self) -> str:
        """鲁山县司法局行政执法协调监督室（司法大楼504） as the letter writes it."""
        if self.reply_address:
            return f"{self.reply_office}（{self.reply_address}）"
        return self.reply_office


class Office(db.Model):
    """A 科室 of the justice bureau whose staff form inspection groups (附件二)."""

    __tablename__ = "office"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Unit(db.Model):
    """受监督单位. Never hard-deleted once it has records; deactivated instead."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # 乡镇 / 县直
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"
