"""The one scheduler process (`flask --app wsgi scheduler`): APScheduler 3.x with a persistent job store.

Why this shape:
- One dedicated process. Two schedulers on one job store run every job twice, so web workers never start one,
  and this process refuses to start while another holds the scheduler lock (a PostgreSQL advisory lock, or a
  lock file beside the instance for SQLite).
- Jobs live in the app's database (table apscheduler_jobs, created by APScheduler with its own MetaData, so it
  stays out of the models' metadata and migrations). The scheduler starts paused, adds only the jobs that are
  missing and then resumes: a restart keeps the stored next run times, and with coalesce on and a generous
  misfire grace time the runs missed during downtime become one catch-up run. (replace_existing at start-up
  would recompute next_run_time and lose them.)
- The jobs are few and fixed: a sweep every few minutes (what is due is worked out from the data, so nothing
  depends on one job per reminder) and a delivery pass that retries failed e-mails and webhook calls.
"""
from __future__ import annotations

import hashlib
import logging
import os
import signal
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from ..timeutil import TZ

log = logging.getLogger("supervision.scheduler")

JOBSTORE_TABLE = "apscheduler_jobs"
SWEEP_JOB_ID = "reminders-sweep"
DELIVER_JOB_ID = "reminders-deliver"
DERIVED_CHECK_JOB_ID = "derived-check"
DERIVED_CHECK_AT = (2, 30)  # 02:30 Beijing time: the nightly check of the stored derived values
MISFIRE_GRACE_SECONDS = 7 * 24 * 3600  # a run missed by up to a week still happens (once: coalesce)

_app: Flask | None = None  # the app of this process; the job functions run in its context


class SchedulerLocked(RuntimeError):
    """Another scheduler process already runs on this database."""


# ------------------------------------------------------------------------------------------------- jobs
# Referenced by name ("supervision.reminders.scheduler:sweep_job") from the persistent job store: keep the names.

def sweep_job() -> None:
    """Run one reminder sweep as of now."""
    from .jobs import run_due_reminders

    with _job_app().app_context():
        result = run_due_reminders()
        for item in result.sent:
            log.info("已发送 %s", item.line)
        for line in result.errors:
            log.warning("%s", line)
        clean_stale_previews()


def clean_stale_previews() -> list[str]:
    """A step of every sweep: remove plan-import previews abandoned for more than a day (app context needed)."""
    from ..schedule.importers import remove_stale_previews

    try:
        removed = remove_stale_previews()
    except OSError as exc:  # a clean-up failure must not stop the reminders
        log.warning("清理过期的计划导入预览失败：%s", exc)
        return []
    if removed:
        log.info("已清理过期的计划导入预览 %d 个文件", len(removed))
    return removed


def deliver_job() -> None:
    """Send e-mails and webhook calls that are due (new ones and retries after backoff)."""
    from .jobs import deliver_pending

    with _job_app().app_context():
        outcomes = deliver_pending()
        if outcomes:
            log.info("外发 %d 次：%s", len(outcomes), "；".join(o.line.strip() for o in outcomes))


def derived_check_job() -> None:
    """The nightly check of every stored derived value (supervision/derived.py); the admins hear of a difference."""
    with _job_app().app_context():
        for line in check_derived_values():
            log.warning("%s", line)


def check_derived_values(today=None) -> list[str]:
    """Run derived.check_all(); on any difference notify every active admin — once a day each (the key) — with
    the differences in words and how to repair them. Returns the differences in words (empty: all agree)."""
    from sqlalchemy import select

    from .. import derived, timeutil
    from ..accounts.models import Role, User
    from ..extensions import db
    from .operations import notify

    today = today or timeutil.today()
    lines = derived.describe(derived.check_all())
    if not lines:
        db.session.rollback()
        return []
    body = ("每晚的检查发现，系统为加快查询而保存的以下数据与原始记录（事实）不符，相关页面的统计和列表可能显示有误：\n"
            + "\n".join(lines) + "\n\n" + derived.REPAIR_HINT)
    admins = db.session.scalars(select(User).where(User.role == Role.admin.value, User.active.is_(True))
                                .order_by(User.id)).all()
    for admin in admins:
        notify(admin, f"数据检查：存储的派生数据与事实不符（{timeutil.cn_date(today)}）", body,
               key=f"derived-check:{admin.id}:all:{today.isoformat()}")
    db.session.commit()
    return lines


def ensure_derived_check_job(scheduler) -> str:
    """Add the nightly check if it is missing (a cron job at DERIVED_CHECK_AT); leave an existing one alone."""
    if scheduler.get_job(DERIVED_CHECK_JOB_ID) is not None:
        return f"保留任务 {DERIVED_CHECK_JOB_ID}"
    hour, minute = DERIVED_CHECK_AT
    scheduler.add_job(derived_check_job, CronTrigger(hour=hour, minute=minute, timezone=TZ), id=DERIVED_CHECK_JOB_ID,
                      name="存储的派生数据每晚检查", replace_existing=False)
    return f"添加任务 {DERIVED_CHECK_JOB_ID}（每天 {hour:02d}:{minute:02d}）"


def _job_app() -> Flask:
    global _app
    if _app is None:  # pragma: no cover - only when a job runs outside `flask scheduler`
        from .. import create_app

        _app = create_app()
    return _app


