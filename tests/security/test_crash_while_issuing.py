"""Nothing lost: the app is killed (SIGKILL) while letters are being issued, and afterwards no number is lost
or duplicated and no half-written record remains.

A real waitress process serves the app on a temporary database (SQLite, or a fresh database on the
PostgreSQL server TEST_DATABASE_URL points at). Many drafts are issued through the real form by parallel
clients; the server is killed with requests in flight, twice, and restarted each time. Then: the issued
letters are numbered 1..N without a gap or a repeat, each has exactly one stored PDF whose SHA-256 matches
its bytes and its audit entry, every draft has no number, no PDF and no issue audit, and issuing the
remaining drafts after the crashes continues at N+1.
"""
import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from supervision import create_app
from supervision.extensions import db
from tests.procs import join_all, wait

ROOT = Path(__file__).resolve().parents[2]
DRAFTS = 24


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A database of its own: the live server's process and this test share it, the other tests do not."""
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    name = f"crash_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Server:
    def __init__(self, tmp: Path, url: str):
        self.tmp, self.port = tmp, _free_port()
        self.env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "crash-test-secret-key-0123456789abcdef",
                    "SUPERVISION_UPLOAD_DIR": str(tmp / "uploads"), "SUPERVISION_DATA_DIR": str(tmp / "data"),
                    "PYTHONUNBUFFERED": "1"}
        self.env.pop("TEST_DATABASE_URL", None)
        self.proc = None

    def start(self):
        log = open(self.tmp / "waitress.log", "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "waitress", "--host", "127.0.0.1", f"--port={self.port}",
                                      "--threads", "6", "wsgi:app"], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        log.close()
        # Polling with a deadline: nothing tells this test when the child's socket is bound. A child that exits
        # (a port clash, an import error) fails at once rather than at the deadline.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                self.request("GET", "/login")
                return self
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        wait(self.proc, 10, "waitress")
        pytest.fail("waitress did not start:\n" + (self.tmp / "waitress.log").read_text(), pytrace=False)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        wait(self.proc, 10, "waitress after SIGKILL")

    def request(self, method, path, body=None, cookie=""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Cookie": cookie} if cookie else {}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                body = urllib.parse.urlencode(body)
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheader("Set-Cookie") or "", resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def login(self, username, password):
        _, set_cookie, html = self.request("GET", "/login")
        cookie = set_cookie.split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        status, set_cookie, _ = self.request("POST", "/login", {"username": username, "password": password,
                                                                "csrf_token": token}, cookie)
        assert status == 302, "login failed"
        cookie = set_cookie.split(";", 1)[0]
        _, set_cookie, html = self.request("GET", "/", cookie=cookie)
        if set_cookie:  # the CSRF secret was just put in the session
            cookie = set_cookie.split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        return cookie, token


def _seed(url: str, tmp: Path) -> tuple[list[int], str]:
    from supervision.letters import operations as letters
    from tests.helpers import PASSWORD, make_unit, make_user
    from tests.letters.conftest import make_visit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40, "UPLOAD_DIR": str(tmp / "uploads"),
                      "DATA_DIR": str(tmp / "data")})
    with app.app_context():
        from supervision.directory.operations import seed_reference_data

        db.create_all()
        seed_reference_data()
        db.session.commit()
        admin = make_user("admin", username="crashadmin")
        ids = []
        for n in range(DRAFTS):
            unit = make_unit(f"鲁山县崩溃测试单位{n}")
            visit = make_visit(unit, problems=((f"问题{n}：执法人员未按规定着装", "需下达意见书"),))
            ids.append(letters.draft_letter(visit, admin).id)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids, PASSWORD


class Outcomes(list):
    """(letter id, HTTP status or the name of the error) per request, as they come; a test can wait for some."""

    def __init__(self):
        super().__init__()
        self.changed = threading.Condition()

    def add(self, outcome) -> None:
        with self.changed:
            self.append(outcome)
            self.changed.notify_all()

    def wait_for_issued(self, n: int, timeout: float) -> bool:
        """Block until n requests have issued their letter (302), or timeout: whether they did."""
        with self.changed:
            return self.changed.wait_for(lambda: sum(1 for _, s in self if s == 302) >= n, timeout)


