"""The one scheduler process: persistent jobs added once, kept across restarts, and the real process firing."""
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, text

from supervision import create_app
from supervision.directory.operations import seed_reference_data
from supervision.extensions import db
from supervision.reminders.scheduler import (DELIVER_JOB_ID, DERIVED_CHECK_JOB_ID, JOBSTORE_TABLE, SWEEP_JOB_ID,
                                             ensure_jobs, job_specs)
from supervision.timeutil import TZ
from tests.procs import Lines, wait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _scheduler(url):
    return BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=url, tablename=JOBSTORE_TABLE)},
                               job_defaults={"coalesce": True, "misfire_grace_time": 3600}, timezone=TZ)


def test_a_restart_adds_missing_jobs_only_and_keeps_their_stored_next_run_time(tmp_path):
    url = "sqlite:///" + str(tmp_path / "jobs.db")
    first = _scheduler(url)
    first.start(paused=True)
    try:
        assert [line[:4] for line in ensure_jobs(first, job_specs(300, 60))] == ["添加任务", "添加任务"]
        # A stored next run time the trigger would never compute by itself. (Set in the future: a
        # BackgroundScheduler processes due jobs once more while shutting down.)
        stored = datetime.now(TZ).replace(microsecond=0) + timedelta(hours=5, seconds=17)
        first.modify_job(SWEEP_JOB_ID, next_run_time=stored)
        first.modify_job(DELIVER_JOB_ID, next_run_time=stored)
    finally:
        first.shutdown(wait=False)

    second = _scheduler(url)
    second.start(paused=True)
    try:
        lines = ensure_jobs(second, job_specs(300, 60))
        assert all(line.startswith("保留任务") for line in lines), lines
        assert second.get_job(SWEEP_JOB_ID).next_run_time == stored  # not recomputed, as replace_existing would
        assert {j.id for j in second.get_jobs()} == {SWEEP_JOB_ID, DELIVER_JOB_ID}
        # A changed interval replaces the trigger but keeps the sooner of the stored and the present time.
        lines = ensure_jobs(second, job_specs(120, 60))
        assert lines[0] == "任务 reminders-sweep 改为每 120 秒"
        assert second.get_job(SWEEP_JOB_ID).next_run_time <= datetime.now(TZ)
        second.modify_job(SWEEP_JOB_ID, next_run_time=stored)
    finally:
        second.shutdown(wait=False)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {JOBSTORE_TABLE}")).scalar() == 2
    engine.dispose()


def test_web_app_never_starts_a_scheduler(app):
    assert not any("APScheduler" in t.name or "apscheduler" in repr(t).lower() for t in threading.enumerate())
    with app.app_context():
        assert JOBSTORE_TABLE not in db.metadata.tables  # the job store's table stays out of migrations


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="runs the process against its own temporary SQLite database")
def test_the_real_scheduler_process_fires_its_sweep_job(tmp_path):
    url = "sqlite:///" + str(tmp_path / "sched.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        seed_reference_data()
        from tests.helpers import make_unit, make_user

        from .factories import configure, make_letter

        admin = make_user("admin")
        today = datetime.now(TZ).date()
        make_letter(make_unit(), today - timedelta(days=60), receipt_date=today - timedelta(days=50), period=30)
        configure(office_time="00:00", deadline_time="00:00", catch_up_hours=24 * 31)
        admin_id = admin.id
        db.session.remove()
        db.engine.dispose()

    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="scheduler-test-secret", PYTHONUNBUFFERED="1")
    env.pop("TEST_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler",
           "--sweep-seconds", "1", "--deliver-seconds", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")
    log = Lines(proc.stderr, "the scheduler process")
    try:
        log.until("已发送 [监督室：意见书逾期", timeout=60)  # fails the test at the deadline, never hangs
        # A second scheduler on the same database refuses to start.
        second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=20)
        assert second.returncode == 1 and "另一个调度进程" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            wait(proc, 30, "the scheduler process after SIGTERM")
        finally:
            log.rest()
            proc.stderr.close()
    assert proc.returncode == 0, "".join(log.seen)

    with app.app_context():
        from supervision.reminders.models import Notification

        rules = {n.rule for n in db.session.query(Notification).filter_by(recipient_id=admin_id)}
        assert "office-overdue" in rules
        jobs = db.session.execute(text(f"SELECT id FROM {JOBSTORE_TABLE} ORDER BY id")).scalars().all()
        assert jobs == sorted([SWEEP_JOB_ID, DELIVER_JOB_ID, DERIVED_CHECK_JOB_ID])
        db.session.remove()
        db.engine.dispose()
