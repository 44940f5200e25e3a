"""Two admins registering at the same moment get distinct, consecutive 备案号 (SQLite and PostgreSQL), and the
same filing registered in two tabs at once gets one number. The threads start together at a barrier; the
registration queues on the settings row's lock (or SQLite's write lock, taken at the start of a request that
may write) and a clash over (year, seq) is retried in a savepoint."""
import threading
from datetime import date

from supervision.accounts.models import User
from supervision.extensions import db
from supervision.filings import operations
from supervision.filings.models import PenaltyFiling
from tests.helpers import make_user
from tests.procs import join_all

from .conftest import file_penalty

D = date(2026, 10, 20)


def _race(app, admin_ids, filing_ids):
    n = len(filing_ids)
    barrier = threading.Barrier(n, timeout=20)
    results, errors = [None] * n, [None] * n

    def work(i):
        # As in a POST request (SQLite: BEGIN IMMEDIATE for a request that may write, see extensions.py).
        with app.test_request_context("/filings/penalty/register", method="POST"):
            try:
                barrier.wait()  # before the first read: on SQLite that read begins the request's write transaction
                user = db.session.get(User, admin_ids[i])
                filing = db.session.get(PenaltyFiling, filing_ids[i])
                results[i] = operations.register(filing, user, day=D).number
                db.session.commit()  # the service flushes; its caller commits
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    join_all(threads, 60, "the registering threads")
    return results, errors


def _setup(app, n):
    with app.app_context():
        operations.ensure_settings()
        admins = [make_user("admin").id for _ in range(n)]
        unit_user = make_user("unit")
        filings = [file_penalty(unit_user, decision_number=f"罚{i}").id for i in range(n)]
        db.session.commit()
    return admins, filings


def test_concurrent_registrations_get_distinct_consecutive_numbers(app):
    admins, filings = _setup(app, 3)
    results, errors = _race(app, admins, filings)
    assert errors == [None] * 3, errors
    assert sorted(results) == [f"罚备〔2026〕{i}号" for i in (1, 2, 3)]
    with app.app_context():
        assert sorted(s for (s,) in db.session.query(PenaltyFiling.seq)) == [1, 2, 3]


def test_the_same_filing_in_two_tabs_gets_one_number(app):
    admins, (fid,) = _setup(app, 1)
    with app.app_context():
        admins.append(make_user("admin").id)
    results, errors = _race(app, admins, [fid, fid])
    assert errors == [None, None], errors
    assert results == ["罚备〔2026〕1号", "罚备〔2026〕1号"]
    with app.app_context():
        assert operations.next_seq(PenaltyFiling, 2026) == 2
