"""Issue 13, item 4: a password the admin resets (or lets the system make) is shown once on the page and never
put in the session cookie; calendar feed addresses are stored as a SHA-256 only and die with a password reset
or a deactivation (enabling the account again does not bring the old address back)."""
import hashlib
import json
import re

from sqlalchemy import inspect, select

from supervision.accounts import operations
from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.schedule.models import FeedToken
from tests.helpers import login, login_as, make_user

KNOWN = "Known2021pw"


def _session(app, client) -> str:
    cookie = client.get_cookie("session")
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value), ensure_ascii=False)


def test_reset_password_is_on_the_page_and_not_in_the_session_cookie(app, client, monkeypatch):
    monkeypatch.setattr(operations, "generate_password", lambda: KNOWN)
    with app.app_context():
        uid = make_user("inspector", username="forgetful").id
    login_as(client, "admin")
    resp = client.post(f"/users/{uid}/reset-password")
    assert KNOWN not in _session(app, client)
    assert KNOWN not in (resp.headers.get("Set-Cookie") or "")
    assert KNOWN in resp.get_data(as_text=True) and resp.headers["Cache-Control"] == "no-store"
    assert KNOWN not in client.get("/users").get_data(as_text=True)  # once
    assert login(app.test_client(), "forgetful", KNOWN).status_code == 302


def test_generated_initial_password_is_on_the_page_and_not_in_the_session_cookie(app, client, monkeypatch):
    monkeypatch.setattr(operations, "generate_password", lambda: KNOWN)
    login_as(client, "admin")
    resp = client.post("/users/new", data={"username": "newbie", "role": "leader", "office_id": "0",
                                           "unit_id": "0"})
    assert KNOWN not in _session(app, client)
    assert KNOWN in resp.get_data(as_text=True)


def _feed_url(client) -> str:
    body = client.post("/schedule/mine/feed").get_data(as_text=True)
    return re.search(r'value="https?://[^"/]+(/[^"]+\.ics)"', body).group(1)


def test_feed_token_is_stored_hashed_and_looked_up_by_hash(app, client):
    login_as(client, "inspector")
    url = _feed_url(client)
    token = url.rsplit("/", 1)[1][:-len(".ics")]
    with app.app_context():
        assert "token" not in {c["name"] for c in inspect(db.engine).get_columns("schedule_feed_token")}
        (stored,) = db.session.scalars(select(FeedToken.token_hash)).all()
        assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    anon = app.test_client()
    assert anon.get(url).status_code == 200
    assert anon.get(f"/schedule/feed/{stored}.ics").status_code == 401  # the stored value opens nothing
    assert ".ics" not in client.get("/schedule/mine").get_data(as_text=True)  # shown only when made
    assert "您已生成过日历订阅地址" in client.get("/schedule/mine").get_data(as_text=True)


def test_password_reset_revokes_the_feed_address(app, client):
    inspector = app.test_client()
    me = login_as(inspector, "inspector")
    url = _feed_url(inspector)
    login_as(client, "admin")
    client.post(f"/users/{me.id}/reset-password")
    assert app.test_client().get(url).status_code == 401
    with app.app_context():
        assert db.session.query(FeedToken).count() == 0
        assert db.session.query(AuditEntry).filter_by(action="revoke_feed", record_id=me.id).count() == 1


def test_deactivation_revokes_the_feed_address_for_good(app, client):
    inspector = app.test_client()
    me = login_as(inspector, "inspector")
    url = _feed_url(inspector)
    login_as(client, "admin")
    client.post(f"/users/{me.id}/active", data={"active": "0"})
    assert app.test_client().get(url).status_code == 401
    client.post(f"/users/{me.id}/active", data={"active": "1"})
    assert app.test_client().get(url).status_code == 401  # enabling again does not revive it
    with app.app_context():
        assert db.session.query(FeedToken).count() == 0
