"""Configuration, security headers, CSRF and error pages."""
import pytest

from supervision import ConfigError, create_app
from supervision.config import DEFAULT_SECRET_KEY
from tests.helpers import PASSWORD, login_as, make_user


def test_production_refuses_default_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    cfg = {"SUPERVISION_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    for key in (DEFAULT_SECRET_KEY, ""):
        with pytest.raises(ConfigError) as exc:
            create_app({**cfg, "SECRET_KEY": key, "SECRET_KEY_FILE": str(tmp_path / "none")})
        assert "SECRET_KEY" in str(exc.value) and "生产模式拒绝启动" in str(exc.value)


def test_production_starts_with_a_real_key(tmp_path):
    key = "5f2c9a0e7b1d4c8e9a3f6b2d0c7e1a4f"  # 32 characters, random
    app = create_app({"SUPERVISION_ENV": "production", "SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY_FILE": str(tmp_path / "none")})
    assert app.config["SECRET_KEY"] == key


def test_database_url_switches_to_postgresql(monkeypatch):
    from supervision.config import env_overrides

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.local/supervision")
    assert env_overrides()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.local/supervision"


def test_security_headers(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_post_without_csrf_token_is_refused_and_changes_nothing(csrf_app):
    from supervision.directory.models import Unit
    from supervision.extensions import db

    client = csrf_app.test_client()
    with csrf_app.app_context():
        make_user("admin", username="csrfadmin")
    # The real login form carries a token; a forged post does not.
    resp = client.post("/login", data={"username": "csrfadmin", "password": PASSWORD})
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "csrfadmin", "password": PASSWORD, "csrf_token": token}).status_code == 302
    resp = client.post("/units/new", data={"name": "鲁山县伪造局", "kind": "县直"})
    assert resp.status_code == 400
    with csrf_app.app_context():
        assert db.session.query(Unit).filter_by(name="鲁山县伪造局").count() == 0


def test_error_pages_are_chinese(client):
    login_as(client, "inspector")
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)
    resp = client.get("/users")
    assert resp.status_code == 403 and "没有权限" in resp.get_data(as_text=True)


def test_no_page_loads_anything_from_outside_hosts(app):
    import pathlib
    import re

    root = pathlib.Path(app.root_path).parent
    pattern = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.I)
    offenders = [str(p) for p in (root / "templates").rglob("*.html") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_passwords_are_stored_as_slow_salted_hashes_by_default(tmp_path):
    from supervision.accounts.models import User

    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        user = User(username="h", role="admin")
        user.set_password("Passw0rd2021")
        assert user.password_hash.startswith("scrypt:") and "Passw0rd2021" not in user.password_hash
        assert user.check_password("Passw0rd2021") and not user.check_password("passw0rd2021")


def test_unit_filter_lists_every_unit_escaped_with_the_chosen_one_selected(app, client):
    from tests.helpers import login, make_unit, make_user

    with app.app_context():
        chosen = make_unit("鲁山县<b>审计局</b>&")
        other = make_unit("鲁山县统计局", active=False)
        admin = make_user("admin")
        ids, username = (chosen.id, other.id), admin.username
    login(client, username)
    for url in (f"/rectification/ledger?unit={ids[0]}", f"/visits/?unit={ids[0]}", f"/letters/?unit={ids[0]}"):
        html = client.get(url).get_data(as_text=True)
        assert f'<option value="{ids[0]}" selected>鲁山县&lt;b&gt;审计局&lt;/b&gt;&amp;</option>' in html, url
        assert f'<option value="{ids[1]}">鲁山县统计局' in html, url
    assert "鲁山县统计局（已停用）" in client.get("/visits/").get_data(as_text=True)
