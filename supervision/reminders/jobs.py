"""The work the scheduler and the CLI run, each managing its own transactions (never called inside a request's
transaction: a view hands deliveries to deliver_pending only once its request has committed, web.after_commit).

- run_due_reminders(now): the sweep — asks every rule (rules.py) what is due as of `now` and notifies, committing
  after each reminder; then hands queued deliveries to their channels.
- deliver_pending(now): claims due deliveries one by one (each claim committed before the message leaves, so two
  senders never send one twice) and sends them; failures are retried with backoff.

Times: the database holds naive UTC (timeutil.utcnow); `now` arguments are local Asia/Shanghai moments
(a naive `now` is read as Asia/Shanghai wall time, as the CLI's --now is).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import TZ, utcnow
from . import channels
from . import rules_filings as _rules_filings  # noqa: F401  (the filing registers' rules join RULES)
from .models import OPEN_STATUSES, Channel, Delivery, DeliveryStatus, Notification, ReminderSettings, ReminderSkip
from .operations import notify
from .queries import get_settings, safe_link
from .rules import RULES, SweepContext, rule_label

log = logging.getLogger("supervision.reminders")

# Minutes to wait after the 1st, 2nd, … failed attempt.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)
SEND_LEASE = timedelta(minutes=10)  # a "sending" delivery whose sender died is picked up again after this


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
