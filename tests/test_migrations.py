"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from supervision import create_app
from supervision.extensions import db


@pytest.fixture
def empty_db_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(tmp_path / "migrated.db")
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def for_this_dialect(dialect: str):
    """Leave out of the comparison what the models create only on another database (Index.ddl_if: the
    PostgreSQL trigram indexes of the keyword search), as create_all does, and the SQLite FTS5 tables of the
    keyword search (not models: made by DDL with their table, search.fts_index; compared by
    test_fts_search_indexes_of_the_migrations_and_of_create_all_agree)."""
    from supervision.search import FTS_COLUMNS

    fts = tuple(f for f, _t, _c in FTS_COLUMNS)

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and reflected and compare_to is None and name and name.startswith(fts):
            return False  # the SQLite FTS5 search indexes and their shadow tables: compared on their own below
        cond = getattr(obj, "_ddl_if", None)
        return reflected or cond is None or cond.dialect is None or cond.dialect == dialect
    return include


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(empty_db_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": for_this_dialect(conn.dialect.name)})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"user_account", "unit", "office", "org_profile", "audit_log"} <= tables
        # A database built by `db upgrade` alone is usable: profile and the three offices are there.
        from supervision.directory.operations import get_profile
        from supervision.directory.queries import offices

        assert get_profile(create=False).letter_prefix == "鲁政行监字"
        assert [o.name for o in offices()] == ["法治调研督察室", "政策法规室", "行政执法协调监督室"]
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_demo_command_upgrades_an_empty_database_and_is_idempotent(empty_db_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "demo2021ok" in first.output
    with app.app_context():
        from supervision.accounts.models import User
        from supervision.directory.models import Unit

        counts = (db.session.query(User).count(), db.session.query(Unit).count())
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert (db.session.query(User).count(), db.session.query(Unit).count()) == counts
        db.session.remove()
        db.engine.dispose()


def test_upgrade_to_0004_fills_the_stored_states_of_the_open_letters(empty_db_url):
    """A database with letters at 0003 (the demo's, loaded at head, then taken back to 0003) gets its open
    letters' stored states from derive when 0004 runs."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from supervision.rectification import standing
        from supervision.rectification.models import OpenLetter

        before = sorted(tuple(r) for r in db.session.execute(
            db.select(OpenLetter.letter_id, OpenLetter.state, OpenLetter.deadline)))
        assert before, "the demo has open letters"
        closures = sorted(tuple(r) for r in db.session.execute(text(
            "SELECT letter_id, closed_on, closed_by_id, issue_year, days_to_close, replied_on_time FROM rect_closure")))
        assert closures, "the demo has closed letters"
        db.session.remove()
        downgrade(revision="0003")
        assert "rect_open_letter" not in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:  # closed letters without their closure (as before rect_closure was kept)
            conn.execute(text("DELETE FROM rect_closure"))
        upgrade()
        after = sorted(tuple(r) for r in db.session.execute(
            db.select(OpenLetter.letter_id, OpenLetter.state, OpenLetter.deadline)))
        assert after == before
        assert sorted(tuple(r) for r in db.session.execute(text(
            "SELECT letter_id, closed_on, closed_by_id, issue_year, days_to_close, replied_on_time "
            "FROM rect_closure"))) == closures
        assert standing.differences() == []
        from supervision import derived

        assert derived.check_all() == {name: [] for name in derived.registered()}
        db.session.remove()
        db.engine.dispose()


def test_no_migration_imports_the_app():
    """A migration runs its own frozen copy of any logic: upgrading an old database must not depend on what the
    app's code reads today. No import of the `supervision` package anywhere in a migration (inside functions too)."""
    import ast
    from pathlib import Path

    versions = Path(__file__).resolve().parent.parent / "supervision" / "migrations" / "versions"
    files = sorted(versions.glob("*.py"))
    assert files
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            else:
                continue
            found += [f"{path.name}:{node.lineno} {n}" for n in names
                      if n.split(".")[0] == "supervision" or n.startswith(".")]
    assert found == []


def test_fts_search_indexes_of_the_migrations_and_of_create_all_agree(tmp_path):
    """SQLite: `db upgrade` (0017) and create_all (search.fts_index) make the same FTS5 tables and triggers, and
    0017 fills the index from the rows already there."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite only: PostgreSQL searches with the trigram indexes of 0011")

    def schema(engine):
        with engine.connect() as conn:
            return sorted((t, n, " ".join(sql.split())) for t, n, sql in conn.execute(text(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE '%fts%' AND sql IS NOT NULL")))

    built = create_app({"TESTING": True, "SECRET_KEY": "t",
                        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "built.db")})
    with built.app_context():
        db.create_all()
        expected = schema(db.engine)
        db.engine.dispose()
    assert {n for t, n, sql in expected if sql.startswith("CREATE VIRTUAL TABLE")} == {
        "problem_fts", "letter_problem_fts", "letter_number_fts"}
    assert len([n for t, n, _ in expected if t == "trigger"]) == 9

    app = create_app({"TESTING": True, "SECRET_KEY": "t",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "migrated.db")})
    result = app.test_cli_runner().invoke(args=["demo"])  # at head, with letters and problems
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert schema(db.engine) == expected
        db.session.remove()
        downgrade(revision="0015_letter_masthead")
        assert schema(db.engine) == []
        upgrade()  # over the demo's rows: the index is filled from them
        assert schema(db.engine) == expected
        with db.engine.connect() as conn:
            for fts, table, column in (("problem_fts", "problem", "description"),
                                       ("letter_problem_fts", "letter_problem", "text"),
                                       ("letter_number_fts", "letter", "number")):
                rows = conn.execute(text(f"SELECT id, {column} FROM {table} WHERE length({column}) >= 3")).all()
                assert rows, table
                for row_id, value in rows:
                    phrase = '"' + value[:3].replace('"', '""') + '"'
                    found = conn.execute(text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :p"), {"p": phrase})
                    assert row_id in set(found.scalars()), (table, row_id, value)
        db.session.remove()
        db.engine.dispose()
