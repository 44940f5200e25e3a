"""Backup and restore: a consistent copy of the database plus the uploaded and issued files.

A backup folder holds:
  manifest.json   when, which database, schema revision, row counts, file checksums
  database.sqlite (SQLite, made with the online backup API: consistent while the app runs)
  database.dump   (PostgreSQL, `pg_dump --format=custom`)
  files/uploads/… and files/data/… (attachments, issued letter PDFs)
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from .extensions import db
from .timeutil import now


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


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


def row_counts() -> dict[str, int]:
    names = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


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


def backup(out_dir: str) -> dict:
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空的，请换一个新目录。")
    out.mkdir(parents=True, exist_ok=True)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    manifest = {"created_at": now().isoformat(timespec="seconds"), "dialect": url.get_backend_name(), "files": {}}
    with db.engine.connect() as conn:
        try:
            manifest["revision"] = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # a database built by create_all has no alembic_version
            conn.rollback()
            manifest["revision"] = None
    manifest["row_counts"] = row_counts()
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(url.database)
        dst = sqlite3.connect(out / "database.sqlite")
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        result = subprocess.run([_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                                 "--file", str(out / "database.dump"), url.database],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    else:
        raise BackupError(f"不支持的数据库类型：{url.get_backend_name()}")
    for name, src_dir in _file_dirs().items():
        if not src_dir.exists():
            continue
        for path in sorted(p for p in src_dir.rglob("*") if p.is_file()):
            rel = Path("files") / name / path.relative_to(src_dir)
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out / rel)
            manifest["files"][rel.as_posix()] = _sha256(out / rel)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def restore(in_dir: str) -> dict:
    src = Path(in_dir)
    manifest_path = src / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{src} 不是备份目录（缺少 manifest.json）。")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for rel, digest in manifest["files"].items():
        if not (src / rel).exists() or _sha256(src / rel) != digest:
            raise BackupError(f"备份文件 {rel} 缺失或已损坏，未做任何恢复。")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["dialect"] != url.get_backend_name():
        raise BackupError(f"备份来自 {manifest['dialect']}，当前数据库是 {url.get_backend_name()}，不能直接恢复。")
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(src / "database.sqlite")
        target = sqlite3.connect(url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        args, env = _pg_args(url)
        result = subprocess.run([_pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner",
                                 "--single-transaction", "--dbname", url.database, str(src / "database.dump")],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
    for name, dest_dir in _file_dirs().items():
        part = src / "files" / name
        if dest_dir.exists():
            shutil.rmtree(dest_dir)
        if part.exists():
            shutil.copytree(part, dest_dir)
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
    click.echo(f"已备份到 {out_dir}：{sum(manifest['row_counts'].values())} 行数据，{len(manifest['files'])} 个文件。")


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
    click.echo(f"已从 {in_dir}（{manifest['created_at']}）恢复。")
