"""Flask extensions, created unbound and initialised in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations work on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def sqlite_pragmas(engine, cache_mb: int, mmap_mb: int, busy_timeout_s: float = 15,
                   journal_mode: str = "WAL") -> None:
    """Set SQLite's page cache and mmap size on every new connection of `engine` (config SQLITE_CACHE_MB,
    SQLITE_MMAP_MB), its journal mode (SQLITE_JOURNAL_MODE, WAL: readers and the one writer do not block each
    other) and how long a writer waits for another's lock before giving up (SQLITE_BUSY_TIMEOUT_SECONDS).
    Nothing for other databases.

    The web process and the scheduler process write one file. pysqlite by itself runs reads outside any
    transaction and opens one (deferred) just before the first write: a request's check-then-insert is then not
    atomic (two writers both find a name free, the second insert fails on the unique constraint). So a request
    that may write (not GET/HEAD/OPTIONS) gets BEGIN IMMEDIATE (the pysqlite recipe of SQLAlchemy's SQLite
    dialect docs) for its first transaction: the write lock first, waiting up to the busy timeout for the other
    writer, and the request's reads and writes one serialised transaction. Everything else (pages, the scheduler, commands) keeps
    pysqlite's own behaviour: a transaction begun by a read could not wait for a writer later (SQLite answers
    "database is locked" at once rather than risk a deadlock or a stale snapshot), one begun by a write can."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return
    if journal_mode and not str(journal_mode).isalpha():
        raise ValueError(f"SQLITE_JOURNAL_MODE: {journal_mode!r} is not a journal mode")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(float(busy_timeout_s) * 1000)}")
        if journal_mode:
            cur.execute(f"PRAGMA journal_mode = {journal_mode}")
        cur.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
        cur.execute(f"PRAGMA mmap_size = {1024 * 1024 * int(mmap_mb)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        dbapi_conn = conn.connection.dbapi_connection
        if _writing_request():
            dbapi_conn.isolation_level = None  # no implicit BEGIN from pysqlite: this one instead
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            dbapi_conn.isolation_level = ""  # pysqlite's default: BEGIN (deferred) before the first write


def _writing_request() -> bool:
    """In a request that may write, and its first transaction: what it reads to decide and what it writes are
    one. After that commits (the view's work is done; a page is rendered or a second step saved) pysqlite's own
    behaviour again, so the write lock is not held while it renders."""
    from flask import has_request_context, request

    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.environ.get("supervision.began_immediate"):
        return False
    request.environ["supervision.began_immediate"] = True
    return True


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