# ------------------------------------------------------------------------------------------------- building

def job_specs(sweep_seconds: int, deliver_seconds: int) -> dict[str, tuple]:
    return {
        SWEEP_JOB_ID: (sweep_job, sweep_seconds, "提醒扫描"),
        DELIVER_JOB_ID: (deliver_job, deliver_seconds, "外发消息与失败重试"),
    }


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A BlockingScheduler on the app's database, Asia/Shanghai, coalescing, generous misfire grace."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):  # wait for the web process's writes as long as the app's own connections do
        options["connect_args"] = {"timeout": float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 15))}
    store = SQLAlchemyJobStore(url=url, tablename=app.config.get("SCHEDULER_JOBSTORE_TABLE", JOBSTORE_TABLE),
                               engine_options=options)
    return BlockingScheduler(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
        timezone=TZ,
    )


def ensure_jobs(scheduler, specs: dict[str, tuple]) -> list[str]:
    """Add the jobs that are missing; leave existing ones (and their next run time) alone. Returns what it did.

    Only when the configured interval changed is a job's trigger replaced, and then it keeps its earlier next
    run time if that was sooner, so a missed run is not lost.
    """
    done = []
    now = datetime.now(TZ)
    for job_id, (func, seconds, name) in specs.items():
        trigger = IntervalTrigger(seconds=seconds, timezone=TZ)
        job = scheduler.get_job(job_id)
        if job is None:
            scheduler.add_job(func, trigger, id=job_id, name=name, next_run_time=now, replace_existing=False)
            done.append(f"添加任务 {job_id}（每 {seconds} 秒）")
        elif not isinstance(job.trigger, IntervalTrigger) or job.trigger.interval.total_seconds() != seconds:
            nxt = min(job.next_run_time, now) if job.next_run_time else now
            scheduler.modify_job(job_id, trigger=trigger, next_run_time=nxt)
            done.append(f"任务 {job_id} 改为每 {seconds} 秒")
        else:
            done.append(f"保留任务 {job_id}（下次运行 {job.next_run_time:%Y-%m-%d %H:%M:%S}）"
                        if job.next_run_time else f"保留任务 {job_id}（已暂停）")
    return done


# ------------------------------------------------------------------------------------------------- single process

class _Lock:
    """Held for the life of the process: PostgreSQL advisory lock, or an flock'ed file for other databases."""

    def __init__(self, app: Flask):
        self.url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.instance_path = app.instance_path
        self._conn = None
        self._engine = None
        self._fh = None

    def acquire(self) -> None:
        key = int(hashlib.sha256(b"supervision-scheduler").hexdigest()[:15], 16)
        if self.url.startswith("postgresql"):
            from sqlalchemy import create_engine, text

            self._engine = create_engine(self.url)
            self._conn = self._engine.connect()
            got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            self._conn.commit()
            if not got:
                self.release()
                raise SchedulerLocked("另一个调度进程已在这个数据库上运行（两个调度进程会把每个任务执行两次），本进程退出。")
            return
        import fcntl

        self._fh = open(self._lock_path(), "w")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.release()
            raise SchedulerLocked("另一个调度进程已在运行（两个调度进程会把每个任务执行两次），本进程退出。") from None
        self._fh.write(str(os.getpid()))
        self._fh.flush()

    def _lock_path(self) -> str:
        """Beside a SQLite database file (test.db -> test.db.scheduler-lock); else in the instance folder."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return os.path.abspath(url.database) + ".scheduler-lock"
        os.makedirs(self.instance_path, exist_ok=True)
        return os.path.join(self.instance_path, "scheduler-" + hashlib.sha256(self.url.encode()).hexdigest()[:10]
                            + ".lock")

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def run(app: Flask, sweep_seconds: int, deliver_seconds: int, echo=print) -> int:
    """Run the scheduler until SIGTERM/SIGINT. Returns the process exit code."""
    global _app
    _app = app
    lock = _Lock(app)
    try:
        lock.acquire()
    except SchedulerLocked as exc:
        echo(str(exc))
        return 1
    scheduler = build_scheduler(app)
    failed = []

    def on_started(event):
        # Paused: nothing runs while the jobs are checked. Then resume.
        try:
            for line in ensure_jobs(scheduler, job_specs(sweep_seconds, deliver_seconds)):
                log.info("%s", line)
            log.info("%s", ensure_derived_check_job(scheduler))
            scheduler.resume()
            log.info("调度进程已启动：提醒扫描每 %s 秒，外发重试每 %s 秒（时区 Asia/Shanghai）", sweep_seconds,
                     deliver_seconds)
        except Exception as exc:  # noqa: BLE001
            log.exception("scheduler could not set up its jobs")
            failed.append(exc)
            scheduler.shutdown(wait=False)

    def on_job(event):
        if event.exception:
            log.error("任务 %s 出错：%s", event.job_id, event.exception)
        else:
            log.info("任务 %s 已运行", event.job_id)

    scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
    scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def stop(signum, frame):
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start(paused=True)
    except (KeyboardInterrupt, SystemExit):
        log.info("调度进程收到停止信号，正在退出")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if scheduler.running:
            scheduler.shutdown(wait=True)
        lock.release()
    return 1 if failed else 0
