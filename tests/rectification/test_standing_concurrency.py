"""Two admins deciding on the same letter at the same moment, and two letters of one year closing at the same
moment (PostgreSQL): both changes land, and the stored states and the year's sums are what derive says.

Each refresh of a letter's stored state takes the letter's row lock, and each year's sums an advisory lock, so
the second transaction waits for the first and then re-reads the facts. (Without the advisory lock the second
closing fails on the year's row; the letter's lock orders refreshes even when the letter has no stored rows yet
to lock.) SQLite serialises writers on one file lock, so this race cannot happen there. The first transaction keeps its
transaction open until pg_locks shows the second waiting on it: no sleep, and no pass without the contention.
"""
import os
import threading
import time
from datetime import date

import pytest
from sqlalchemy import text

from supervision.accounts.models import User
from supervision.extensions import db
from supervision.rectification import operations, queries, standing
from supervision.rectification.models import OpenLetter, Reply
from tests.helpers import make_user

from .conftest import make_letter
from .test_standing import reply_all

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="needs TEST_DATABASE_URL=postgresql+psycopg://…"),
    pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                       reason="apt-get install fonts-arphic-uming"),
]
D = date(2021, 9, 20)


def _blocked_by(pid: int, gave_up: threading.Event, timeout: float = 20) -> bool:
    """Watch pg_locks (pg_blocking_pids) from a connection of its own until some backend waits for a lock held by
    backend `pid`: True then; False if `gave_up` is set first (the other transaction finished without waiting) or
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while time.monotonic() < deadline and not gave_up.is_set():
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                        "WHERE :pid = ANY(pg_blocking_pids(pid))"), {"pid": pid}).scalar()
            conn.rollback()
            if waiting:
                return True
            gave_up.wait(0.005)  # until the next look at pg_locks (returns at once when the other one finished)
    return False


def _two_at_once(app, actions):
    """Run each action(session) in its own app context and thread: the first flushes and keeps its transaction
    open until PostgreSQL shows the second waiting for one of its locks, then commits. Returns the errors and
    whether that wait was seen (the contention these tests are about)."""
    flushed, second_done = threading.Event(), threading.Event()
    errors = [None, None]
    contended = []

    def work(i):
        with app.app_context():
            try:
                if i == 1:
                    flushed.wait(10)
                actions[i]()
                db.session.flush()
                if i == 0:
                    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                    flushed.set()
                    contended.append(_blocked_by(pid, second_done))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors[i] = exc
            finally:
                flushed.set()
                if i == 1:
                    second_done.set()
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors, contended == [True]


def _decide(admin_id, reply_id, accept):
    def run():
        user, reply = db.session.get(User, admin_id), db.session.get(Reply, reply_id)
        if accept:
            operations.accept_problem(reply, user)
        else:
            operations.return_problem(reply, user, "材料不全")
    return run


def test_an_extension_and_a_decision_on_one_letter_at_once(app):
    """Different rows of one letter (its extension, a reply): only the letter's lock orders the two refreshes."""
    with app.app_context():
        admins = [make_user("admin"), make_user("admin")]
        from tests.helpers import make_unit

        unit = make_unit()
        unit_user = make_user("unit", unit=unit)
        letter = make_letter(admins[0], unit)
        reply_all(letter, unit_user, D)
        ext = operations.request_extension(letter, unit_user, date(2021, 10, 31), "需要时间")
        db.session.commit()
        first = queries.letter_state(letter).problems[0].latest.id
        ids, letter_id, ext_id = [a.id for a in admins], letter.id, ext.id

    def approve():
        from supervision.rectification.models import Extension

        operations.decide_extension(db.session.get(Extension, ext_id), db.session.get(User, ids[0]), True,
                                 date(2021, 10, 31))

    errors, contended = _two_at_once(app, [approve, _decide(ids[1], first, False)])
    assert errors == [None, None], errors
    assert contended, "the second decision never waited for the first's lock on the letter"
    with app.app_context():
        row = db.session.get(OpenLetter, letter_id)
        assert (row.state, row.deadline) == ("submitted", date(2021, 10, 31))
        assert standing.differences() == []


def test_two_letters_of_one_year_closing_at_once(app):
    with app.app_context():
        admins = [make_user("admin"), make_user("admin")]
        from tests.helpers import make_unit

        unit = make_unit()
        unit_user = make_user("unit", unit=unit)
        replies = []
        for _ in range(2):
            letter = make_letter(admins[0], unit, problems=("未公示权责清单。",))
            reply_all(letter, unit_user, D)
            replies.append(queries.letter_state(letter).problems[0].latest.id)
        ids = [a.id for a in admins]
    errors, contended = _two_at_once(app, [_decide(ids[0], replies[0], True), _decide(ids[1], replies[1], True)])
    assert errors == [None, None], errors
    assert contended, "the second closing never waited for the first's lock on the year's sums"
    with app.app_context():
        [year] = standing.closed_years()
        assert (year.issue_year, year.closed) == (2021, 2)
        assert standing.differences() == []
