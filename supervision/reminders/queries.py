"""Reading reminders: a user's inbox and unread count, the settings in force, the admin's deliveries page and
whether the scheduler runs. Nothing here writes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..timeutil import TZ, cn_datetime, utcnow
from .models import Delivery, DeliveryStatus, Notification, ReminderSettings, ReminderSkip


# ================================================================================================ inbox

def unread_count(user) -> int:
    """The badge on every page: a seek in the partial index of unread messages (ix_notification_unread)."""
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.recipient_id == user.id, Notification.read_at.is_(None)))



INBOX_ORDER = (Notification.created_at.desc(), Notification.id.desc())


def _inbox_where(user, unread_only: bool) -> list:
    where = [Notification.recipient_id == user.id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    return where


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




# ================================================================================================ deliveries

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

