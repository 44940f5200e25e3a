"""Issue 13, item 3: behind the reverse proxy one liaison must not lock out the bureau.

A client address is slowed down, never locked; an account locks after 5 failures (and a burst of parallel
guesses gets no more than 5 password checks); every failure, lock and unlock is audited with the client's real
address (X-Forwarded-For only with TRUSTED_PROXIES); an unknown name costs one hash check like a known one.
"""
import json
import threading
from datetime import timedelta

import pytest

from supervision.accounts import models as account_models
from supervision.accounts import login as login_check
from supervision.accounts import views
from supervision.accounts.models import LoginThrottle
from supervision.audit import AuditEntry
from supervision.extensions import db
from tests.helpers import PASSWORD, login, login_as, make_user
from tests.procs import join_all

PROXIED = {"TRUSTED_PROXIES": 1}


@pytest.fixture
def hash_checks(monkeypatch):
    """Count every password verification (thread-safe)."""
    calls = []
    lock = threading.Lock()
    real = account_models.check_password_hash

    def counting(pwhash, password):
        with lock:
            calls.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(account_models, "check_password_hash", counting)
    return calls


def _entries(app, *actions):
    with app.app_context():
        return [(e.action, e.address, e.username, e.summary, e.after)
                for e in db.session.query(AuditEntry).filter(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)]


def test_failures_under_many_names_from_one_address_never_block_a_correct_password(app, client):
    with app.app_context():
        make_user("unit", username="liaison")
        make_user("admin", username="boss")
    for n in range(40):  # one mistyping office behind one proxy address
        resp = login(client, f"someone{n % 8}", "wrong-guess-1")
        assert resp.status_code == 200 and "用户名或密码错误" in resp.get_data(as_text=True)
    for _ in range(4):
        login(client, "liaison", "wrong-guess-1")
    assert login(client, "liaison").status_code == 302
    client.post("/logout")
    assert login(client, "boss").status_code == 302


def test_failure_delay_grows_per_address_and_is_capped(app):
    with app.app_context():
        app.config.update(LOGIN_ADDRESS_FREE_FAILURES=10, LOGIN_ADDRESS_DELAY_SECONDS=1.0,
                          LOGIN_ADDRESS_DELAY_MAX_SECONDS=8.0)
        assert [login_check.failure_delay(n) for n in range(1, 16)] == [0] * 10 + [1, 2, 4, 8, 8]
        assert login_check.failure_delay(10_000) == 8.0
        app.config["LOGIN_ADDRESS_DELAY_SECONDS"] = 0  # the tests' setting: never a wait
        assert login_check.failure_delay(10_000) == 0


@pytest.mark.parametrize("app_config", [{"LOGIN_ADDRESS_FREE_FAILURES": 3, "LOGIN_ADDRESS_DELAY_SECONDS": 1.0,
                                         "LOGIN_ADDRESS_DELAY_MAX_SECONDS": 4.0}])
def test_only_failed_answers_wait_and_a_correct_password_does_not(app, client, monkeypatch):
    waits = []
    monkeypatch.setattr(views.time, "sleep", waits.append)  # record the delay instead of waiting
    with app.app_context():
        make_user("admin", username="boss")
    for n in range(6):
        assert login(client, f"guess{n}", "wrong-guess-1").status_code == 200
    assert waits == [1.0, 2.0, 4.0]
    assert login(client, "boss").status_code == 302
    assert waits == [1.0, 2.0, 4.0]


def test_parallel_guesses_get_at_most_five_password_checks(app, hash_checks):
    with app.app_context():
        make_user("admin", username="target")
    start = threading.Barrier(40, timeout=60)
    statuses, lock = [], threading.Lock()

    def guess(n):
        client = app.test_client()
        start.wait()
        status = login(client, "target", f"parallel-guess-{n}").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    join_all(threads, 120, "the guessing clients")
    assert len(hash_checks) == 5
    assert sorted(statuses) == [200] * 5 + [429] * 35
    assert login(app.test_client(), "target").status_code == 429  # locked: the right password waits too
    assert len(hash_checks) == 5
    assert [a for a, *_ in _entries(app, "lock")] == ["lock"]


def test_known_and_unknown_names_cost_exactly_one_hash_check(app, client, hash_checks):
    with app.app_context():
        make_user("admin", username="real")
    login(client, "real", "wrong-guess-1")
    assert len(hash_checks) == 1
    login(client, "made-up-name", "wrong-guess-1")
    assert len(hash_checks) == 2
    assert login(client, "real").status_code == 302
    assert len(hash_checks) == 3


@pytest.mark.parametrize("app_config", [PROXIED])
def test_failures_lock_and_unlock_are_audited_with_the_forwarded_address(app, client):
    with app.app_context():
        make_user("admin", username="target")
    far = {"X-Forwarded-For": "10.20.30.40"}
    for _ in range(5):
        client.post("/login", data={"username": "Target", "password": "wrong-Secret-1"}, headers=far)
    assert client.post("/login", data={"username": "target", "password": PASSWORD}, headers=far).status_code == 429
    rows = _entries(app, "login_failed", "lock", "login_refused", "unlock", "login")
    assert [a for a, *_ in rows] == ["login_failed"] * 5 + ["lock", "login_refused"]
    assert {addr for _, addr, *_ in rows} == {"10.20.30.40"}
    assert all(json.loads(after)["username"].lower() == "target" for *_, after in rows)
    assert not any("wrong-Secret-1" in " ".join(map(str, r)) or PASSWORD in " ".join(map(str, r)) for r in rows)
    with app.app_context():  # the lock runs out
        row = db.session.get(LoginThrottle, "user:target")
        row.locked_until -= timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
        db.session.commit()
    assert client.post("/login", data={"username": "target", "password": PASSWORD}, headers=far).status_code == 302
    rows = _entries(app, "unlock", "login")
    assert [(a, addr) for a, addr, *_ in rows] == [("unlock", "10.20.30.40"), ("login", "10.20.30.40")]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(app, client):
    client.post("/login", data={"username": "nobody", "password": "wrong-guess-1"},
                headers={"X-Forwarded-For": "10.9.9.9"})
    assert [addr for _, addr, *_ in _entries(app, "login_failed")] == ["127.0.0.1"]


@pytest.mark.parametrize("app_config", [PROXIED])
def test_trusted_proxy_sets_the_scheme_from_x_forwarded_proto(app, client):
    login_as(client, "inspector")
    body = client.post("/schedule/mine/feed", headers={"X-Forwarded-Proto": "https"}).get_data(as_text=True)
    assert 'value="https://' in body


def test_admin_unlocks_an_account_and_it_is_audited(app, client):
    with app.app_context():
        uid = make_user("unit", username="locked1").id
    other = app.test_client()
    for _ in range(5):
        login(other, "locked1", "wrong-guess-1")
    assert login(other, "locked1").status_code == 429
    login_as(client, "admin")
    html = client.get("/users").get_data(as_text=True)
    assert "登录已锁定" in html and f"/users/{uid}/unlock" in html
    assert client.post(f"/users/{uid}/unlock").status_code == 302
    assert login(other, "locked1").status_code == 302
    (unlock,) = _entries(app, "unlock")
    assert unlock[2].startswith("admin") and "locked1" in unlock[3]
