"""The inbox and the deliveries page at province scale: what they show, a fixed number of statements whatever the
number of rows (no query per row), and — on SQLite, with statistics like the province's — index seeks, not scans."""
import itertools
import os
import re
import sqlite3
from datetime import datetime, timedelta

import pytest

from supervision.extensions import db
from supervision.reminders import jobs, queries
from supervision.reminders.models import Delivery, Notification, ReminderSkip
from supervision.timeutil import utcnow
from tests.helpers import login_as, make_user, sql_statements

ON_SQLITE = not os.environ.get("TEST_DATABASE_URL")
_seq = itertools.count(1)


def count_statements(client, path):
    with sql_statements(client.application) as seen:
        resp = client.get(path)
    assert resp.status_code == 200
    return len(seen), resp.get_data(as_text=True)


def message(user_id, title, created_at, read=False):
    note = Notification(recipient_id=user_id, title=title, body="", link="", created_at=created_at,
                        read_at=created_at + timedelta(hours=1) if read else None)
    db.session.add(note)
    db.session.flush()
    return note


def delivery(status, updated_at, recipient=None, title=None):
    """A delivery (with its message) to a new recipient of its own unless one is given."""
    recipient = recipient or make_user("unit", display_name=f"收件人{next(_seq)}号")
    note = message(recipient.id, title or f"提醒 {status} {updated_at:%Y-%m-%d %H:%M}", updated_at)
    d = Delivery(notification_id=note.id, channel="email", status=status, attempts=1, last_error="",
                 target="x@example.org", created_at=updated_at, updated_at=updated_at)
    db.session.add(d)
    db.session.commit()
    return d


# ------------------------------------------------------------------------------------------------ deliveries

def test_deliveries_page_sends_the_same_statements_for_2_rows_as_for_24(client):
    login_as(client, "admin")
    now = utcnow()
    with client.application.app_context():
        delivery("sent", now - timedelta(hours=2), title="第一条消息")
        delivery("failed", now - timedelta(hours=1), title="第二条消息")
    few, page = count_statements(client, "/inbox/deliveries")
    few_failed, _ = count_statements(client, "/inbox/deliveries?failed=1")
    assert "第一条消息" in page and "第二条消息" in page
    with client.application.app_context():
        for i in range(22):
            d = delivery(("sent", "failed", "retry", "skipped")[i % 4], now - timedelta(minutes=i),
                         title=f"批量消息{i}")
            user = db.session.get(Notification, d.notification_id).recipient
            db.session.add(ReminderSkip(key=f"skip:{i}", recipient_id=user.id, title=f"跳过的提醒{i}",
                                        reason=f"收件人 {user.username} 已停用", created_at=now))
        db.session.commit()
        names = [n.recipient.name for n in db.session.query(Notification).all()]
    many, page = count_statements(client, "/inbox/deliveries")
    many_failed, failed_page = count_statements(client, "/inbox/deliveries?failed=1")
    assert many == few and many_failed == few_failed
    # Each row still shows its recipient and message (loaded with the row, not one query each).
    assert all(name in page for name in names)
    assert "批量消息21" in page and "跳过的提醒21" in page
    assert "批量消息1<" in failed_page and "批量消息0<" not in failed_page  # failed yes, sent no


def test_failures_filter_is_the_latest_failed_waiting_and_unsent_across_statuses(ctx):
    now = utcnow()
    old_failed = delivery("failed", now - timedelta(days=400))
    retry = delivery("retry", now - timedelta(hours=3))
    skipped = delivery("skipped", now - timedelta(hours=2))
    recent_failed = [delivery("failed", now - timedelta(minutes=m)) for m in (50, 40, 30)]
    delivery("sent", now)
    delivery("pending", now)
    assert [d.id for d in queries.recent_deliveries(True, limit=2)] == [recent_failed[2].id, recent_failed[1].id]
    assert [d.id for d in queries.recent_deliveries(True, limit=6)] == (
        [d.id for d in reversed(recent_failed)] + [skipped.id, retry.id, old_failed.id])
    assert len(queries.recent_deliveries(False, limit=100)) == 8


