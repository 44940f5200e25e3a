"""The plan's year, read from the file (issue 15): a table titled 「2022年依法行政日常监督分组计划表」 (or a file
named 2022…) is refused when imported as another year unless the admin confirms; the same in the CLI."""
import io

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

from supervision.extensions import db
from supervision.schedule import queries
from supervision.schedule.importers import read_plan
from supervision.schedule.models import Slot
from tests.helpers import login, make_user

TITLE = "2022年依法行政日常监督分组计划表"
ROWS = [("月份", "周次", "受监督单位"), ("三月", "第一周", "鲁山县司法局"), ("", "第二周", "鲁山县民政局")]


def xlsx_titled():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([TITLE])
    ws.merge_cells("A1:C1")
    for row in ROWS:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_titled():
    document = docx.Document()
    document.add_paragraph("附件")
    document.add_paragraph(TITLE)
    table = document.add_table(rows=len(ROWS), cols=3)
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def csv_titled():
    return (TITLE + ",,\n" + "\n".join(",".join(r) for r in ROWS) + "\n").encode()


def csv_plain():
    return ("\n".join(",".join(r) for r in ROWS) + "\n").encode()


@pytest.mark.parametrize("name,data", [("计划表.xlsx", xlsx_titled()), ("附件.docx", docx_titled()),
                                       ("计划.csv", csv_titled()), ("2022年计划.csv", csv_plain())])
def test_the_year_is_read_from_the_title_or_the_file_name(ctx, name, data):
    plan = read_plan(name, data)
    assert plan.stated_year == 2022
    assert queries.import_plan(name, data, 2022).year_mismatch == ""
    mismatch = queries.import_plan(name, data, 2026).year_mismatch
    assert "2022年" in mismatch and "2026年" in mismatch
    assert ("标题“" + TITLE) in mismatch if name != "2022年计划.csv" else "文件名“2022年计划.csv”" in mismatch


def test_the_title_wins_over_the_file_name_and_no_year_is_no_check(ctx):
    assert read_plan("2021计划.xlsx", xlsx_titled()).stated_year == 2022
    assert read_plan("计划.csv", csv_plain()).stated_year is None
    assert queries.import_plan("计划.csv", csv_plain(), 2026).year_mismatch == ""


def _post(client, year, data, name="计划表.xlsx", **extra):
    return client.post("/schedule/import", data={"year": str(year), "file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def test_upload_refuses_a_year_mismatch_unless_confirmed(app, client, ctx):
    admin = make_user("admin")
    assert login(client, admin.username).status_code == 302
    resp = _post(client, 2026, xlsx_titled())
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "写的是2022年" in body and "2026年不一致" in body
    assert 'name="force_year"' in body and "仍按所选年份导入" in body
    assert _post(client, 2022, xlsx_titled()).status_code == 302  # the right year goes through
    resp = _post(client, 2026, xlsx_titled(), force_year="y")  # confirmed
    assert resp.status_code == 302
    preview_url = resp.headers["Location"]
    body = client.get(preview_url).get_data(as_text=True)
    assert "请注意年份" in body and "您已确认按2026年导入" in body
    token = preview_url.rstrip("/").split("/")[-1]
    import re

    form = {f"unit_{k}": "create" for k in re.findall(r'name="unit_([0-9a-f]{12})"', body)}
    assert client.post(f"/schedule/import/{token}/confirm", data=form).status_code == 302
    assert {s.year for s in db.session.scalars(select(Slot))} == {2026}


def test_cli_refuses_a_year_mismatch_unless_forced(app, runner, tmp_path):
    path = tmp_path / "计划表.xlsx"
    path.write_bytes(xlsx_titled())
    result = runner.invoke(args=["schedule", "import", str(path), "--year", "2026", "--create-units"])
    assert result.exit_code == 1 and "写的是2022年" in result.output and "--force-year" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Slot)) == 0
    result = runner.invoke(args=["schedule", "import", str(path), "--year", "2022", "--create-units"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["schedule", "import", str(path), "--year", "2026", "--create-units", "--force-year"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert sorted({s.year for s in db.session.scalars(select(Slot))}) == [2022, 2026]
