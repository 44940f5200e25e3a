"""flask backup / restore bring back the database and the files exactly."""
from pathlib import Path

from supervision.backup import row_counts
from supervision.directory.models import Unit
from supervision.extensions import db
from tests.helpers import make_unit


def test_backup_change_restore_compare(app, runner, tmp_path):
    with app.app_context():
        make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        before = row_counts()
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
    upload.write_bytes(b"%PDF-1.4 changed")
    (upload.parent / "extra.pdf").write_bytes(b"new")
    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert row_counts() == before
        assert [u.name for u in db.session.query(Unit)] == ["鲁山县瀼河乡人民政府"]
    assert upload.read_bytes() == b"%PDF-1.4 original"
    assert not (upload.parent / "extra.pdf").exists()


def test_backup_refuses_non_empty_folder_and_restore_refuses_damaged_backup(app, runner, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    result = runner.invoke(args=["backup", "--out", str(busy)])
    assert result.exit_code != 0 and "不是空的" in result.output
    upload = Path(app.config["UPLOAD_DIR"]) / "a.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.4")
    out = tmp_path / "b"
    assert runner.invoke(args=["backup", "--out", str(out)]).exit_code == 0
    (out / "files" / "uploads" / "a.pdf").write_bytes(b"tampered")
    with app.app_context():
        make_unit("鲁山县留下的局")
    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code != 0 and "已损坏" in result.output
    with app.app_context():
        assert db.session.query(Unit).filter_by(name="鲁山县留下的局").count() == 1
