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


def sqlite_pragmas(engine, cache_mb: int, mmap_mb: int) -> None:
    """Set SQLite's page cache and mmap size on every new connection of `engine` (config SQLITE_CACHE_MB,
    SQLITE_MMAP_MB). Nothing for other databases."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
        cur.execute(f"PRAGMA mmap_size = {1024 * 1024 * int(mmap_mb)}")
        cur.close()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
