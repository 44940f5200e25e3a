"""Backup and restore: a consistent copy of the database plus the uploaded and issued files.

A backup folder holds:
  manifest.json   format 2: when, which database, schema revision, the row count of every table at backup time,
                  and the size and SHA-256 of every other file in the folder (the database copy included)
  database.sqlite (SQLite, made with the online backup API: consistent while the app runs)
  database.dump   (PostgreSQL, `pg_dump --format=custom`, taken in the same snapshot as the row counts)
  files/uploads/… and files/data/… (attachments, issued letter PDFs)

Restore never destroys the live database (see `restore`): it checks the whole backup before touching anything,
restores into a temporary database and checks that, and only then swaps it in, keeping what it replaced in
`before-restore-<time>/` (config BEFORE_RESTORE_DIR, default the instance folder).
"""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .extensions import db
from .timeutil import cn_datetime, now

MANIFEST = "manifest.json"
FORMAT = 2
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
ASIDE_PREFIX = "before-restore-"
TMP_SUFFIX = ".restore-tmp"
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
NOTHING_CHANGED = "未做任何恢复，当前数据库和文件没有改动。"


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


def _refuse(reason: str) -> BackupError:
    return BackupError(f"{reason}{NOTHING_CHANGED}")


def _pause(stage: str) -> None:
    """Test hook: with SUPERVISION_TEST_RESTORE_PAUSE=<stage> the process says so on stdout and waits here forever
    (the crash test kills it with SIGKILL at that point). Does nothing otherwise."""
    if os.environ.get("SUPERVISION_TEST_RESTORE_PAUSE") == stage:
        print(f"restore paused at {stage}", flush=True)
        threading.Event().wait()


