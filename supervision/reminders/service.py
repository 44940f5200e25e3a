"""Sending messages to users: in the app always, by e-mail and webhook where configured; and the reminder sweep.

- notify(): one message into a user's inbox (exactly once when given a key), its e-mail/webhook deliveries queued.
- run_due_reminders(now): the sweep — asks every rule (rules.py) what is due as of `now` and notifies;
  then hands queued deliveries to their channels.
- deliver_pending(now): claims due deliveries one by one and sends them; failures are retried with backoff.

Times: the database holds naive UTC (timeutil.utcnow); `now` arguments are local Asia/Shanghai moments
(a naive `now` is read as Asia/Shanghai wall time, as the CLI's --now is).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..timeutil import TZ, cn_datetime, utcnow
from . import channels
from .models import (OPEN_STATUSES, SETTING_DEFAULTS, Channel, Delivery, DeliveryStatus, Notification, ReminderSettings,
                     ReminderSkip)
from .rules import (RULES, SettingsError, SweepContext, parse_month_day, parse_offsets, parse_time, rule_label)

log = logging.getLogger("supervision.reminders")

# Minutes to wait after the 1st, 2nd, … failed attempt.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)
SEND_LEASE = timedelta(minutes=10)  # a "sending" delivery whose sender died is picked up again after this


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


def unread_count(user) -> int:
    """The badge on every page: a seek in the partial index of unread messages (ix_notification_unread)."""
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.recipient_id == user.id, Notification.read_at.is_(None)))


def mark_read(note: Notification) -> None:
    if note.read_at is None:
        note.read_at = utcnow()


def mark_all_read(user) -> int:
    """Mark every unread message of the user read; returns how many."""
    result = db.session.execute(update(Notification)
                                .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def get_notification_for(user, note_id: int) -> Notification | None:
    """The user's own message, or None (also for someone else's: the view answers 404 either way)."""
    note = db.session.get(Notification, note_id)
    if note is None or note.recipient_id != user.id:
        return None
    return note


INBOX_ORDER = (Notification.created_at.desc(), Notification.id.desc())


def _inbox_where(user, unread_only: bool) -> list:
    where = [Notification.recipient_id == user.id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    return where


def inbox_query(user, unread_only: bool = False):
    return select(Notification).where(*_inbox_where(user, unread_only)).order_by(*INBOX_ORDER)


class InboxPagination(Pagination):
    """A page of the inbox, as db.paginate gives it (the `pager` macro's page, pages, iter_pages…).

    The page's ids are found first, in the index (recipient_id, created_at, id) alone — or, unread only, the partial
    index of unread messages — and only those 30 rows are then read: page 4,000 of an admin's ten years skips
    120,000 index entries, not 120,000 rows. The total is a count in the same index.
    """

    def _query_items(self) -> list[Notification]:
        where = self._query_args["where"]
        ids = (select(Notification.id).where(*where).order_by(*INBOX_ORDER)
               .limit(self.per_page).offset(self._query_offset).scalar_subquery())
        return list(db.session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(*INBOX_ORDER)))

    def _query_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(Notification).where(*self._query_args["where"]))


def inbox_page(user, unread_only: bool = False, page: int = 1, per_page: int = 30) -> InboxPagination:
    """The user's messages, newest first, one page (an out-of-range page is empty, not an error)."""
    return InboxPagination(page=page, per_page=per_page, max_per_page=None, error_out=False,
                           where=_inbox_where(user, unread_only))


def safe_link(link: str) -> str:
    """Only paths inside this app are followed (a message never sends a user elsewhere)."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return ""


# ================================================================================================ settings

def get_settings() -> ReminderSettings:
    """The saved settings, or (before the admin saves them once) an unsaved record with the defaults."""
    row = db.session.scalar(select(ReminderSettings).order_by(ReminderSettings.id).limit(1))
    return row if row is not None else ReminderSettings()


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
    from .rules import SETTING_LABELS

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


# ================================================================================================ delivering

@dataclass
class DeliveryOutcome:
    delivery_id: int
    channel: str
    status: str
    target: str
    title: str
    error: str = ""

    @property
    def line(self) -> str:
        label = Channel(self.channel).label
        state = DeliveryStatus(self.status).label
        tail = f"：{self.error}" if self.error else ""
        return f"  {label} → {self.target or '（无地址）'}：{state}{tail}"


def _local(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(TZ)
    if now.tzinfo is None:
        return now.replace(tzinfo=TZ)
    return now.astimezone(TZ)


def _utc_naive(now: datetime) -> datetime:
    return _local(now).astimezone(timezone.utc).replace(tzinfo=None)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


def absolute_link(link: str, settings: ReminderSettings) -> str:
    link = safe_link(link)
    if not link:
        return ""
    return settings.site_url.rstrip("/") + link if settings.site_url else link


def email_body(note: Notification, settings: ReminderSettings) -> str:
    parts = [note.body or note.title]
    link = absolute_link(note.link, settings)
    if link:
        parts.append(f"在系统中查看：{link}")
    parts.append(f"——\n{channels.APP_NAME}（本邮件由系统自动发送，请勿直接回复）")
    return "\n\n".join(parts)


def webhook_payload(note: Notification, settings: ReminderSettings) -> dict:
    user = note.recipient
    created = note.created_at.replace(tzinfo=timezone.utc).astimezone(TZ) if note.created_at else None
    return {
        "id": note.id,
        "key": note.key,
        "rule": note.rule,
        "title": note.title,
        "body": note.body,
        "link": absolute_link(note.link, settings),
        "created_at": created.isoformat() if created else None,
        "recipient": {
            "username": user.username,
            "name": user.name,
            "email": user.email or "",
            "role": user.role,
            "unit": user.unit.name if user.unit else "",
        },
    }


def idempotency_key(delivery: Delivery) -> str:
    """The webhook's Idempotency-Key of one delivery: the same on every retry of it, different for any other."""
    return f"supervision-delivery-{delivery.id}"


def _send(delivery: Delivery, settings: ReminderSettings) -> str:
    """Hand one delivery to its channel; returns the target. Raises channels.ChannelError."""
    note = delivery.notification
    user = note.recipient
    timeout = float(current_app.config.get("REMINDER_SEND_TIMEOUT", 10))
    if not user.active:
        raise channels.ChannelError(f"收件人 {user.username} 已停用，不再发送。", permanent=True)
    if delivery.channel == Channel.email.value:
        if not settings.email_configured:
            raise channels.ChannelError("邮件发送未配置（或已停用），未发送。", permanent=True)
        channels.send_email(settings, user.email or "", note.title, email_body(note, settings), timeout=timeout)
        return user.email
    if delivery.channel == Channel.webhook.value:
        if not settings.webhook_configured:
            raise channels.ChannelError("消息推送未配置（或已停用），未发送。", permanent=True)
        channels.send_webhook(settings, webhook_payload(note, settings), timeout=timeout,
                              idempotency_key=idempotency_key(delivery))
        return settings.webhook_url
    raise channels.ChannelError(f"未知的发送渠道 {delivery.channel}", permanent=True)


def _claim(delivery_id: int, now_utc: datetime) -> bool:
    """Take a due delivery for this sender alone (two sweeps at once never send it twice); commits the claim."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_(OPEN_STATUSES),
               or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now_utc))
        .values(status=DeliveryStatus.sending.value, attempts=Delivery.attempts + 1,
                next_attempt_at=now_utc + SEND_LEASE, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_pending(now: datetime | None = None, limit: int = 200,
                    ids: list[int] | None = None) -> list[DeliveryOutcome]:
    """Send every delivery due as of `now` (or just `ids`). Commits after each one; never raises for a channel.

    A channel whose server cannot be reached is left alone for the rest of this pass (its deliveries wait for
    the next), so one dead server costs one timeout, not one per message — and never holds up the other channel.
    """
    now_utc = _utc_naive(now or datetime.now(TZ))
    max_attempts = int(current_app.config.get("REMINDER_MAX_ATTEMPTS", len(BACKOFF_MINUTES)))
    due = list(db.session.scalars(_due_ids(now_utc, limit, ids)))
    db.session.commit()  # end the read transaction: each claim below is its own
    settings = get_settings()
    unreachable: set[str] = set()
    outcomes = []
    for delivery_id in due:
        channel = db.session.scalar(select(Delivery.channel).where(Delivery.id == delivery_id))
        if channel in unreachable:
            continue
        if not _claim(delivery_id, now_utc):
            continue  # another sweep has it
        delivery = db.session.get(Delivery, delivery_id, populate_existing=True)
        try:
            delivery.target = (_send(delivery, settings) or "")[:300]
            delivery.status = DeliveryStatus.sent.value
            delivery.sent_at = utcnow()
            delivery.next_attempt_at = None
            delivery.last_error = ""
        except channels.ChannelError as exc:
            _failed(delivery, str(exc), exc.permanent, max_attempts, now_utc)
            if exc.connection:
                unreachable.add(delivery.channel)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the pass
            log.exception("delivery %s failed unexpectedly", delivery_id)
            _failed(delivery, f"发送出错：{exc}", False, max_attempts, now_utc)
        delivery.updated_at = utcnow()
        outcome = DeliveryOutcome(delivery.id, delivery.channel, delivery.status, delivery.target,
                                  delivery.notification.title, delivery.last_error)
        db.session.commit()
        if outcome.status != DeliveryStatus.sent.value:
            log.warning("delivery %s (%s) %s: %s", outcome.delivery_id, outcome.channel, outcome.status,
                        outcome.error)
        outcomes.append(outcome)
    return outcomes


def _due_ids(now_utc: datetime, limit: int, ids: list[int] | None):
    """SELECT of the ids (oldest first, at most `limit`) of the open deliveries due as of now_utc.

    The first `limit` of each open status by a seek in its index (status, then id), merged: with `status IN (…)`
    SQLite's statistics (which see status as two values of equal weight: sent, failed) chose to walk every delivery
    of ten years in id order, probing each one's status (~65 ms at province scale, every minute).
    """
    due_now = or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now_utc)
    branches = []
    for status in OPEN_STATUSES:
        q = select(Delivery.id).where(Delivery.status == status, due_now)
        if ids is not None:
            q = q.where(Delivery.id.in_(ids))
        branches.append(select(q.order_by(Delivery.id).limit(limit).subquery().c.id))
    merged = union_all(*branches).subquery()
    return select(merged.c.id).order_by(merged.c.id).limit(limit)


def _failed(delivery: Delivery, error: str, permanent: bool, max_attempts: int, now_utc: datetime) -> None:
    delivery.last_error = error[:2000]
    if permanent or delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.failed.value
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.retry.value
        delivery.next_attempt_at = now_utc + _backoff(delivery.attempts)


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


def send_test_message(user) -> tuple[Notification, list[DeliveryOutcome]]:
    """A test message to `user` by every configured channel, sent at once; commits."""
    note = notify(user, "测试消息：提醒发送设置检查",
                  f"这是一条测试消息，由 {user.name} 在提醒发送页面发出。收到即说明该渠道配置正确。",
                  link=_inbox_link())
    audit.record("test", note, summary="发送测试消息", user=user)
    db.session.commit()
    ids = [d.id for d in note.deliveries]
    outcomes = deliver_pending(ids=ids) if ids else []
    return note, outcomes


def _inbox_link() -> str:
    from .rules import url

    return url("reminders.inbox")


# ================================================================================================ the sweep

@dataclass
class SentReminder:
    rule: str
    recipient: str
    title: str
    key: str

    @property
    def line(self) -> str:
        return f"[{rule_label(self.rule)}] {self.recipient}：{self.title}"


@dataclass
class SweepResult:
    now: datetime
    sent: list[SentReminder] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    deliveries: list[DeliveryOutcome] = field(default_factory=list)
    already: int = 0  # due but sent before (by an earlier or concurrent sweep)

    def summary(self) -> str:
        failed = sum(1 for d in self.deliveries if d.status != DeliveryStatus.sent.value)
        return (f"提醒扫描（{self.now:%Y-%m-%d %H:%M}）：新发 {len(self.sent)} 条，此前已发 {self.already} 条，"
                f"跳过 {len(self.skipped)} 条，外发 {len(self.deliveries)} 次（未成功 {failed} 次），"
                f"错误 {len(self.errors)} 个")


def run_due_reminders(now: datetime | None = None, *, deliver: bool = True) -> SweepResult:
    """One sweep as of `now` (default: the present): every reminder due within the catch-up window, once.

    Commits after each reminder, so an error in one (or in one rule) costs only that one; the sweep carries on.
    """
    now = _local(now)
    settings = get_settings()
    ctx = SweepContext(now, settings)
    result = SweepResult(now=now)
    for r in RULES:
        try:
            candidates = list(r.fn(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others
            db.session.rollback()
            log.exception("reminder rule %s failed", r.code)
            result.errors.append(f"规则“{r.label}”出错：{exc}")
            continue
        due = [x for x in candidates if ctx.due(x.send_at)]
        sent_before = _existing_keys([x.key for x in due])
        for reminder in due:
            if reminder.key in sent_before:
                # Sent by an earlier sweep (the key is unique): counted without an INSERT to find out. A key
                # inserted meanwhile by a concurrent sweep still fails the INSERT below and counts the same.
                result.already += 1
                continue
            try:
                _issue(reminder, result)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                log.exception("reminder %s failed", reminder.key)
                result.errors.append(f"提醒 {reminder.key} 出错：{exc}")
    result.errors[:0] = ctx.errors
    if ctx.unknown_years:
        years = "、".join(str(y) for y in sorted(ctx.unknown_years))
        result.errors.append(f"工作日历未录入{years}年，这些年份的提醒暂按周一至周五为工作日计算。")
    if deliver:
        result.deliveries = deliver_pending(now)
    log.info("%s", result.summary())
    return result


def _existing_keys(keys: list[str], block: int = 500) -> set[str]:
    """Which of these reminder keys already have their notification (blocks of `block` keys a query)."""
    out: set[str] = set()
    for i in range(0, len(keys), block):
        chunk = keys[i:i + block]
        out.update(db.session.scalars(select(Notification.key).where(Notification.key.in_(chunk))))
    return out


def _issue(reminder, result: SweepResult) -> None:
    user = reminder.recipient
    if not user.active:
        skip = ReminderSkip(key=reminder.key, recipient_id=user.id, title=reminder.title[:200],
                            reason=f"收件人 {user.username} 已停用", created_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(skip)
        except IntegrityError:
            return  # recorded by an earlier sweep
        log.info("reminder %s skipped: recipient %s is deactivated", reminder.key, user.username)
        result.skipped.append(f"[{rule_label(reminder.rule)}] {user.name}（已停用）：{reminder.title}")
        return
    note = notify(user, reminder.title, reminder.body, reminder.link, key=reminder.key)
    if note is None:
        result.already += 1
        return
    result.sent.append(SentReminder(reminder.rule, user.name, note.title, reminder.key))


# The 失败和未发送 filter of the deliveries page: what the admin may send again.
FAILURE_STATUSES = (DeliveryStatus.failed.value, DeliveryStatus.retry.value, DeliveryStatus.skipped.value)
DELIVERY_ORDER = (Delivery.updated_at.desc(), Delivery.id.desc())
# The deliveries page counts the sent ones of this many days (all the others, of every day).
SENT_COUNT_DAYS = 30


def recent_deliveries(failures_only: bool = False, limit: int = 100) -> list[Delivery]:
    """The latest deliveries (or the latest failed, waiting and unsent ones), with their message and recipient.

    One statement whatever the limit: each row's notification and recipient come joined, not one query per row.
    All: a backward walk of (updated_at, id). Failures: the latest `limit` of each status by a seek in
    (status, updated_at, id), merged — one IN over the statuses would read and sort every failure of ten years,
    and SQLite's statistics (which may see status as two values of equal weight) would rather walk every delivery
    by date, probing each one's status.
    """
    if failures_only:
        latest = [select(Delivery.id).where(Delivery.status == status).order_by(*DELIVERY_ORDER).limit(limit)
                  .subquery() for status in FAILURE_STATUSES]
        ids = union_all(*(select(sq.c.id) for sq in latest))
        q = select(Delivery).where(Delivery.id.in_(ids))
    else:
        q = select(Delivery)
    q = q.options(joinedload(Delivery.notification).joinedload(Notification.recipient))
    return list(db.session.scalars(q.order_by(*DELIVERY_ORDER).limit(limit)))


def recent_skips(limit: int = 50) -> list[ReminderSkip]:
    return list(db.session.scalars(select(ReminderSkip).options(joinedload(ReminderSkip.recipient))
                                   .order_by(ReminderSkip.id.desc()).limit(limit)))


def delivery_counts(days: int = SENT_COUNT_DAYS) -> dict[str, int]:
    """Deliveries by status: every open, failed and unsent one; of the sent ones, those sent in the last `days` days.

    Two index seeks in (status, updated_at, id): a count of every sent delivery would read ~60,000 index entries a
    year, ever more. A sent delivery's updated_at is when it was sent (it never changes after).
    """
    others = [s.value for s in DeliveryStatus if s is not DeliveryStatus.sent]
    rows = db.session.execute(select(Delivery.status, func.count()).where(Delivery.status.in_(others))
                              .group_by(Delivery.status)).all()
    counts = {status: n for status, n in rows}
    sent = db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.status == DeliveryStatus.sent.value, Delivery.updated_at >= utcnow() - timedelta(days=days)))
    if sent:
        counts[DeliveryStatus.sent.value] = sent
    return counts


# ================================================================================================ scheduler state

SCHEDULER_STALE_MINUTES = 30  # a job whose next run lies further in the past than this: no scheduler is running
JOB_LABELS = {"reminders-sweep": "提醒扫描", "reminders-deliver": "外发与失败重试"}


def scheduler_jobs() -> list[dict] | None:
    """The scheduler's jobs as its job store holds them (None when no scheduler has run on this database)."""
    from sqlalchemy import inspect, text

    from .scheduler import JOBSTORE_TABLE

    table = current_app.config.get("SCHEDULER_JOBSTORE_TABLE", JOBSTORE_TABLE)
    try:
        if not inspect(db.engine).has_table(table):
            return None
        rows = db.session.execute(text(f"SELECT id, next_run_time FROM {table} ORDER BY id")).all()
    except Exception:  # noqa: BLE001 - informational only
        db.session.rollback()
        return None
    return [{"id": r[0], "label": JOB_LABELS.get(r[0], "其他任务"),
             "next_run": datetime.fromtimestamp(r[1], TZ) if r[1] is not None else None} for r in rows]


@dataclass
class SchedulerState:
    jobs: list[dict] | None
    running: bool
    why: str  # in plain words, for the admin's 系统状态 page


def scheduler_state(now=None) -> SchedulerState:
    """Whether the reminder scheduler runs: it has jobs, and none is overdue by more than a few minutes."""
    from ..timeutil import now as tz_now

    now = now or tz_now()
    jobs = scheduler_jobs()
    if not jobs:
        return SchedulerState(jobs, False, "调度进程从未在这个数据库上运行过，提醒不会自动发出。")
    late = [j for j in jobs if j["next_run"] is not None
            and j["next_run"] < now - timedelta(minutes=SCHEDULER_STALE_MINUTES)]
    if late:
        return SchedulerState(jobs, False, f"“{late[0]['label']}”本应在{cn_datetime(late[0]['next_run'])}运行"
                                           "却没有运行，调度进程已经停止，提醒不会自动发出。")
    if all(j["next_run"] is None for j in jobs):
        return SchedulerState(jobs, False, "调度任务都已暂停，提醒不会自动发出。")
    return SchedulerState(jobs, True, "调度进程正在运行。")
