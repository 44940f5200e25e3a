"""日常工作情况评价: the admin's settings of each daily rule for a year (weight, on/off, the rule's parameters).

No row means the rule's defaults (or, for a year never set, the latest earlier year's settings): reading the
settings never writes. The scores themselves are not stored: daily.evaluate computes them from the records on read.
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import register_labels
from ..extensions import db
from ..timeutil import utcnow


class DailyRuleSetting(db.Model):
    """One rule's settings for one year."""

    __tablename__ = "assessment_daily_setting"
    __table_args__ = (UniqueConstraint("year", "code", name="uq_assessment_daily_setting_year_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def params(self) -> dict:
        try:
            value = json.loads(self.params_json or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


register_labels(
    record_types={"assessment_daily_setting": "日常评价规则设置"},
    actions={"save_daily_settings": "保存日常评价规则"},
    fields={"enabled": "是否计分", "weight": "分值", "params": "参数"},
)
