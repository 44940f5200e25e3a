"""Writing reminders: a message into a user's inbox (its e-mail/webhook deliveries queued), read marks, the
settings, a retry asked for by the admin, a test message. Each runs in the caller's transaction and flushes; the
request (or the job) commits."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..timeutil import utcnow
from .models import SETTING_DEFAULTS, Channel, Delivery, DeliveryStatus, Notification, ReminderSettings
from .queries import get_settings
from .rules import SETTING_LABELS, SettingsError, parse_month_day, parse_offsets, parse_time, url

# ================================================================================================ inbox

def notify(recipient, title: str, body: str = "", link: str = "", key: str | None = None) -> Notification | None:
    """Put a message in recipient's inbox. With a key, a second call with the same key is a no-op (returns None).

    Queues its deliveries by e-mail and webhook when those are configured (sent by the next delivery pass).
    Runs inside the caller's transaction (a savepoint guards the unique key); the caller commits.
    """
    note = Notification(recipient_id=recipient.id, title=title[:200], body=body, link=link[:300], key=key)
    if key is None:
        db.session.add(note)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(note)
        except IntegrityError:
            return None
    queue_deliveries(note, recipient)
    return note


def queue_deliveries(note: Notification, recipient, settings: ReminderSettings | None = None) -> list[Delivery]:
    """One Delivery per configured channel; a user without an e-mail address gets a visible 'not sent' record."""
    settings = settings or get_settings()
    out = []
    for channel in settings.channels():
        d = Delivery(notification_id=note.id, channel=channel.value, status=DeliveryStatus.pending.value,
                     attempts=0, last_error="", target="", created_at=utcnow(), updated_at=utcnow())
        if channel is Channel.email:
            d.target = (recipient.email or "")[:300]
            if not recipient.email:
                d.status = DeliveryStatus.skipped.value
                d.last_error = f"用户 {recipient.username} 没有填写电子邮箱，邮件未发送。"
        elif channel is Channel.webhook:
            d.target = settings.webhook_url[:300]
        db.session.add(d)
        out.append(d)
    db.session.flush()
    return out



def mark_read(note: Notification) -> None:
    if note.read_at is None:
        note.read_at = utcnow()


def mark_all_read(user) -> int:
    """Mark every unread message of the user read; returns how many."""
    result = db.session.execute(update(Notification)
                                .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0




# ================================================================================================ settings

SECURITY_CHOICES = {"none": "不加密", "starttls": "STARTTLS", "ssl": "SSL/TLS"}
TIME_FIELDS = ("group_notice_time", "group_monday_time", "unit_notice_time", "deadline_time", "office_time",
               "yearly_time")
INT_FIELDS = {  # name: (min, max, label)
    "smtp_port": (1, 65535, "SMTP 端口"),
    "unit_notice_days": (1, 60, "单位检查周通知提前天数"),
    "overdue_repeat_days": (1, 60, "逾期重复提醒间隔天数"),
    "unsigned_workdays": (1, 30, "未签收提醒工作日数"),
    "review_workdays": (1, 30, "待审提醒工作日数"),
    "catch_up_hours": (1, 24 * 31, "补发时限（小时）"),
}


def validate_settings(data: dict) -> tuple[dict, dict[str, str]]:
    """(clean values, errors by field). Errors are Chinese sentences saying what to write instead."""
    clean, errors = {}, {}
    for name in ("smtp_host", "smtp_user", "smtp_sender", "webhook_url", "webhook_token", "site_url"):
        clean[name] = (data.get(name) or "").strip()
    security = (data.get("smtp_security") or "none").strip()
    if security not in SECURITY_CHOICES:
        errors["smtp_security"] = "加密方式只能是：不加密、STARTTLS、SSL/TLS。"
    clean["smtp_security"] = security
    if data.get("smtp_password"):
        clean["smtp_password"] = data["smtp_password"]
    for name, (lo, hi, label) in INT_FIELDS.items():
        raw = data.get(name)
        try:
            value = int(str(raw).strip())
            if not lo <= value <= hi:
                raise ValueError
            clean[name] = value
        except (TypeError, ValueError):
            errors[name] = f"{label}应为{lo}–{hi}之间的整数。"
    for name in TIME_FIELDS:
        try:
            t = parse_time(str(data.get(name) or ""), SETTING_LABELS[name])
            clean[name] = f"{t:%H:%M}"
        except SettingsError as exc:
            errors[name] = str(exc)
    for name in ("selfcheck_notice_date", "plan_notice_date"):
        try:
            m, d = parse_month_day(str(data.get(name) or ""), SETTING_LABELS[name])
            clean[name] = f"{m:02d}-{d:02d}"
        except SettingsError as exc:
            errors[name] = str(exc)
    try:
        clean["deadline_offsets"] = ",".join(str(n) for n in parse_offsets(str(data.get("deadline_offsets") or ""),
                                                                           SETTING_LABELS["deadline_offsets"]))
    except SettingsError as exc:
        errors["deadline_offsets"] = str(exc)
    clean["unit_notice_enabled"] = bool(data.get("unit_notice_enabled"))
    if clean["smtp_host"] and not clean["smtp_sender"]:
        errors["smtp_sender"] = "填写了邮件服务器，还须填写发件人地址（如 jiandu@example.gov.cn）。"
    if clean["smtp_sender"] and "@" not in clean["smtp_sender"]:
        errors["smtp_sender"] = "发件人应是电子邮箱地址，如 jiandu@example.gov.cn 或 监督室 <jiandu@example.gov.cn>。"
    for name, label in (("webhook_url", "推送地址"), ("site_url", "系统访问地址")):
        if clean[name] and not clean[name].lower().startswith(("http://", "https://")):
            errors[name] = f"{label}应以 http:// 或 https:// 开头。"
    return clean, errors


class SettingsInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def save_settings(data: dict, user) -> ReminderSettings:
    """Validate and store the settings (an empty password keeps the stored one); audited; the caller commits."""
    clean, errors = validate_settings(data)
    if errors:
        raise SettingsInvalid(errors)
    row = db.session.scalar(select(ReminderSettings).order_by(ReminderSettings.id).limit(1))
    if row is None:
        row = ReminderSettings()
        db.session.add(row)
    before = {k: getattr(row, k) for k in SETTING_DEFAULTS if k != "smtp_password"}
    password_changed = "smtp_password" in clean and clean["smtp_password"] != row.smtp_password
    if data.get("clear_password"):
        clean["smtp_password"] = ""
        password_changed = bool(row.smtp_password)
    for k, v in clean.items():
        setattr(row, k, v)
    db.session.flush()
    after = {k: getattr(row, k) for k in SETTING_DEFAULTS if k != "smtp_password"}
    changed = {k: after[k] for k in after if before[k] != after[k]}
    if password_changed:
        changed["smtp_password"] = "（已修改）"
    audit.record("update", row, summary="修改提醒设置：" + ("、".join(changed) or "无变化"),
                 before={k: before[k] for k in changed if k in before}, after=changed, user=user)
    return row




# ================================================================================================ deliveries

def retry_delivery(delivery: Delivery, user) -> Delivery:
    """The admin asks for another try now (a failed or waiting delivery); audited; the caller commits."""
    if delivery.status == DeliveryStatus.sent.value:
        raise ValueError("这条消息已发送成功，无需重试。")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = DeliveryStatus.retry.value
    delivery.next_attempt_at = None
    delivery.updated_at = utcnow()
    audit.record("retry", delivery, summary=f"重新发送消息“{delivery.notification.title}”（{delivery.channel_label}）",
                 before=before, after={"status": delivery.status}, user=user)
    return delivery




def queue_test_message(user) -> Notification:
    """A test message to `user` by every configured channel (sent once the request has committed); audited."""
    note = notify(user, "测试消息：提醒发送设置检查",
                  f"这是一条测试消息，由 {user.name} 在提醒发送页面发出。收到即说明该渠道配置正确。",
                  link=url("reminders.inbox"))
    audit.record("test", note, summary="发送测试消息", user=user)
    return note
