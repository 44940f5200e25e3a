"""The audit log: one table, one function every state change calls."""
import json
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(50), default="")  # kept even if the user is renamed
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[str] = mapped_column(Text, default="")  # JSON
    after: Mapped[str] = mapped_column(Text, default="")  # JSON
    address: Mapped[str] = mapped_column(String(64), default="")

    user = relationship("User")

    @property
    def before_data(self):
        return json.loads(self.before) if self.before else None

    @property
    def after_data(self):
        return json.loads(self.after) if self.after else None


def _dump(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record(action: str, obj=None, *, record_type: str | None = None, record_id: int | None = None,
           summary: str = "", before=None, after=None, user=None) -> AuditEntry:
    """Write one audit entry for a state change: who, when, which record, before/after.

    The caller commits with the change itself, so the entry and the change land together or not at all.
    """
    if obj is not None:
        record_type = record_type or obj.__tablename__
        if record_id is None:
            db.session.flush()
            record_id = obj.id
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "系统",
        record_type=record_type or "",
        record_id=record_id,
        action=action,
        summary=summary[:500],
        before=_dump(before),
        after=_dump(after),
        address=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def snapshot(obj, fields) -> dict:
    """The named fields of a record, for before/after summaries."""
    return {f: getattr(obj, f) for f in fields}
