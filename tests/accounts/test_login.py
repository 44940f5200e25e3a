from datetime import timedelta

from supervision.accounts.models import LoginThrottle, User
from supervision.audit import AuditEntry
from supervision.extensions import db
from tests.helpers import PASSWORD, login, make_user


def test_login_page_is_chinese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and "用户名" in html and "密码" in html


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_login_lands_on_role_dashboard_and_logout_ends_session(app, client):
    with app.app_context():
        make_user("inspector", username="zhang")
    resp = login(client, "zhang")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "检查组工作台" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_same_chinese_message(app, client):
    with app.app_context():
        make_user("admin", username="boss")
    for name in ("boss", "nobody"):
        html = login(client, name, "wrong-password1").get_data(as_text=True)
        assert "用户名或密码错误" in html
    assert client.get("/").status_code == 302


def test_deactivated_account_cannot_log_in(app, client):
    with app.app_context():
        make_user("admin", username="gone", active=False)
    html = login(client, "gone").get_data(as_text=True)
    assert "已停用" in html
    assert client.get("/").status_code == 302


def test_missing_fields_get_messages(client):
    html = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html


def test_lockout_after_five_failures_even_with_right_password(app, client):
    with app.app_context():
        make_user("admin", username="target")
    for _ in range(5):
        login(client, "target", "bad-guess-1")
    resp = login(client, "target")
    assert resp.status_code == 429
    assert "锁定" in resp.get_data(as_text=True)
    # After the lock window the right password works again.
    with app.app_context():
        row = db.session.get(LoginThrottle, "user:target")
        row.locked_until -= timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
        db.session.commit()
    assert login(client, "target").status_code == 302


def test_successful_login_clears_earlier_failures(app, client):
    with app.app_context():
        make_user("admin", username="typo")
    for _ in range(4):
        login(client, "typo", "bad-guess-1")
    assert login(client, "typo").status_code == 302
    with app.app_context():
        assert db.session.get(LoginThrottle, "user:typo").attempts == 0
    client.post("/logout")
    for _ in range(4):  # a fresh count: four more failures do not lock
        login(client, "typo", "bad-guess-1")
    assert login(client, "typo").status_code == 302


def test_admin_set_password_must_be_changed_at_first_login(app, client):
    with app.app_context():
        make_user("unit", username="liaison", must_change_password=True)
    resp = login(client, "liaison")
    assert resp.headers["Location"].endswith("/account/password")
    # Any other page sends them back to change the password.
    assert client.get("/").headers["Location"].endswith("/account/password")
    resp = client.post("/account/password", data={"old_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "至少8位" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"old_password": PASSWORD, "new_password": "onlyletters", "confirm": "onlyletters"})
    assert "字母和数字" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"old_password": PASSWORD, "new_password": "NewPass2021", "confirm": "NewPass2021"})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.query(User).filter_by(username="liaison").one()
        assert not user.must_change_password and user.check_password("NewPass2021")
        assert db.session.query(AuditEntry).filter_by(record_id=user.id, action="change_password").count() == 1


def test_idle_session_expires(app, client):
    with app.app_context():
        make_user("admin", username="idle")
    login(client, "idle")
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["_last_seen"] -= (app.config["IDLE_TIMEOUT_MINUTES"] + 1) * 60
    resp = client.get("/", follow_redirects=True)
    assert "自动退出" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_invalidates_a_copied_session_cookie(app, client):
    with app.app_context():
        make_user("admin", username="copy")
    login(client, "copy")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302


def test_session_id_changes_at_login(app, client):
    """Session fixation: what a visitor's cookie held before login is not carried into the session."""
    with app.app_context():
        make_user("admin", username="fix")
    with client.session_transaction() as sess:
        sess["planted"] = "x"
    login(client, "fix")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_session_cookie_flags(app, client):
    with app.app_context():
        make_user("admin", username="flags")
    resp = login(client, "flags")
    cookie = resp.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_refused(app, client):
    with app.app_context():
        make_user("admin", username="redir")
    resp = client.post("/login?next=//evil.example/x", data={"username": "redir", "password": PASSWORD})
    assert resp.headers["Location"] == "/"
