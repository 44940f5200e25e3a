"""In-app notifications (the bell and inbox), their deliveries by other channels, and the reminder settings.

Exactly-once: a reminder's Notification carries a deterministic `key` (rule:recipient:subject:due-date) under a
unique constraint, so a second sweep, a re-run or a concurrent sweep cannot insert it again. Deliveries by
e-mail and webhook are one row per (notification, channel), also unique, claimed before sending.
"""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..labels import LabelledEnum
from ..timeutil import utcnow


class Notification(db.Model):
    """One message to one user. `key` makes a reminder exactly-once: a second insert with the same key fails."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("key"),
        # The inbox, newest first (ORDER BY created_at DESC, id DESC): a page is a seek, and its ids are read from
        # this index alone (an admin receives ~13,000 messages a year; a deep page skips index entries, not rows).
        Index("ix_notification_recipient_created", "recipient_id", "created_at", "id"),
        # Unread messages only (partial): the badge on every page counts them and the 未读 filter pages them, a seek
        # either way however many read messages the recipient has. read_at (always NULL here) is a column so that
        # SQLite counts from the index alone, without a read of each row to check `read_at IS NULL`.
        Index("ix_notification_unread", "recipient_id", "created_at", "id", "read_at",
              sqlite_where=text("read_at IS NULL"), postgresql_where=text("read_at IS NULL")),
    )
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
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="notification", order_by="Delivery.id",
                                                        cascade="all, delete-orphan")

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def rule(self) -> str:
        """The rule code of a reminder (first part of its key); '' for one-off messages."""
        return self.key.split(":", 1)[0] if self.key else ""


class Channel(LabelledEnum):
    email = ("email", "电子邮件")
    webhook = ("webhook", "消息推送（Webhook）")


class DeliveryStatus(LabelledEnum):
    """pending → sending → sent; a failed attempt goes to retry (with backoff) until attempts run out: failed."""

    pending = ("pending", "待发送", "secondary")
    sending = ("sending", "发送中", "info")
    retry = ("retry", "待重试", "warning")
    sent = ("sent", "已发送", "success")
    failed = ("failed", "失败", "danger")
    skipped = ("skipped", "未发送", "dark")


# A delivery in one of these states is picked up by the next delivery pass once next_attempt_at has come
# ("sending" only when its lease ran out, i.e. the process died while sending).
OPEN_STATUSES = (DeliveryStatus.pending.value, DeliveryStatus.sending.value, DeliveryStatus.retry.value)


class Delivery(db.Model):
    """One notification sent by one channel other than the app itself: its status and every attempt's outcome."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        # The deliveries page: the latest first (ORDER BY updated_at DESC, id DESC LIMIT …), a backward index walk.
        Index("ix_notification_delivery_updated", "updated_at", "id"),
        # Per status, latest first: the 失败和未发送 filter seeks each status; the counts by status are index seeks
        # (the open and failed ones, and the sent ones of the last days, never every sent row of ten years).
        Index("ix_notification_delivery_status_updated", "status", "updated_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.pending.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt may be made (naive UTC); while sending, the end of the sender's lease.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(String(300), default="")  # the address or URL last used
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")

    @property
    def status_enum(self) -> DeliveryStatus:
        return DeliveryStatus(self.status)

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label


class ReminderSkip(db.Model):
    """A reminder not sent because its recipient is deactivated: recorded once per reminder key, shown to the admin."""

    __tablename__ = "reminder_skip"
    __table_args__ = (UniqueConstraint("key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    recipient = relationship("User")


# Defaults of every setting; a fresh installation works with these before the admin saves the page.
SETTING_DEFAULTS = {
    "smtp_host": "",
    "smtp_port": 25,
    "smtp_security": "none",  # none / starttls / ssl
    "smtp_user": "",
    "smtp_password": "",
    "smtp_sender": "",
    "webhook_url": "",
    "webhook_token": "",
    "site_url": "",
    "group_notice_time": "09:00",
    "group_monday_time": "08:30",
    "unit_notice_enabled": True,
    "unit_notice_days": 7,
    "unit_notice_time": "09:00",
    "deadline_offsets": "7,3,1",
    "deadline_time": "09:00",
    "office_time": "09:00",
    "overdue_repeat_days": 7,
    "unsigned_workdays": 3,
    "review_workdays": 5,
    "selfcheck_notice_date": "03-01",
    "plan_notice_date": "01-01",
    "yearly_time": "09:00",
    "catch_up_hours": 72,
}


class ReminderSettings(db.Model):
    """The one row of reminder settings (channels, rule times and offsets), edited by the admin."""

    __tablename__ = "reminder_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    # E-mail by SMTP: used when host and sender are filled in.
    smtp_host: Mapped[str] = mapped_column(String(200), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=25)
    smtp_security: Mapped[str] = mapped_column(String(10), default="none")
    smtp_user: Mapped[str] = mapped_column(String(200), default="")
    smtp_password: Mapped[str] = mapped_column(String(200), default="")
    smtp_sender: Mapped[str] = mapped_column(String(200), default="")
    # Generic webhook (intranet messaging): JSON POST; used when the URL is filled in.
    webhook_url: Mapped[str] = mapped_column(String(300), default="")
    webhook_token: Mapped[str] = mapped_column(String(200), default="")  # sent as Authorization: Bearer …
    # The app's address as users reach it (http://10.1.2.3:8080), for links in e-mails and webhook messages.
    site_url: Mapped[str] = mapped_column(String(200), default="")
    # Rule 1: inspection group — last working day before the week, and the week's first morning.
    group_notice_time: Mapped[str] = mapped_column(String(5), default="09:00")
    group_monday_time: Mapped[str] = mapped_column(String(5), default="08:30")
    # Rule 2: unit — notice of its coming inspection week.
    unit_notice_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    unit_notice_days: Mapped[int] = mapped_column(Integer, default=7)
    unit_notice_time: Mapped[str] = mapped_column(String(5), default="09:00")
    # Rule 3: unit — rectification deadline in N days (comma-separated), and the day after it passes.
    deadline_offsets: Mapped[str] = mapped_column(String(50), default="7,3,1")
    deadline_time: Mapped[str] = mapped_column(String(5), default="09:00")
    # Rule 4: 监督室.
    office_time: Mapped[str] = mapped_column(String(5), default="09:00")
    overdue_repeat_days: Mapped[int] = mapped_column(Integer, default=7)
    unsigned_workdays: Mapped[int] = mapped_column(Integer, default=3)
    review_workdays: Mapped[int] = mapped_column(Integer, default=5)
    # Rule 5: yearly (MM-DD).
    selfcheck_notice_date: Mapped[str] = mapped_column(String(5), default="03-01")
    plan_notice_date: Mapped[str] = mapped_column(String(5), default="01-01")
    yearly_time: Mapped[str] = mapped_column(String(5), default="09:00")
    # A sweep sends what fell due within this many hours before it (after downtime), never older.
    catch_up_hours: Mapped[int] = mapped_column(Integer, default=72)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def __init__(self, **kw):
        for name, value in SETTING_DEFAULTS.items():
            kw.setdefault(name, value)
        super().__init__(**kw)

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_sender)

    @property
    def webhook_configured(self) -> bool:
        return bool(self.webhook_url)

    def channels(self) -> list["Channel"]:
        out = []
        if self.email_configured:
            out.append(Channel.email)
        if self.webhook_configured:
            out.append(Channel.webhook)
        return out