def test_counts_by_status_are_of_every_day_but_sent_only_of_the_last_30_days(client):
    login_as(client, "admin")
    now = utcnow()
    with client.application.app_context():
        delivery("failed", now - timedelta(days=3000))
        delivery("failed", now - timedelta(days=1))
        delivery("pending", now - timedelta(days=45))
        delivery("sent", now - timedelta(days=31))
        delivery("sent", now - timedelta(days=29))
        delivery("sent", now - timedelta(minutes=5))
        assert queries.delivery_counts() == {"failed": 2, "pending": 1, "sent": 2}
    page = client.get("/inbox/deliveries").get_data(as_text=True)
    assert '<span class="badge text-bg-danger">失败 2</span>' in page
    assert '<span class="badge text-bg-secondary">待发送 1</span>' in page
    assert '<span class="badge text-bg-success">近30天已发送 2</span>' in page


def test_the_delivery_pass_takes_the_oldest_due_open_deliveries_of_every_open_status(ctx):
    now = utcnow()
    made = {}
    for name, status, next_at in [("pending", "pending", None), ("retry_due", "retry", now - timedelta(minutes=1)),
                                  ("retry_later", "retry", now + timedelta(minutes=5)),
                                  ("sending_dead", "sending", now - timedelta(minutes=1)),
                                  ("sending_alive", "sending", now + timedelta(minutes=9)),
                                  ("pending2", "pending", now - timedelta(hours=1)), ("sent", "sent", None),
                                  ("failed", "failed", None), ("skipped", "skipped", None)]:
        d = delivery(status, now - timedelta(days=1))
        d.next_attempt_at = next_at
        db.session.commit()
        made[name] = d.id
    due = sorted(made[k] for k in ("pending", "retry_due", "sending_dead", "pending2"))
    assert list(db.session.scalars(jobs._due_ids(now, 200, None))) == due
    assert list(db.session.scalars(jobs._due_ids(now, 3, None))) == due[:3]
    assert list(db.session.scalars(jobs._due_ids(now, 200, [made["retry_due"], made["retry_later"],
                                                                 made["sent"]]))) == [made["retry_due"]]


# ------------------------------------------------------------------------------------------------ inbox

