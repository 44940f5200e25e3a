"""flask backup / restore bring back the database and the files exactly, and a restore never destroys the live
database: a damaged or edited backup is refused before anything changes, and a restore killed half-way leaves the
live database intact."""
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import make_url

from supervision.backup import row_counts
from supervision.directory.models import Unit
from supervision.extensions import db
from tests.helpers import make_unit
from tests.procs import Lines, wait

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="damages a SQLite database file page by page")
ROOT = Path(__file__).resolve().parent.parent
PAGE = 4096


@pytest.fixture
def app_config(tmp_path):
    return {"BEFORE_RESTORE_DIR": str(tmp_path / "instance")}


def _is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _settle(app) -> None:
    """Close the app's connections, so SQLite folds its write-ahead log into the file (WAL mode) and the file's
    bytes are the database's content: a restore also closes them, which alone changes the bytes, not the data."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _live_state(app, tmp_path) -> dict:
    """Everything a restore could change: the database (SQLite: the file's bytes; PostgreSQL: every table's
    content), the upload and data folders byte for byte, and what is in the before-restore area."""
    state = {}
    if _is_sqlite(app):
        _settle(app)
        path = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        state["db"] = _sha(path.read_bytes())
        state["db-siblings"] = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))
    else:
        with app.app_context():
            with db.engine.connect() as conn:
                tables = sorted(inspect(conn).get_table_names())
                state["db"] = {t: conn.execute(text(
                    f'SELECT md5(coalesce(string_agg(x::text, \'|\' ORDER BY x::text), \'\')) FROM "{t}" x')).scalar()
                    for t in tables}
            db.session.remove()
            db.engine.dispose()
    for key in ("UPLOAD_DIR", "DATA_DIR"):
        folder = Path(app.config[key])
        state[key] = {p.relative_to(folder).as_posix(): _sha(p.read_bytes())
                      for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else None
        state[key + "-siblings"] = sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(folder.name))
    aside = tmp_path / "instance"
    state["aside"] = sorted(p.name for p in aside.iterdir()) if aside.exists() else []
    return state


def _fill(n: int, note_bytes: int = 6000) -> None:
    """n units with notes longer than a page: a database of many pages, most of them overflow pages."""
    db.session.execute(insert(Unit), [{"name": f"鲁山县填充单位{i}", "kind": "县直", "note": "备注" * (note_bytes // 6)}
                                      for i in range(n)])
    db.session.commit()


def _make_backup(app, runner, tmp_path, fill: int = 0) -> Path:
    """Live data and files; a backup of them; then the live data and files changed (so a restore would change
    them back)."""
    with app.app_context():
        make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        if fill:
            _fill(fill)
        db.session.remove()
    upload = Path(app.config["UPLOAD_DIR"]) / "2021" / "evidence.pdf"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.4 original")
    letter = Path(app.config["DATA_DIR"]) / "letters" / "1.pdf"
    letter.parent.mkdir(parents=True, exist_ok=True)
    letter.write_bytes(b"%PDF-1.4 issued letter")
    out = tmp_path / "backup"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.query(Unit).filter_by(name="鲁山县瀼河乡人民政府").one().name = "改过的名字"
        make_unit("鲁山县备份后新增局")
        db.session.remove()
    upload.write_bytes(b"%PDF-1.4 changed")
    (upload.parent / "extra.pdf").write_bytes(b"new")
    return out


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _write_manifest(out: Path, manifest: dict) -> None:
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _fix_up(out: Path, rel: str) -> None:
    """Make the manifest agree with a changed file (size and hash), so that only a look inside can tell."""
    manifest = _manifest(out)
    data = (out / rel).read_bytes()
    manifest["files"][rel] = {"size": len(data), "sha256": _sha(data)}
    _write_manifest(out, manifest)


def _restore(runner, out: Path):
    return runner.invoke(args=["restore", str(out), "--yes"])


def _assert_refused(app, runner, tmp_path, out: Path, *words: str) -> str:
    before = _live_state(app, tmp_path)
    result = _restore(runner, out)
    assert result.exit_code != 0, result.output
    for word in words:
        assert word in result.output, result.output
    assert "未做任何恢复" in result.output
    assert _live_state(app, tmp_path) == before  # byte for byte, no temporary copy left, nothing set aside
    return result.output


# ----------------------------------------------------------------------------------------------- round trip


def test_backup_manifest_lists_every_file_with_size_hash_and_row_counts(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    manifest = _manifest(out)
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(manifest["files"]) + ["manifest.json"] == sorted(on_disk)
    assert manifest["database"] in manifest["files"]
    for rel, entry in manifest["files"].items():
        data = (out / rel).read_bytes()
        assert entry == {"size": len(data), "sha256": _sha(data)}
    assert manifest["row_counts"]["unit"] == 1


def test_backup_change_restore_compare_and_old_copy_kept_aside(app, runner, tmp_path):
    with app.app_context():
        make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        before = row_counts()
        db.session.remove()
    upload = Path(app.config["UPLOAD_DIR"]) / "2021" / "evidence.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.4 original")
    out = tmp_path / "backup1"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # Change data and files after the backup.
    with app.app_context():
        db.session.query(Unit).filter_by(name="鲁山县瀼河乡人民政府").one().name = "改过的名字"
        make_unit("鲁山县新增局")
        db.session.commit()
        db.session.remove()
    upload.write_bytes(b"%PDF-1.4 changed")
    (upload.parent / "extra.pdf").write_bytes(b"new")
    if _is_sqlite(app):
        _settle(app)
    old_db = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database).read_bytes() if _is_sqlite(app) else None
    result = _restore(runner, out)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert row_counts() == before
        assert [u.name for u in db.session.query(Unit)] == ["鲁山县瀼河乡人民政府"]
        db.session.remove()
    assert upload.read_bytes() == b"%PDF-1.4 original"
    assert not (upload.parent / "extra.pdf").exists()
    # What was replaced is kept aside: the database and the folders as they were.
    (aside,) = (tmp_path / "instance").glob("before-restore-*")
    assert str(aside) in result.output
    if old_db is not None:
        assert (aside / "database.sqlite").read_bytes() == old_db
    else:
        assert (aside / "database.dump").stat().st_size > 0
    assert (aside / "files" / "uploads" / "2021" / "evidence.pdf").read_bytes() == b"%PDF-1.4 changed"
    assert (aside / "files" / "uploads" / "2021" / "extra.pdf").read_bytes() == b"new"
    # No temporary copy is left beside the live folders.
    assert not list(Path(app.config["UPLOAD_DIR"]).parent.glob("*.restore-tmp"))
    # The next successful restore keeps only its own before-restore folder.
    (tmp_path / "instance" / "before-restore-20000101-000000").mkdir()
    result = _restore(runner, out)
    assert result.exit_code == 0, result.output
    (newer,) = (tmp_path / "instance").glob("before-restore-*")
    assert newer != aside


# ------------------------------------------------------------------------------------------------ refusals


def test_restore_refuses_a_backup_without_its_database_file(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    database = _manifest(out)["database"]
    (out / database).unlink()
    _assert_refused(app, runner, tmp_path, out, database, "缺失")


def test_restore_refuses_a_truncated_database_file(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=300)
    database = _manifest(out)["database"]
    path = out / database
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _assert_refused(app, runner, tmp_path, out, database, "大小不符")


@sqlite_only
def test_restore_refuses_a_truncated_database_even_when_the_manifest_agrees(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=300)
    path = out / "database.sqlite"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _fix_up(out, "database.sqlite")
    _assert_refused(app, runner, tmp_path, out, "database.sqlite", "数据库损坏")


def _junk_at_page(path: Path, page: int) -> None:
    conn = sqlite3.connect(path)
    page_size, pages, free = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count",
                                                                                    "freelist_count"))
    conn.close()
    assert page_size == PAGE and pages > page + 20 and free == 0  # the page is in use
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * PAGE)
        fh.write(b"\xde\xad\xbe\xef" * (PAGE // 4))


def _an_overflow_page(path: Path) -> int:
    """A page holding the rest of a long note: counting rows never reads it, only the integrity check does."""
    conn = sqlite3.connect(path)
    try:
        page = conn.execute("SELECT min(pageno) FROM dbstat WHERE name = 'unit' AND pagetype = 'overflow' "
                            "AND pageno > 100").fetchone()[0]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find an overflow page")
    finally:
        conn.close()
    assert page
    return page


@sqlite_only
def test_restore_refuses_junk_in_the_database_caught_by_its_hash(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=300)
    _junk_at_page(out / "database.sqlite", 100)
    _assert_refused(app, runner, tmp_path, out, "database.sqlite", "校验值不符")


@sqlite_only
def test_restore_refuses_junk_in_the_database_caught_by_the_checks_inside(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=300)
    _junk_at_page(out / "database.sqlite", 100)
    _fix_up(out, "database.sqlite")  # the hash agrees: only a look inside can tell
    _assert_refused(app, runner, tmp_path, out, "database.sqlite", "数据库损坏")


@sqlite_only
def test_restore_refuses_junk_only_the_integrity_check_can_find(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=300)
    _junk_at_page(out / "database.sqlite", _an_overflow_page(out / "database.sqlite"))
    _fix_up(out, "database.sqlite")
    conn = sqlite3.connect(out / "database.sqlite")
    assert conn.execute("SELECT count(*) FROM unit").fetchone()[0] == 301  # counting does not notice
    conn.close()
    _assert_refused(app, runner, tmp_path, out, "database.sqlite", "数据库损坏", "完整性检查")


@sqlite_only
def test_restore_refuses_a_sound_database_with_other_rows_than_the_manifest(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    conn = sqlite3.connect(out / "database.sqlite")
    with conn:
        conn.execute("DELETE FROM unit WHERE name = '鲁山县瀼河乡人民政府'")
    conn.close()
    _fix_up(out, "database.sqlite")
    _assert_refused(app, runner, tmp_path, out, "unit", "行数不符")


def test_restore_refuses_a_manifest_whose_row_count_was_edited(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    manifest = _manifest(out)
    manifest["row_counts"]["unit"] += 1
    _write_manifest(out, manifest)
    _assert_refused(app, runner, tmp_path, out, "unit", "行数不符")


def test_restore_refuses_a_manifest_with_a_changed_hash(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    manifest = _manifest(out)
    manifest["files"]["files/uploads/2021/evidence.pdf"]["sha256"] = "0" * 64
    _write_manifest(out, manifest)
    _assert_refused(app, runner, tmp_path, out, "files/uploads/2021/evidence.pdf", "校验值不符")


def test_restore_refuses_a_damaged_upload(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    (out / "files" / "uploads" / "2021" / "evidence.pdf").write_bytes(b"%PDF-1.4 tampered")  # same size
    _assert_refused(app, runner, tmp_path, out, "files/uploads/2021/evidence.pdf", "校验值不符")


def test_restore_refuses_a_manifest_listing_a_file_that_is_not_there(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    manifest = _manifest(out)
    manifest["files"]["files/uploads/2021/added.pdf"] = {"size": 3, "sha256": _sha(b"abc")}
    _write_manifest(out, manifest)
    _assert_refused(app, runner, tmp_path, out, "files/uploads/2021/added.pdf", "缺失")


@pytest.mark.parametrize("rel", ["files/uploads/2021/added.pdf", "database.dump", "database.sqlite"])
def test_restore_refuses_a_file_the_manifest_does_not_list(app, runner, tmp_path, rel):
    out = _make_backup(app, runner, tmp_path)
    if rel == _manifest(out)["database"]:
        rel = "database-old.sqlite"  # a second, unlisted database file
    (out / rel).write_bytes(b"not in the manifest")
    _assert_refused(app, runner, tmp_path, out, rel, "未列入清单")


def test_restore_refuses_a_missing_or_malformed_or_old_manifest(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path)
    good = (out / "manifest.json").read_text(encoding="utf-8")
    (out / "manifest.json").unlink()
    _assert_refused(app, runner, tmp_path, out, "manifest.json", "缺失")
    (out / "manifest.json").write_text(good[: len(good) // 2], encoding="utf-8")
    _assert_refused(app, runner, tmp_path, out, "manifest.json", "格式不对")
    manifest = json.loads(good)
    manifest["files"]["../../outside.pdf"] = {"size": 1, "sha256": "0" * 64}
    _write_manifest(out, manifest)
    _assert_refused(app, runner, tmp_path, out, "../../outside.pdf", "格式不对")
    # The format of older versions: bare hashes, the database not listed.
    manifest = json.loads(good)
    del manifest["format"]
    manifest["files"] = {rel: e["sha256"] for rel, e in manifest["files"].items() if rel.startswith("files/")}
    _write_manifest(out, manifest)
    _assert_refused(app, runner, tmp_path, out, "旧版本")


def test_backup_refuses_a_non_empty_folder(app, runner, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    result = runner.invoke(args=["backup", "--out", str(busy)])
    assert result.exit_code != 0 and "不是空的" in result.output


# ---------------------------------------------------------------------------------------- killed half-way


def _child(app, tmp_path, out: Path, stage: str) -> subprocess.Popen:
    """`restore` in another process, which stops at `stage` and says so on its stdout."""
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR", "DATA_DIR", "BEFORE_RESTORE_DIR",
                                         "SECRET_KEY", "TESTING")}
    code = ("import json, os, sys\n"
            "from supervision import create_app\n"
            "from supervision.backup import restore\n"
            "app = create_app(json.loads(os.environ['CHILD_CONFIG']))\n"
            "with app.app_context():\n"
            "    restore(sys.argv[1])\n"
            "print('restore finished', flush=True)\n")
    env = dict(os.environ, CHILD_CONFIG=json.dumps(config), SUPERVISION_TEST_RESTORE_PAUSE=stage)
    return subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_at(app, tmp_path, out: Path, stage: str) -> None:
    proc = _child(app, tmp_path, out, stage)
    try:
        # The child says when it is at `stage`; one that hangs or ends first fails the test within 60 s.
        lines = Lines(proc.stdout, f"restore stopping at {stage}")
        line = lines.line(60)
        assert line.strip() == f"restore paused at {stage}", line + lines.rest()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        wait(proc, 30, f"restore stopping at {stage}, after SIGKILL")
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def _assert_live_usable(app) -> None:
    with app.app_context():
        if _is_sqlite(app):
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert db.session.query(Unit).filter_by(name="鲁山县备份后新增局").count() == 1
        make_unit("鲁山县恢复中断后新增局")
        db.session.remove()
        db.engine.dispose()


@sqlite_only
@pytest.mark.parametrize("stage", ["copying-database", "database-checked", "files-staged"])
def test_restore_killed_half_way_leaves_the_live_database_intact(app, runner, tmp_path, stage):
    out = _make_backup(app, runner, tmp_path, fill=300)  # > 1 MiB: the copy is killed after its first MiB
    live = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    before = _live_state(app, tmp_path)
    _kill_at(app, tmp_path, out, stage)
    tmp_copy = live.with_name(live.name + ".restore-tmp")
    if stage == "copying-database":
        assert 0 < tmp_copy.stat().st_size < (out / "database.sqlite").stat().st_size  # killed mid-copy
    after = _live_state(app, tmp_path)
    for key in ("db", "UPLOAD_DIR", "DATA_DIR", "aside"):
        assert after[key] == before[key], key
    _assert_live_usable(app)
    # A later restore clears what the killed one left and succeeds.
    result = _restore(runner, out)
    assert result.exit_code == 0, result.output
    assert not tmp_copy.exists()
    assert not list(Path(app.config["UPLOAD_DIR"]).parent.glob("*.restore-tmp"))
    with app.app_context():
        assert db.session.query(Unit).filter_by(name="鲁山县备份后新增局").count() == 0
        db.session.remove()


# ------------------------------------------------------------------------------------------------ PostgreSQL


def _scratch_exists(app) -> bool:
    with app.app_context():
        name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database + "_restore_tmp"
        found = db.session.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        db.session.remove()
        db.engine.dispose()
    return bool(found)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_postgres_round_trip_through_a_scratch_database(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=50)
    manifest = _manifest(out)
    assert manifest["database"] == "database.dump" and manifest["row_counts"]["unit"] == 51
    result = _restore(runner, out)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert row_counts() == manifest["row_counts"]
        assert db.session.query(Unit).filter_by(name="鲁山县瀼河乡人民政府").count() == 1
        db.session.remove()
    (aside,) = (tmp_path / "instance").glob("before-restore-*")
    listing = subprocess.run(["pg_restore", "--list", str(aside / "database.dump")], capture_output=True, text=True,
                             timeout=60)
    assert listing.returncode == 0 and "TABLE DATA public unit" in listing.stdout
    assert not _scratch_exists(app)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_postgres_refuses_a_damaged_dump_the_manifest_agrees_with(app, runner, tmp_path):
    out = _make_backup(app, runner, tmp_path, fill=50)
    path = out / "database.dump"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 512] = b"\xde\xad\xbe\xef" * 128
    path.write_bytes(bytes(data))
    _fix_up(out, "database.dump")
    _assert_refused(app, runner, tmp_path, out, "database.dump", "数据库损坏")
    assert not _scratch_exists(app)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
@pytest.mark.parametrize("stage", ["database-restored-to-scratch", "files-staged"])
def test_postgres_restore_killed_half_way_leaves_the_live_database_intact(app, runner, tmp_path, stage):
    out = _make_backup(app, runner, tmp_path, fill=50)
    before = _live_state(app, tmp_path)
    _kill_at(app, tmp_path, out, stage)
    after = _live_state(app, tmp_path)
    for key in ("db", "UPLOAD_DIR", "DATA_DIR", "aside"):
        assert after[key] == before[key], key
    _assert_live_usable(app)
    result = _restore(runner, out)
    assert result.exit_code == 0, result.output
    assert not _scratch_exists(app)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_postgres_live_swap_checks_again_and_rolls_back_as_a_whole(app, runner, tmp_path, monkeypatch):
    """Were the scratch check to miss something, the one transaction that replaces the live database checks the
    row counts again before COMMIT; a difference rolls all of it back."""
    out = _make_backup(app, runner, tmp_path, fill=50)
    manifest = _manifest(out)
    manifest["row_counts"]["unit"] += 1
    _write_manifest(out, manifest)
    monkeypatch.setattr("supervision.backup._check_counts", lambda *a, **k: None)
    before = _live_state(app, tmp_path)
    result = _restore(runner, out)
    assert result.exit_code != 0 and "行数不符" in result.output and "回滚" in result.output, result.output
    after = _live_state(app, tmp_path)
    for key in ("db", "UPLOAD_DIR", "DATA_DIR"):
        assert after[key] == before[key], key
    _assert_live_usable(app)
