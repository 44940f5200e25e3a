"""SQLite as documented: more than one process writes one file (the web server and the scheduler). Twenty users
saving at the same moment through two real server processes all succeed — each write waits for the others
(WAL, a busy timeout, BEGIN IMMEDIATE for requests that may write) instead of failing with "database is locked".
"""
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import text

from supervision.directory.models import Unit
from supervision.extensions import db
from tests.helpers import PASSWORD, make_user
from tests.procs import join_all, read_line, wait

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite only")

WRITERS = 20
WRITES_EACH = 12
SERVE = """
import json, sys
from waitress import create_server
from supervision import create_app
app = create_app(json.loads(sys.argv[1]))
server = create_server(app, host="127.0.0.1", port=0, threads=10)
print(server.effective_port, flush=True)
server.run()
"""


def _post(port, path, form, cookie=""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("POST", path, urllib.parse.urlencode(form), headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (resp.getheader("Set-Cookie") or "").split(";")[0], body
    finally:
        conn.close()


@pytest.fixture
def servers(app):
    """Two waitress processes (as the web server and the scheduler are two) serving the app on the test's SQLite file; yields their ports."""
    keys = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "PASSWORD_HASH_METHOD", "UPLOAD_DIR",
            "DATA_DIR", "TESTING")
    config = json.dumps({k: app.config[k] for k in keys})
    procs, ports = [], []
    try:
        for _ in range(2):
            proc = subprocess.Popen([sys.executable, "-c", SERVE, config], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
            procs.append(proc)
            # Printed once the socket is bound; a child that hangs or dies first fails the test within 60 s.
            ports.append(int(read_line(proc, 60, "a waitress server process")))
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            wait(proc, 30, "a waitress server process after SIGTERM")
            proc.stdout.close()


def _writers(servers, admin, names, before_each=None):
    """WRITERS threads, each logged in on one of the two servers, start together at a barrier and POST a new unit
    for each of names(i); returns {name: [status or "exists" (the form said the name is taken), …]}."""
    start = threading.Barrier(WRITERS, timeout=120)
    results = {}
    lock = threading.Lock()
    errors = []

    def writer(i):
        try:
            write(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            start.abort()

    # Log in one after another before the threads start: parallel logins of one account are throttled (at most 5
    # password checks at once, tests/accounts/test_login_throttle.py); the writes are what run together here.
    cookies = []
    for i in range(WRITERS):
        status, cookie, _ = _post(servers[i % 2], "/login", {"username": admin, "password": PASSWORD})
        assert status == 302 and cookie
        cookies.append(cookie)

    def write(i):
        port, cookie = servers[i % 2], cookies[i]
        start.wait()
        for name in names(i):
            status, _, body = _post(port, "/units/new", {"name": name, "kind": "县直"}, cookie)
            if status == 200:
                status = "exists" if "已有同名单位" in body.decode("utf-8") else status
            with lock:
                results.setdefault(name, []).append(status)
            if status == 500:
                break  # failed already; the rest would only wait for the same lock again

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    join_all(threads, 300, "the writer threads")
    assert not errors, errors
    return results


def _admin(app):
    with app.app_context():
        mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
        admin = make_user("admin").username
        db.session.commit()
        db.session.remove()
    assert mode == "wal"
    return admin


def test_twenty_writers_in_two_processes_on_one_sqlite_file_all_succeed(app, servers):
    """Two writers (one in each process) add each name at the same moment: the request that reads "no such unit
    yet" and then inserts is one transaction, so the second waits and is told the name exists (not a 500 from the
    unique constraint), and nobody fails with "database is locked"."""
    admin = _admin(app)
    results = _writers(servers, admin, lambda i: [f"鲁山县并发测试{i // 2}号单位{n}" for n in range(WRITES_EACH)])

    assert len(results) == WRITERS // 2 * WRITES_EACH
    failed = [(name, s) for name, s in results.items() if 500 in s]
    assert not failed, f"{len(failed)} of {len(results)} names had a 500: {failed[:5]}"
    assert all(sorted(s, key=str) == [302, "exists"] for s in results.values()), results
    with app.app_context():
        assert db.session.query(Unit).filter(Unit.name.like("鲁山县并发测试%")).count() == len(results)


def test_writers_are_not_blocked_by_a_long_read_in_another_process(app, servers):
    """Another process reading for a while (the scheduler's sweep, a long export) holds its read transaction open
    the whole time the twenty writers write: they all succeed, and the reader goes on seeing its snapshot."""
    admin = _admin(app)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        before = reader.execute("SELECT count(*) FROM unit").fetchone()[0]
        results = _writers(servers, admin, lambda i: [f"鲁山县读写并发{i}号单位{n}" for n in range(3)])
        assert reader.execute("SELECT count(*) FROM unit").fetchone()[0] == before
        reader.execute("COMMIT")
    finally:
        reader.close()

    assert len(results) == WRITERS * 3
    assert all(s == [302] for s in results.values()), results
    with app.app_context():
        assert db.session.query(Unit).filter(Unit.name.like("鲁山县读写并发%")).count() == WRITERS * 3


def test_which_transactions_take_the_write_lock_first(app):
    from supervision.extensions import _writing_request

    with app.test_request_context("/units", method="GET"):
        assert not _writing_request()  # a page: never holds the write lock while it reads
    with app.test_request_context("/units/new", method="POST"):
        assert _writing_request()
        assert not _writing_request()  # after its first transaction: nothing held while the page renders
    with app.app_context():
        assert not _writing_request()  # the scheduler, commands: a transaction begins with its first write
