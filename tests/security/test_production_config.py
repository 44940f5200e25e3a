"""Production mode: no guessable SECRET_KEY, a warning when the session cookie is not marked secure, HSTS when
it is; TRUSTED_PROXIES decides whether X-Forwarded-For / X-Forwarded-Proto are believed."""
import logging
import re

import pytest

from supervision import ConfigError, create_app, weak_secret_key
from supervision.extensions import db

GOOD_KEY = "9c1e4b7a2f5d8c0e3a6b9d2f5c8e1a4b7d0f3c6e"


def _production_app(tmp_path, **extra):
    app = create_app({"SUPERVISION_ENV": "production", "SECRET_KEY": GOOD_KEY, "TESTING": True,
                       "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "p.db"),
                       "SECRET_KEY_FILE": str(tmp_path / "none"), **extra})
    with app.app_context():
        db.create_all()
        db.session.remove()
    return app


@pytest.mark.parametrize("key", ["changeme", "secret", "password", "dev", "test", "supervision", "123456",
                                 "short-but-random-Xq7", "changeme" * 4, "ab" * 20])
def test_production_refuses_an_obvious_or_short_secret_key(tmp_path, monkeypatch, key):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError) as exc:
        _production_app(tmp_path, SECRET_KEY=key)
    message = str(exc.value)
    assert "生产模式拒绝启动" in message and "Refusing to start in production" in message
    assert "secrets.token_hex(32)" in message  # says how to make one


def test_changeme_from_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "changeme")
    monkeypatch.setenv("SUPERVISION_ENV", "production")
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY_FILE": str(tmp_path / "none"),
                    "TESTING": True})


def test_a_random_key_is_accepted_and_development_is_not_checked(tmp_path):
    assert not weak_secret_key(GOOD_KEY)
    assert _production_app(tmp_path).config["SECRET_KEY"] == GOOD_KEY
    dev = create_app({"SECRET_KEY": "changeme", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert dev.config["SECRET_KEY"] == "changeme"


def test_insecure_cookie_warns_at_start_and_sends_no_hsts(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = _production_app(tmp_path, SESSION_COOKIE_SECURE=False)
    assert any("SESSION_COOKIE_SECURE" in r.getMessage() for r in caplog.records)
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_secure_cookie_sends_hsts_and_does_not_warn(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = _production_app(tmp_path, SESSION_COOKIE_SECURE=True)
    assert not any("SESSION_COOKIE_SECURE" in r.getMessage() for r in caplog.records)
    resp = app.test_client().get("/login", base_url="https://supervision.local")
    assert re.fullmatch(r"max-age=\d{7,}", resp.headers["Strict-Transport-Security"])


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