def _fire(server, cookie, token, ids, outcomes: Outcomes):
    def one(letter_id):
        try:
            status, _, _ = server.request("POST", f"/letters/{letter_id}/issue", {"csrf_token": token}, cookie)
            outcomes.add((letter_id, status))
        except OSError as exc:  # the server died under this request
            outcomes.add((letter_id, type(exc).__name__))

    threads = [threading.Thread(target=one, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    return threads


def _state(url: str, tmp: Path) -> dict:
    from supervision.audit import AuditEntry
    from supervision.letters.models import Letter, LetterFile

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40, "UPLOAD_DIR": str(tmp / "uploads"),
                      "DATA_DIR": str(tmp / "data")})
    with app.app_context():
        letters = db.session.query(Letter).order_by(Letter.id).all()
        files = db.session.query(LetterFile).all()
        audits = db.session.query(AuditEntry).filter_by(record_type="letter", action="issue").all()
        out = {
            "issued": [(x.id, x.year, x.seq, x.number, x.content_json is not None) for x in letters if not x.is_draft],
            "drafts": [(x.id, x.year, x.seq, x.number, x.issue_date, x.content_json) for x in letters if x.is_draft],
            "files": [(f.letter_id, f.kind, f.sha256, hashlib.sha256(f.data).hexdigest(), f.size, len(f.data))
                      for f in files],
            "audits": [(a.record_id, a.after) for a in audits],
        }
        db.session.remove()
        db.engine.dispose()
    return out


def _check(state: dict) -> int:
    issued = state["issued"]
    seqs = sorted(s for _, _, s, _, _ in issued)
    assert seqs == list(range(1, len(issued) + 1)), f"numbers lost or repeated: {seqs}"
    assert len({n for _, _, _, n, _ in issued}) == len(issued)
    assert all(frozen for *_, frozen in issued)
    by_letter = {}
    for letter_id, kind, digest, actual, size, length in state["files"]:
        assert digest == actual and size == length, f"letter {letter_id}: stored PDF does not match its SHA-256"
        by_letter.setdefault(letter_id, []).append(kind)
    issued_ids = {i for i, *_ in issued}
    assert set(by_letter) == issued_ids, "a PDF without an issued letter, or an issued letter without its PDF"
    assert all(kinds == ["pdf"] for kinds in by_letter.values())
    digests = {letter_id: digest for letter_id, _, digest, *_ in state["files"]}
    audited = {}
    for record_id, after in state["audits"]:
        assert record_id not in audited, f"letter {record_id} issued twice in the audit log"
        audited[record_id] = after
    assert set(audited) == issued_ids
    for letter_id, after in audited.items():
        after = json.loads(after) if isinstance(after, str) else after
        assert after["sha256"] == digests[letter_id]
    for letter_id, year, seq, number, issue_date, content in state["drafts"]:
        assert seq is None and year is None and issue_date is None and not number and not content, \
            f"draft {letter_id} half-issued"
    return len(issued)


def test_killing_the_server_mid_issue_loses_and_duplicates_no_number(tmp_path, database_url):
    ids, password = _seed(database_url, tmp_path)
    server = Server(tmp_path, database_url)
    interrupted = 0
    pending = list(ids)
    for round_no, batch in enumerate((pending[:10], pending[10:20])):
        server.start()
        cookie, token = server.login("crashadmin", password)
        outcomes = Outcomes()
        threads = _fire(server, cookie, token, batch, outcomes)
        # Let some issues finish (woken by the second 302, not by polling), then kill the server while the rest
        # are being handled. Should two never finish, the count check below fails.
        outcomes.wait_for_issued(2, timeout=20)
        server.kill()
        join_all(threads, 30, "the issuing clients")
        interrupted += sum(1 for _, s in outcomes if not isinstance(s, int))
        assert all(s in (302,) or not isinstance(s, int) for _, s in outcomes), outcomes
        count = _check(_state(database_url, tmp_path))
        assert 2 <= count <= 10 * (round_no + 1)
    assert interrupted > 0, "the server was never killed with a request in flight"
    # After the crashes: issuing every remaining draft continues the numbers without a gap.
    server.start()
    cookie, token = server.login("crashadmin", password)
    state = _state(database_url, tmp_path)
    remaining = [d[0] for d in state["drafts"]]
    outcomes = Outcomes()
    join_all(_fire(server, cookie, token, remaining, outcomes), 60, "the issuing clients")
    server.kill()
    assert sorted(s for _, s in outcomes) == [302] * len(remaining), outcomes
    assert _check(_state(database_url, tmp_path)) == DRAFTS
