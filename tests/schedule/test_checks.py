"""Import checks and bad input: each problem named in Chinese with its file, row and cell; nothing written."""
import io
import os

import pytest
from sqlalchemy import func, select

from supervision.audit import AuditEntry
from supervision.directory.models import Unit
from supervision.extensions import db
from supervision.schedule import operations, queries
from supervision.schedule.models import Slot, UnitAlias
from tests.helpers import login_as, make_unit
from tests.schedule import builders


def _csv(*rows):
    return ("月份,周次,受监督单位\n" + "\n".join(rows) + "\n").encode("utf-8")


def _messages(preview, severity="error"):
    return [str(p) for p in preview.problems if p.severity == severity]


def test_fewer_than_three_working_days_is_flagged(ctx):
    preview = queries.import_plan("计划.csv", _csv("五月,第一周,鲁山县应急管理局", "十月,第一周,鲁山县民政局",
                                                    "三月,第一周,鲁山县司法局"), 2021)
    warnings = _messages(preview, "warning")
    assert any("5月第1周" in w and "只有2个工作日" in w and "劳动节" in w and "第2行" in w for w in warnings), warnings
    assert any("10月第1周" in w and "只有1个工作日" in w and "国庆节" in w for w in warnings), warnings
    assert not any("3月第1周" in w for w in warnings)


def test_unit_twice_in_a_year_is_an_error(ctx):
    preview = queries.import_plan("计划.csv", _csv("三月,第一周,鲁山县司法局", ",第二周,鲁山县民政局、鲁山县司法局"), 2021)
    errors = _messages(preview)
    assert len(errors) == 1
    assert "“鲁山县司法局”在一年中出现两次" in errors[0] and "第3行" in errors[0] and "C3" in errors[0]
    assert not preview.valid


@pytest.mark.parametrize("row, message, cell", [
    ("十三月,第一周,鲁山县司法局", "无法识别的月份“十三月”", "A2"),
    ("三月,第六周,鲁山县司法局", "无法识别的周次“第六周”", "B2"),
    ("二月,第五周,鲁山县司法局", "2021年2月只有4个星期一，没有第5周", "B2"),
    ("三月,第一周,", "3月第1周的受监督单位为空", "C2"),
])
def test_bad_month_week_or_empty_unit(ctx, row, message, cell):
    preview = queries.import_plan("计划.csv", _csv(row), 2021)
    errors = preview.errors
    assert errors, preview.problems
    assert message in errors[0].message
    assert errors[0].file == "计划.csv" and errors[0].row == 2 and errors[0].cell == cell


def test_unknown_unit_is_offered_for_creation_or_mapping_and_the_mapping_is_remembered(ctx):
    target = make_unit("市生态环境局鲁山分局")
    make_unit("鲁山县教育体育局")
    make_unit("鲁山县张良镇人民政府", kind="乡镇")
    data = _csv("九月,第二周,鲁山县商务局、鲁山县环境保护局")
    preview = queries.import_plan("计划.csv", data, 2021)
    unknown = {u.name: u for u in preview.unknown}
    assert set(unknown) == {"鲁山县商务局", "鲁山县环境保护局"}
    assert target in unknown["鲁山县环境保护局"].suggestions
    with pytest.raises(queries.ScheduleError, match="不在单位名录中"):
        operations.commit_import(preview, {})
    decisions = {"units": {"鲁山县商务局": "create", "鲁山县环境保护局": f"map:{target.id}"}}
    operations.commit_import(queries.import_plan("计划.csv", data, 2021, decisions), decisions)
    db.session.commit()
    slot = queries.slots_for_year(2021)[0]
    assert [u.name for u in slot.units] == ["鲁山县商务局", "市生态环境局鲁山分局"]
    assert db.session.scalar(select(UnitAlias.unit_id).where(UnitAlias.alias == "鲁山县环境保护局")) == target.id
    assert db.session.scalar(select(Unit.kind).where(Unit.name == "鲁山县商务局")) == "县直"
    again = queries.import_plan("计划.csv", data, 2021)
    assert again.unknown == [] and again.valid
    assert [c.kind for c in again.changes] == ["unchanged"]


def _ole2(extra: bytes) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + extra + b"\x00" * 1024


