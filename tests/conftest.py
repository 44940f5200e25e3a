"""Fixtures: a fresh app and database for every test.

SQLite in a temporary folder by default (a copy of a template built once per session); set TEST_DATABASE_URL
(postgresql+psycopg://...) to run the same tests on PostgreSQL (schema built once per session, tables emptied
before each test). The schema is built with create_all; tests/test_migrations.py proves the Alembic migrations
build exactly the same schema on both databases.
"""
import os
import shutil

import pytest
from sqlalchemy import inspect, text

from supervision import create_app
from supervision.directory.operations import seed_reference_data
from supervision.extensions import db


_postgres_schema_built = False


def _base_config(url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        # Hashing with scrypt costs ~0.2 s a password; the tests create hundreds of users.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Failed logins from one address are answered slowly in production; tests never wait.
        "LOGIN_ADDRESS_DELAY_SECONDS": 0,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "DATA_DIR": str(tmp_path / "data"),
    }


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """One SQLite file with the schema and reference data; each test gets a copy (much faster than create_all)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    app = create_app(_base_config("sqlite:///" + str(path), folder))
    with app.app_context():
        db.create_all()
        seed_reference_data()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


def _reset_postgres() -> None:
    """Empty every table (TRUNCATE) once the schema exists; build it afresh the first time in a session."""
    global _postgres_schema_built
    existing = set(inspect(db.engine).get_table_names())
    if not _postgres_schema_built or not set(db.metadata.tables) <= existing:
        db.drop_all()
        db.create_all()
        _postgres_schema_built = True
    else:
        names = ", ".join(f'"{t}"' for t in db.metadata.tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    seed_reference_data()
    db.session.commit()


@pytest.fixture
def app_config(tmp_path):
    """Override or extend in a test module to change the configuration."""
    return {}


@pytest.fixture
def app(tmp_path, app_config, request):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        target = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        url = "sqlite:///" + str(target)
    config = _base_config(url, tmp_path)
    config.update(app_config)
    app = create_app(config)
    if url.startswith("postgresql"):
        with app.app_context():
            _reset_postgres()
    yield app
    with app.app_context():
        db.session.remove()
        try:
            _standing_agrees_with_derive()
        finally:
            db.session.remove()
            db.engine.dispose()


def _standing_agrees_with_derive() -> None:
    """After every test, whatever it did through the app: every stored derived value (supervision/derived.py: the
    stored states of the open letters and the closed years' sums, problem.in_letter, letter.problem_count) is what
    its facts, as committed, say."""
    from supervision import derived

    if "rect_open_letter" not in inspect(db.engine).get_table_names():
        return
    diffs = derived.describe(derived.check_all(), limit=20)
    assert not diffs, "存储的派生值与事实不符：\n" + "\n".join(diffs)


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


@pytest.fixture
def admin(ctx):
    """A 监督室 user, in the test's app context."""
    from tests.helpers import make_user

    return make_user("admin", display_name="监督室管理员")


@pytest.fixture
def inspector(ctx):
    """An inspector of 行政执法协调监督室, in the test's app context."""
    from tests.helpers import make_user

    return make_user("inspector", display_name="张检查")