def _file_dirs() -> dict[str, Path]:
    cfg = current_app.config
    dirs = {"uploads": cfg.get("UPLOAD_DIR"), "data": cfg.get("DATA_DIR") or os.path.join(current_app.instance_path, "data")}
    return {k: Path(v) for k, v in dirs.items() if v}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _copy_checked(src: Path, dst: Path, rel: str, expected: dict, pause_stage: str | None = None) -> None:
    """Copy src to dst, hashing what is read; the copy must have the manifest's size and SHA-256 (the backup
    could change between the check and the copy). fsync'd, so a rename after it is durable."""
    h, size = hashlib.sha256(), 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
            fout.write(chunk)
            if pause_stage:
                fout.flush()
                _pause(pause_stage)
                pause_stage = None
        fout.flush()
        os.fsync(fout.fileno())
    if size != expected["size"]:
        raise _refuse(f"备份文件 {rel} 大小不符（清单 {expected['size']} 字节，实际 {size} 字节）。")
    if h.hexdigest() != expected["sha256"]:
        raise _refuse(f"备份文件 {rel} 校验值不符（SHA-256 与清单不同）。")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def row_counts() -> dict[str, int]:
    names = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def _count_tables(conn) -> dict[str, int]:
    """Row count of every table seen by `conn` (SQLAlchemy connection, default schema)."""
    names = sorted(inspect(conn).get_table_names())
    return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = sorted(r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'"))
    return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    raise BackupError(f"找不到 {name}。请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。")


def _pg_args(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--username", url.username or "postgres"]
    return args, env


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------- backup


def backup(out_dir: str) -> dict:
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空的，请换一个新目录。")
    out.mkdir(parents=True, exist_ok=True)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    dialect = url.get_backend_name()
    if dialect not in DATABASE_FILES:
        raise BackupError(f"不支持的数据库类型：{dialect}")
    manifest = {"format": FORMAT, "created_at": now().isoformat(timespec="seconds"), "dialect": dialect,
                "database": DATABASE_FILES[dialect], "revision": None, "row_counts": {}, "files": {}}
    db_file = out / DATABASE_FILES[dialect]
    if dialect == "sqlite":
        src = sqlite3.connect(url.database)
        dst = sqlite3.connect(db_file)
        with dst:
            src.backup(dst)
        src.close()
        # Counted on the copy itself: exactly what the backup holds.
        manifest["row_counts"] = _sqlite_counts(dst)
        try:
            manifest["revision"] = dst.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.Error:  # a database built by create_all has no alembic_version
            pass
        dst.close()
    else:
        # One REPEATABLE READ transaction exports its snapshot to pg_dump: the counts and the dump see the same data.
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            manifest["row_counts"] = _count_tables(conn)
            if "alembic_version" in manifest["row_counts"]:
                manifest["revision"] = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            args, env = _pg_args(url)
            result = subprocess.run([_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                                     "--snapshot", snapshot, "--file", str(db_file), url.database],
                                    env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    manifest["files"][db_file.name] = {"size": db_file.stat().st_size, "sha256": _sha256(db_file)}
    for name, src_dir in _file_dirs().items():
        if not src_dir.exists():
            continue
        for path in sorted(p for p in src_dir.rglob("*") if p.is_file()):
            rel = Path("files") / name / path.relative_to(src_dir)
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out / rel)
            manifest["files"][rel.as_posix()] = {"size": (out / rel).stat().st_size, "sha256": _sha256(out / rel)}
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)  # a backup interrupted before this line has no manifest: restore refuses it
    return manifest


# ---------------------------------------------------------------------------------- restore: check the backup


def _read_manifest(src: Path) -> dict:
    """manifest.json, checked to be well-formed (format 2)."""
    path = src / MANIFEST
    if not src.is_dir():
        raise _refuse(f"备份目录 {src} 不存在。")
    if not path.is_file():
        raise _refuse(f"{src} 不是备份目录：备份清单 {MANIFEST} 缺失。")

    def bad(what: str) -> BackupError:
        return _refuse(f"备份清单 {MANIFEST} 格式不对：{what}。")

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad("不是有效的 JSON 文件") from None
    if not isinstance(manifest, dict):
        raise bad("内容不是一个清单")
    if manifest.get("format") != FORMAT:
        raise _refuse(f"这份备份的清单（{MANIFEST}）是旧版本生成的，没有数据库文件的大小和校验值，无法确认数据库完好。"
                      "请用当前版本重新备份。")
    dialect = manifest.get("dialect")
    if dialect not in DATABASE_FILES:
        raise bad(f"数据库类型“{dialect}”不认识")
    if manifest.get("database") != DATABASE_FILES[dialect]:
        raise bad(f"数据库文件应为 {DATABASE_FILES[dialect]}")
    counts = manifest.get("row_counts")
    if not isinstance(counts, dict) or not counts:
        raise bad("缺少各表的行数")
    for table, n in counts.items():
        if not _TABLE_NAME.match(table) or type(n) is not int or n < 0:
            raise bad(f"表 {table} 的行数记录不对")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise bad("缺少文件清单")
    for rel, entry in files.items():
        parts = Path(rel).parts
        safe = (rel == manifest["database"]) or (
            len(parts) >= 3 and parts[0] == "files" and parts[1] in ("uploads", "data")
            and not Path(rel).is_absolute() and ".." not in parts and "\\" not in rel)
        if not safe:
            raise bad(f"文件 {rel} 的位置不对")
        if not (isinstance(entry, dict) and type(entry.get("size")) is int and entry["size"] >= 0
                and isinstance(entry.get("sha256"), str) and _SHA256.match(entry["sha256"])):
            raise bad(f"文件 {rel} 缺少大小或校验值")
    if manifest["database"] not in files:
        raise bad(f"数据库文件 {manifest['database']} 不在文件清单中")
    return manifest


def verify_backup(in_dir: str) -> dict:
    """Read-only check of a backup folder: the manifest is well-formed, every listed file is there with the listed
    size and SHA-256, and nothing else is in the folder (an unlisted database file or upload would be unchecked).
    Returns the manifest; raises BackupError naming the file and what is wrong."""
    src = Path(in_dir)
    manifest = _read_manifest(src)
    for rel, entry in manifest["files"].items():
        path = src / rel
        if not path.is_file():
            raise _refuse(f"备份文件 {rel} 缺失。")
        size = path.stat().st_size
        if size != entry["size"]:
            raise _refuse(f"备份文件 {rel} 大小不符（清单 {entry['size']} 字节，实际 {size} 字节）。")
        if _sha256(path) != entry["sha256"]:
            raise _refuse(f"备份文件 {rel} 校验值不符（SHA-256 与清单不同）。")
    listed = set(manifest["files"]) | {MANIFEST}
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if (path.is_file() or path.is_symlink()) and rel not in listed:
            raise _refuse(f"备份目录里的 {rel} 不在清单中（未列入清单的文件），这份备份可能被改动过。")
    return manifest


# ------------------------------------------------------------------------------ restore: temporary copies


def _check_counts(found: dict[str, int], manifest: dict, where: str) -> None:
    expected = manifest["row_counts"]
    if set(found) != set(expected):
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        detail = "；".join(filter(None, [missing and f"缺少表 {', '.join(missing)}",
                                         extra and f"多出表 {', '.join(extra)}"]))
        raise _refuse(f"{where}与清单的表不一致，行数不符：{detail}。")
    wrong = [f"{t}（清单 {expected[t]} 行，实际 {found[t]} 行）" for t in sorted(expected) if found[t] != expected[t]]
    if wrong:
        raise _refuse(f"{where}行数不符：{'；'.join(wrong[:5])}。")


class _SqliteSwap:
    """The backup is copied next to the live file (`<db>.restore-tmp`, same folder, so the swap is a rename),
    checked there (`PRAGMA integrity_check` = ok, row counts = manifest), and swapped in with one os.replace
    after the engine's connections are closed. The old file is first copied into the before-restore folder.
    A crash before the os.replace leaves the live file untouched (the next restore removes the temp file);
    os.replace itself is atomic."""

    def __init__(self, url, src: Path, manifest: dict):
        self.live = Path(url.database).resolve()
        self.tmp = self.live.with_name(self.live.name + TMP_SUFFIX)
        self.src, self.manifest = src, manifest

    def _sidecars(self, path: Path) -> list[Path]:
        return [path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm")]

    def cleanup(self) -> None:
        for p in [self.tmp, *self._sidecars(self.tmp)]:
            p.unlink(missing_ok=True)

    def prepare(self) -> None:
        self.cleanup()  # left by an interrupted restore
        if self.live.exists():
            # A -wal or hot -journal of the old file would be replayed onto the new one after the swap.
            conn = sqlite3.connect(self.live)
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.DatabaseError:
                pass  # a damaged live database is what a restore is for; the raw file is kept aside as it is
            finally:
                conn.close()
            wal = self.live.with_name(self.live.name + "-wal")
            journal = self.live.with_name(self.live.name + "-journal")
            if journal.exists() or (wal.exists() and wal.stat().st_size):
                raise _refuse("当前数据库正被其他程序使用（有未写完的日志文件），请先停止网页服务和定时任务再恢复。")
        name = self.manifest["database"]
        _copy_checked(self.src / name, self.tmp, name, self.manifest["files"][name], pause_stage="copying-database")
        try:
            conn = sqlite3.connect(f"file:{self.tmp}?mode=rw", uri=True)
            try:
                result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
                if result != ["ok"]:
                    raise _refuse(f"备份文件 {name} 数据库损坏（完整性检查：{'；'.join(map(str, result[:3]))}）。")
                found = _sqlite_counts(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise _refuse(f"备份文件 {name} 数据库损坏（{exc}）。") from None
        _check_counts(found, self.manifest, f"备份文件 {name} ")
        _pause("database-checked")

    def swap(self, aside: Path) -> None:
        if self.live.exists():
            shutil.copy2(self.live, aside / "database.sqlite")
            _fsync_dir(aside)
            os.chmod(self.tmp, self.live.stat().st_mode & 0o777)
        os.replace(self.tmp, self.live)
        for p in self._sidecars(self.live):  # belonged to the old file; no connection is open
            p.unlink(missing_ok=True)
        _fsync_dir(self.live.parent)


class _PostgresSwap:
    """PostgreSQL: the dump is first restored into a scratch database `<db>_restore_tmp` (pg_restore
    --single-transaction --exit-on-error) and its row counts compared with the manifest; nothing of the live
    database is touched until that passes. Then a pg_dump of the live database goes into the before-restore folder,
    and the live database is replaced in ONE transaction (psql --single-transaction, ON_ERROR_STOP): drop every
    table of the public schema, run the dump's SQL, and check the row counts again before COMMIT. Any error, a
    count that differs, or the process being killed (the server rolls back a transaction whose client is gone)
    leaves the live database exactly as it was. This keeps the database's name, owner, settings and grants, and
    needs no exclusive access to rename databases (which would require every connection to be closed)."""

    def __init__(self, url, src: Path, manifest: dict):
        self.url, self.src, self.manifest = url, src, manifest
        self.scratch = f"{url.database}_restore_tmp"
        self.dump = src / manifest["database"]

    def _admin(self):
        return create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")

    def cleanup(self) -> None:
        engine = self._admin()
        try:
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {_quote_ident(self.scratch)}"))
        finally:
            engine.dispose()

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess:
        args, env = _pg_args(self.url)
        return subprocess.run([argv[0], *args, *argv[1:]], env=env, capture_output=True, text=True)

    def prepare(self) -> None:
        name = self.manifest["database"]
        engine = self._admin()
        try:
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {_quote_ident(self.scratch)}"))
                enc, collate, ctype = conn.execute(text(
                    "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                    "WHERE datname = current_database()")).one()
                try:
                    conn.execute(text(f"CREATE DATABASE {_quote_ident(self.scratch)} TEMPLATE template0 "
                                      f"ENCODING '{enc}' LC_COLLATE '{collate}' LC_CTYPE '{ctype}'"))
                except Exception as exc:
                    raise _refuse(f"不能建立检查用的临时数据库 {self.scratch}（需要建库权限）：{exc}") from None
        finally:
            engine.dispose()
        result = self._run([_pg_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error",
                            "--dbname", self.scratch, str(self.dump)])
        if result.returncode != 0:
            raise _refuse(f"备份文件 {name} 数据库损坏（恢复到临时数据库失败：{result.stderr.strip()[:300]}）。")
        _pause("database-restored-to-scratch")
        engine = create_engine(self.url.set(database=self.scratch), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                found = _count_tables(conn)
        finally:
            engine.dispose()
        _check_counts(found, self.manifest, f"备份文件 {name} 恢复出的数据库")
        self.cleanup()
        _pause("database-checked")

    def swap(self, aside: Path) -> None:
        result = self._run([_pg_tool("pg_dump"), "--format=custom", "--no-owner",
                            "--file", str(aside / "database.dump"), self.url.database])
        if result.returncode != 0:
            raise _refuse(f"保存当前数据库（pg_dump）失败：{result.stderr.strip()}")
        with tempfile.TemporaryDirectory(prefix="supervision-restore-") as tmp:
            script = Path(tmp) / "restore.sql"
            result = self._run([_pg_tool("pg_restore"), "--no-owner", "--clean", "--if-exists",
                                "--file", str(script), str(self.dump)])
            if result.returncode != 0:
                raise _refuse(f"备份文件 {self.manifest['database']} 无法读取：{result.stderr.strip()[:300]}")
            drop = ("SET client_min_messages = warning;\nSELECT set_config('lock_timeout', '30s', true);\n"
                    "DO $$ DECLARE r record; BEGIN "
                    "FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP "
                    "EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.tablename); END LOOP; END $$;\n")
            tables = ", ".join(f"'{t}'" for t in sorted(self.manifest["row_counts"]))
            checks = "".join(
                f"EXECUTE 'SELECT count(*) FROM public.{_quote_ident(t)}' INTO n; "
                f"IF n <> {c} THEN RAISE EXCEPTION '表 {t} 行数不符：清单 {c} 行，实际 % 行', n; END IF;\n"
                for t, c in sorted(self.manifest["row_counts"].items()))
            verify = ("DO $$ DECLARE n bigint; BEGIN\n"
                      "IF (SELECT array_agg(tablename::text ORDER BY tablename::text) FROM pg_tables "
                      f"WHERE schemaname = 'public') IS DISTINCT FROM (SELECT array_agg(t ORDER BY t) FROM "
                      f"unnest(ARRAY[{tables}]::text[]) t) THEN RAISE EXCEPTION '恢复后的表与清单不一致'; END IF;\n"
                      f"{checks}END $$;\n")
            (Path(tmp) / "drop.sql").write_text(drop, encoding="utf-8")
            (Path(tmp) / "verify.sql").write_text(verify, encoding="utf-8")
            result = self._run([_pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                                "-f", str(Path(tmp) / "drop.sql"), "-f", str(script),
                                "-f", str(Path(tmp) / "verify.sql"),
                                "--dbname", self.url.database])
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "错误" in line]
            raise BackupError(f"恢复到当前数据库失败，整个事务已回滚，当前数据库没有改动（文件也没有改动）："
                              f"{' '.join(errors)[:500] or result.stderr.strip()[-500:]}")


def _stage_files(src: Path, manifest: dict) -> dict[str, tuple[Path, Path]]:
    """Each file folder restored into `<folder>.restore-tmp` beside it (same filesystem: swapped in by a rename),
    every file's size and SHA-256 checked again while copying."""
    staged = {}
    for name, dest in _file_dirs().items():
        stage = dest.with_name(dest.name + TMP_SUFFIX)
        if stage.exists():
            shutil.rmtree(stage)  # left by an interrupted restore
        stage.mkdir(parents=True)
        staged[name] = (stage, dest)
        prefix = f"files/{name}/"
        for rel, entry in manifest["files"].items():
            if rel.startswith(prefix):
                target = stage / rel[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy_checked(src / rel, target, rel, entry)
    return staged


def _aside_root() -> Path:
    return Path(current_app.config.get("BEFORE_RESTORE_DIR") or current_app.instance_path)


def _new_aside_dir() -> Path:
    root = _aside_root()
    root.mkdir(parents=True, exist_ok=True)
    stamp = now().strftime("%Y%m%d-%H%M%S")
    path, n = root / f"{ASIDE_PREFIX}{stamp}", 1
    while path.exists():
        n += 1
        path = root / f"{ASIDE_PREFIX}{stamp}-{n}"
    path.mkdir()
    return path


def restore(in_dir: str) -> dict:
    """Replace the database and the files with the backup in `in_dir`, never destroying the live ones:

    1. check the backup, reading only (`verify_backup`): manifest well-formed, every file present with its size
       and SHA-256, nothing unlisted;
    2. restore into a temporary database and check it (SQLite: integrity_check and row counts; PostgreSQL: a
       scratch database and row counts), and restore the files into temporary folders, hashes checked again;
    3. only then: keep the live database and folders in `before-restore-<time>/`, swap the checked copies in
       (see _SqliteSwap, _PostgresSwap; the folders by rename), and remove older before-restore folders.

    A refusal in steps 1–2 raises BackupError and changes nothing. A crash in step 2 leaves only temporary copies,
    which the next restore removes. The database is swapped before the folders: were the process killed between
    the two (or while a folder is moved aside across filesystems), what was replaced is in the before-restore
    folder. The web app and the scheduler must be stopped: a process still holding the old SQLite file would keep
    writing to it after the swap."""
    src = Path(in_dir)
    manifest = verify_backup(in_dir)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["dialect"] != url.get_backend_name():
        raise _refuse(f"备份来自 {manifest['dialect']}，当前数据库是 {url.get_backend_name()}，不能直接恢复。")
    db.session.remove()
    db.engine.dispose()
    swapper = (_SqliteSwap if manifest["dialect"] == "sqlite" else _PostgresSwap)(url, src, manifest)
    staged = {}
    try:
        swapper.prepare()
        staged = _stage_files(src, manifest)
        _pause("files-staged")
        aside = _new_aside_dir()
        swapper.swap(aside)
        for name, (stage, dest) in staged.items():
            if dest.exists():
                (aside / "files").mkdir(exist_ok=True)
                shutil.move(dest, aside / "files" / name)
            os.replace(stage, dest)
        staged = {}
    finally:
        try:
            swapper.cleanup()
        except Exception:  # noqa: BLE001 - a temporary copy left behind is removed by the next restore
            pass
        for stage, _dest in staged.values():
            shutil.rmtree(stage, ignore_errors=True)
        db.engine.dispose()
    for old in _aside_root().glob(ASIDE_PREFIX + "*"):
        if old.is_dir() and old != aside:
            shutil.rmtree(old)
    manifest["before_restore"] = str(aside)
    return manifest


@click.command("backup")
@click.option("--out", "out_dir", required=True, help="新建的空目录")
@with_appcontext
def backup_command(out_dir):
    """Write a consistent copy of the database and files to OUT."""
    try:
        manifest = backup(out_dir)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {out_dir}：{sum(manifest['row_counts'].values())} 行数据，"
               f"{len(manifest['files']) - 1} 个文件。")


@click.command("restore")
@click.argument("in_dir")
@click.option("--yes", is_flag=True, help="不再确认")
@with_appcontext
def restore_command(in_dir, yes):
    """Replace the database and files with the backup in IN_DIR (stop the app and scheduler first)."""
    if not yes:
        click.confirm("恢复会覆盖当前数据库和文件。确定继续？", abort=True)
    try:
        manifest = restore(in_dir)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    made = cn_datetime(datetime.fromisoformat(manifest["created_at"]))
    click.echo(f"已从 {in_dir}（{made}的备份）恢复并检查无误：{sum(manifest['row_counts'].values())} 行数据。"
               f"原来的数据库和文件保存在 {manifest['before_restore']}，下次恢复成功后删除。")
