"""Fixtures: a fresh app and database for every test.

SQLite in a temporary folder by default; set TEST_DATABASE_URL (postgresql+psycopg://...) to run the same
tests on PostgreSQL. The schema is built with create_all; tests/test_migrations.py proves the Alembic
migrations build exactly the same schema on both databases.
"""
import os

import pytest

from supervision import create_app
from supervision.directory.service import seed_reference_data
from supervision.extensions import db


def _database_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path / "test.db")


@pytest.fixture
def app_config(tmp_path):
    """Override or extend in a test module to change the configuration."""
    return {}


@pytest.fixture
def app(tmp_path, app_config):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "DATA_DIR": str(tmp_path / "data"),
    }
    config.update(app_config)
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _user_loaded_per_request(request):
    """Tests that hold an app context across requests make Flask reuse it and its `g`; Flask-Login would then
    keep the first request's user for every later client. Forget it at each request, as production does."""
    if "app" not in request.fixturenames:
        yield
        return
    from flask import g, request_started

    app = request.getfixturevalue("app")

    def forget(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


@pytest.fixture
def ctx(app):
    """An app context for service-level tests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
