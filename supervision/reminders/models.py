"""In-app notifications (the bell and inbox) and their deliveries by other channels."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Notification(db.Model):
    """One message to one user. `key` makes a reminder exactly-once: a second insert with the same key fails."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # rule:recipient:subject:due-date for reminders; None for one-off messages (e.g. "letter issued").
    key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    recipient = relationship("User")

    @property
    def unread(self) -> bool:
        return self.read_at is None