def test_inbox_pages_newest_first_and_the_unread_filter_pages_too(client):
    me = login_as(client, "inspector")
    start = datetime(2024, 1, 1, 1, 0)
    with client.application.app_context():
        other = make_user("inspector")
        for i in range(65):
            # Two messages a minute: same created_at, the later id first.
            message(me.id, f"消息{i:02d}号", start + timedelta(minutes=i // 2), read=i % 3 != 0)
            message(other.id, f"别人{i:02d}号", start + timedelta(minutes=i // 2))
        db.session.commit()

    def titles(html):
        return re.findall(r"<strong class=\"me-auto\">(\S+)</strong>", html)

    n1, first = count_statements(client, "/inbox/")
    assert titles(first) == [f"消息{i:02d}号" for i in range(64, 34, -1)]
    assert 'href="/inbox/?page=3"' in first
    n3, last = count_statements(client, "/inbox/?page=3")
    assert titles(last) == [f"消息{i:02d}号" for i in range(4, -1, -1)]
    assert n3 == n1
    unread = [i for i in range(65) if i % 3 == 0]  # 22 unread
    assert 'data-unread>22</span>' in first and "22 条未读" in first
    _, page = count_statements(client, "/inbox/?unread=1")
    assert titles(page) == [f"消息{i:02d}号" for i in sorted(unread, reverse=True)]
    _, empty = count_statements(client, "/inbox/?page=9")
    assert titles(empty) == [] and "还没有消息" in empty


def test_inbox_statements_do_not_grow_with_the_messages(client):
    me = login_as(client, "leader")
    with client.application.app_context():
        message(me.id, "唯一的消息", utcnow())
        db.session.commit()
    few, _ = count_statements(client, "/inbox/")
    with client.application.app_context():
        for i in range(90):
            message(me.id, f"又一条{i}", utcnow() - timedelta(days=i), read=i % 2 == 0)
        db.session.commit()
    many, page = count_statements(client, "/inbox/")
    assert many == few and "又一条0" in page


# ------------------------------------------------------------------------------------------------ plans

# sqlite_stat1 as ANALYZE writes it for the province (760,000 messages, 3 admins with ~134,000 each; 620,000
# deliveries, of which status has two values of equal weight to the planner).
PROVINCE_STATS = {
    ("notification", "ix_notification_recipient_created"): "763566 255 3 1",
    ("notification", "ix_notification_recipient_id"): "763566 255",
    ("notification", "ix_notification_unread"): "1104 3 3 1 1",
    ("notification", "ix_notification_created_at"): "763566 57",
    ("notification", "sqlite_autoindex_notification_1"): "763566 7",
    ("notification_delivery", "ix_notification_delivery_updated"): "624131 49 1",
    ("notification_delivery", "ix_notification_delivery_status_updated"): "624131 312066 36 1",
    ("notification_delivery", "ix_notification_delivery_status"): "624131 312066",
    ("notification_delivery", "ix_notification_delivery_notification_id"): "624131 1",
    ("notification_delivery", "ix_notification_delivery_next_attempt_at"): "624131 624131",
    ("notification_delivery", "ix_notification_delivery_created_at"): "624131 49",
    ("notification_delivery", "sqlite_autoindex_notification_delivery_1"): "624131 1 1",
}


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite's planner and statistics")
def test_inbox_badge_and_deliveries_are_index_seeks_with_province_statistics(client):
    login_as(client, "admin")
    now = utcnow()
    with client.application.app_context():
        for i in range(6):
            delivery(("sent", "failed", "retry")[i % 3], now - timedelta(hours=i))
        path = db.engine.url.database
    raw = sqlite3.connect(path)
    raw.execute("ANALYZE")
    raw.execute("DELETE FROM sqlite_stat1 WHERE tbl IN ('notification', 'notification_delivery')")
    raw.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                    [(t, i, s) for (t, i), s in PROVINCE_STATS.items()])
    raw.commit()
    raw.close()
    with client.application.app_context():
        db.engine.dispose()  # new connections read the statistics
    sent = []
    for path_ in ("/inbox/", "/inbox/?unread=1", "/inbox/?page=2", "/inbox/deliveries", "/inbox/deliveries?failed=1"):
        with sql_statements(client.application) as seen:
            assert client.get(path_).status_code == 200
        sent += seen
    with sql_statements(client.application) as seen, client.application.app_context():
        jobs.deliver_pending()  # the scheduler's pass every minute: its due deliveries (the 2 retries here)
    sent += seen
    raw = sqlite3.connect(path)
    plans = {}
    for stmt, params in sent:
        if re.search(r"\bFROM notification(_delivery)?\b", stmt):
            plans[" ".join(stmt.split())] = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + stmt, params)]
    raw.close()
    assert plans
    for stmt, plan in plans.items():
        for line in plan:
            # A full scan of either table (or of one of its indexes) reads every row of ten years.
            assert not re.match(r"SCAN notification(_delivery)?\b", line) or \
                line == "SCAN notification_delivery USING INDEX ix_notification_delivery_updated", (stmt, plan)
        if stmt.startswith("SELECT count(*)") and "read_at IS NULL" in stmt:  # the badge
            assert plan == ["SEARCH notification USING COVERING INDEX ix_notification_unread (recipient_id=?)"]
        if "LIMIT" in stmt and "FROM notification WHERE" in stmt:  # a page of the inbox: its ids from one index
            index = "ix_notification_unread" if "read_at IS NULL" in stmt else "ix_notification_recipient_created"
            assert f"SEARCH notification USING COVERING INDEX {index} (recipient_id=?)" in plan, plan