BAD = {
    "not_a_table_png": ("截图.png", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "不是表格"),
    "not_a_table_pdf": ("计划.pdf", b"%PDF-1.7\n" + b"x" * 100, "PDF"),
    "docx_without_table": ("通知.docx", None, "没有表格"),
    "unknown_encoding": ("计划.csv", "月份,周次,受监督单位\n三月,第一周,司法局\n".encode("utf-8") + b"\xff\xfe\x80\xff" * 20,
                         "无法识别文件编码"),
    "no_header": ("计划.csv", "单位,电话\n鲁山县司法局,0375-1\n".encode("utf-8"), "找不到表头"),
    "password_protected": ("计划.xlsx", _ole2("EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")),
                           "设有打开密码"),
    "old_xls": ("计划.xls", _ole2(b"Workbook"), "旧版"),
    "junk_10mb": ("计划.xlsx", b"\x00junk" * (2 * 1024 * 1024), "文件过大"),
    "junk_small": ("计划.xlsx", bytes(range(256)) * 400, "不是表格"),
    "broken_zip": ("计划.xlsx", b"PK\x03\x04" + b"\x00" * 300, "损坏"),
}


def _docx_without_table():
    import docx

    d = docx.Document()
    d.add_paragraph("关于开展依法行政监督考核的通知")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gives_a_chinese_message_and_writes_nothing(ctx, plan_2021, case):
    filename, data, message = BAD[case]
    if data is None:
        data = _docx_without_table()
    before = (db.session.scalar(select(func.count()).select_from(Slot)), db.session.scalar(select(func.count()).select_from(AuditEntry)))
    preview = queries.import_plan(filename, data, 2021)
    assert message in preview.file_error, preview.file_error
    assert not preview.valid
    with pytest.raises(queries.ScheduleError):
        operations.commit_import(preview, {})
    db.session.rollback()
    after = (db.session.scalar(select(func.count()).select_from(Slot)), db.session.scalar(select(func.count()).select_from(AuditEntry)))
    assert before == after
    assert [u.name for u in queries.slots_for_year(2021)[0].units] == ["鲁山县张良镇人民政府"]


@pytest.mark.parametrize("case", ["junk_10mb", "password_protected", "no_header"])
def test_bad_upload_through_the_page_shows_the_message_and_keeps_the_schedule(app, client, case):
    with app.app_context():
        login_as(client, "admin")
    filename, data, message = BAD[case]
    from flask.testing import EnvironBuilder

    # Built by hand so the 10 MB body's spooled temporary file is closed afterwards.
    builder = EnvironBuilder(app, path="/schedule/import", method="POST",
                             data={"year": "2021", "file": (io.BytesIO(data), filename)})
    environ = builder.get_environ()
    try:
        resp = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "无法导入，计划未改动" in body and message in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Slot)) == 0
    stored = os.path.join(app.config["DATA_DIR"], "schedule_imports")
    assert not os.path.exists(stored) or not os.listdir(stored)


def test_invalid_file_from_cli_exits_nonzero_listing_every_error(runner, tmp_path):
    path = tmp_path / "计划.csv"
    path.write_bytes(_csv("十三月,第一周,鲁山县司法局", "三月,第六周,鲁山县民政局", "四月,第一周,"))
    result = runner.invoke(args=["schedule", "import", str(path), "--year", "2021"])
    assert result.exit_code == 1
    out = result.output
    assert "共3处错误" in out and "十三月" in out and "第六周" in out and "受监督单位为空" in out


def test_cli_dry_run_prints_summary_and_writes_nothing(app, runner):
    result = runner.invoke(args=["schedule", "import", builders.PLAN_2021, "--year", "2021", "--dry-run", "--create-units"])
    assert result.exit_code == 0, result.output
    assert "37周，55家单位（乡镇20家，县直35家）" in result.output and "试运行" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Slot)) == 0


def test_cli_import_then_show(app, runner):
    result = runner.invoke(args=["schedule", "import", builders.PLAN_2021, "--year", "2021"])
    assert result.exit_code == 1 and "不在单位名录中" in result.output  # no directory yet, no --create-units
    result = runner.invoke(args=["schedule", "import", builders.PLAN_2021, "--year", "2021", "--create-units"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["schedule", "show", "--year", "2021"])
    assert "3月第1周  2021-03-01..2021-03-05  鲁山县张良镇人民政府" in shown.output
    import json

    data = json.loads(runner.invoke(args=["schedule", "show", "--year", "2021", "--json"]).output)
    assert len(data) == 37 and data[-1]["units"] == ["鲁山县瀼河乡人民政府", "鲁山县熊背乡人民政府"]
