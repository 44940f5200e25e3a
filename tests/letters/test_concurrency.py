"""Two admins issuing at the same moment get distinct, consecutive numbers (PostgreSQL).

SQLite serialises writers on one file lock, so the race this guards against cannot happen there; the
retry path itself is tested on every database in test_issue.py (test_a_clash_over_a_number_is_retried).
"""
import os
import threading
from datetime import date

import pytest

from supervision.accounts.models import User
from supervision.extensions import db
from supervision.letters import operations
from supervision.letters.errors import LetterError
from supervision.letters.models import Letter, LetterFile
from tests.procs import join_all

from .conftest import make_visit

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="needs TEST_DATABASE_URL=postgresql+psycopg://…"),
    pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                       reason="apt-get install fonts-arphic-uming"),
]
D = date(2021, 9, 1)


def _race(app, admin_ids, letter_ids, monkeypatch):
    """Issue letter_ids[i] as admin_ids[i] in parallel threads, all starting at the same moment.

    issue_letter takes the letter type's row lock before counting (held until the caller commits), so the
    issuers queue for the number rather than all reading the same one (a barrier inside the count would now
    deadlock by design)."""
    n = len(letter_ids)
    barrier = threading.Barrier(n, timeout=20)
    results, errors = [None] * n, [None] * n

    def work(i):
        with app.app_context():
            try:
                user = db.session.get(User, admin_ids[i])
                barrier.wait()
                results[i] = operations.issue_letter(letter_ids[i], user, issue_date=D).number
                db.session.commit()  # the service flushes; its caller (here the test) commits
            except Exception as exc:  # noqa: BLE001 - reported below
                errors[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    join_all(threads, 30, "the issuing threads")
    return results, errors


def test_concurrent_issues_get_distinct_consecutive_numbers(app, monkeypatch):
    from tests.helpers import make_user

    with app.app_context():
        admins = [make_user("admin").id for _ in range(4)]
        letters = []
        for _ in range(4):
            letter = operations.draft_letter(make_visit(), db.session.get(User, admins[0]))
            db.session.commit()
            letters.append(letter.id)
    results, errors = _race(app, admins, letters, monkeypatch)
    assert errors == [None] * 4, errors
    assert sorted(results) == sorted(f"鲁政行监字〔2021〕{i}号" for i in range(1, 5))
    with app.app_context():
        seqs = sorted(s for (s,) in db.session.query(Letter.seq).all())
        assert seqs == [1, 2, 3, 4]
        assert db.session.query(LetterFile).count() == 4


def test_same_letter_in_two_tabs_gets_one_number(app, monkeypatch):
    from tests.helpers import make_user

    with app.app_context():
        admins = [make_user("admin").id for _ in range(2)]
        letter = operations.draft_letter(make_visit(), db.session.get(User, admins[0]))
        db.session.commit()
        lid = letter.id
    results, errors = _race(app, admins, [lid, lid], monkeypatch)
    monkeypatch.undo()
    assert sum(r is not None for r in results) == 1
    assert [type(e) for e in errors if e is not None] == [LetterError]
    with app.app_context():
        assert db.session.get(Letter, lid).number == "鲁政行监字〔2021〕1号"
        assert db.session.query(LetterFile).count() == 1
        assert operations.next_seq(db.session.get(Letter, lid).letter_type_id, 2021) == 2


def test_a_receipt_and_the_entry_of_its_deadlines_year_at_the_same_moment(app, monkeypatch):
    """The admin enters 2027 while a paper delivery of 2 December 2026 (30 days end in 2027) is recorded: whichever
    commits first, the deadline ends up computed — never left 待定 with 2027 known. Here the entry is under way
    (written, not committed) when the receipt finds 2027 unknown: the receipt waits for it and asks again."""
    from datetime import datetime

    from sqlalchemy import text

    from supervision import timeutil, workcal
    from supervision.timeutil import TZ
    from tests.helpers import make_user

    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 12, 2, 10, 0, tzinfo=TZ))
    with app.app_context():
        admin = make_user("admin")
        admin_id = admin.id
        draft = operations.draft_letter(make_visit(), admin)
        db.session.commit()
        lid = operations.issue_letter(draft.id, admin, issue_date=date(2026, 11, 30)).id
        db.session.commit()
    entered, done = threading.Event(), threading.Event()
    errors = []

    def enter():
        with app.app_context():
            try:
                workcal.enter_year(2027, [(date(2027, 1, 1), "元旦")], [])
                entered.set()
                # Commit only once the receipt is waiting for this entry (or after 20 s, failing below).
                for _ in range(200):
                    waiting = db.engine.connect()
                    try:
                        n = waiting.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                                 "AND NOT granted")).scalar()
                    finally:
                        waiting.close()
                    if n or done.wait(0.1):
                        break
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    def receive():
        with app.app_context():
            try:
                entered.wait(20)
                letter = db.session.get(Letter, lid)
                operations.record_delivery(letter, date(2026, 12, 2), db.session.get(User, admin_id))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                done.set()
                db.session.remove()

    threads = [threading.Thread(target=enter), threading.Thread(target=receive)]
    for t in threads:
        t.start()
    join_all(threads, 40, "the calendar entry and the receipt")
    assert errors == []
    with app.app_context():
        letter = db.session.get(Letter, lid)
        assert letter.receipt_date == date(2026, 12, 2) and letter.deadline == date(2027, 1, 4)
