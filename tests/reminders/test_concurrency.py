"""Two sweeps at the same moment on PostgreSQL: every reminder and every webhook call exactly once."""
import os
import threading
from collections import Counter
from datetime import date, datetime

import pytest

from supervision.extensions import db
from supervision.reminders.models import Delivery, Notification
from supervision.reminders.jobs import run_due_reminders
from supervision.timeutil import TZ
from tests.procs import join_all

from .factories import configure, make_slot, make_unit, make_user

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="SQLite serialises writers: two concurrent sweeps need PostgreSQL "
                              "(set TEST_DATABASE_URL)"),
]


def test_two_sweeps_at_once_send_each_reminder_and_each_webhook_call_once(app, webhook_server):
    with app.app_context():
        configure(webhook_url=webhook_server.url)
        inspectors = [make_user("inspector") for _ in range(12)]
        for i in range(6):  # six weeks starting on the same Monday is odd, but gives many reminders at once
            make_slot(date(2021, 3, 8), [make_unit()], inspectors, month=3, week=10 + i)
        expected = 6 * len(inspectors)

    now = datetime(2021, 3, 5, 9, 0, tzinfo=TZ)
    barrier = threading.Barrier(3)
    results, errors = [], []

    def sweep():
        try:
            with app.app_context():
                barrier.wait(10)
                results.append(run_due_reminders(now))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for t in threads:
        t.start()
    join_all(threads, 60, "the sweeps")
    assert errors == []
    assert sum(len(r.sent) for r in results) == expected
    assert all(r.errors == [] for r in results), [r.errors for r in results]

    with app.app_context():
        keys = [k for (k,) in db.session.query(Notification.key)]
        assert len(keys) == expected and len(set(keys)) == expected
        assert db.session.query(Delivery).filter_by(status="sent").count() == expected
    calls = Counter(call["json"]["key"] for call in webhook_server.received)
    assert len(calls) == expected and set(calls.values()) == {1}
