"""spreadsheet.write_table, the streaming .xlsx writer of the 整改台账: what it writes reads back with openpyxl —
values and their types, dates with their format, the frozen pane, the merged title, the printed title rows,
A4 landscape — and text comes back as typed: markup and XML's special characters literally, formula-looking
text behind an apostrophe, control characters XML cannot hold dropped without breaking the file."""
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from supervision.spreadsheet import Column, column_letter, write_table

COLUMNS = [Column("序号", "int", 6), Column("名称", "text", 20), Column("日期", "date", 12),
           Column("说明", "wrap", 40), Column("金额", "int", 10)]


def _write(rows, **kw) -> tuple[bytes, int]:
    buf = io.BytesIO()
    kw.setdefault("title", "2021年整改台账")
    kw.setdefault("footer", lambda n: f"共 {n} 个问题。")
    kw.setdefault("freeze", "C3")
    n = write_table(buf, "整改台账", COLUMNS, rows, **kw)
    return buf.getvalue(), n


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_values_types_and_layout():
    rows = [[1, "鲁山县瀼河乡人民政府", date(2021, 3, 1), "问题甲。\n第二行", 12],
            [2, "张良镇", datetime(2021, 12, 31, 18, 30), "", None],
            [3, "  前后空格  ", None, "\u3000全角空格开头", 2.5],
            [4, "", date(1900, 1, 1), None, True]]
    data, n = _write(rows)
    assert n == 4
    ws = _sheet(data)
    assert ws.title == "整改台账"
    assert ws["A1"].value == "2021年整改台账" and ws["A1"].font.b and ws["A1"].font.sz == 16
    assert [c.value for c in ws[2]] == [c.header for c in COLUMNS]
    assert all(c.font.b and c.border.left.style == "thin" for c in ws[2])
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=3, max_row=6)]
    assert got == [[1, "鲁山县瀼河乡人民政府", datetime(2021, 3, 1), "问题甲。\n第二行", 12],
                   [2, "张良镇", datetime(2021, 12, 31, 18, 30), None, None],
                   [3, "  前后空格  ", None, "\u3000全角空格开头", 2.5],
                   [4, None, datetime(1900, 1, 1), None, True]]
    assert type(got[0][0]) is int and type(got[0][4]) is int
    date_cell = ws["C3"]
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"
    assert ws["D3"].alignment.wrap_text and ws["D3"].alignment.vertical == "top"
    assert not ws["B3"].alignment.wrap_text and ws["B3"].font.name == "宋体" and ws["B3"].font.sz == 10
    # An empty cell keeps its borders.
    assert ws["E4"].value is None and ws["E4"].border.bottom.style == "thin"
    assert ws["A7"].value == "共 4 个问题。" and ws["A7"].font.i and ws.max_row == 7
    assert [ws.column_dimensions[column_letter(i)].width for i in range(1, 6)] == [6, 20, 12, 40, 10]


def test_print_and_view_settings():
    ws = _sheet(_write([[1, "甲", date(2021, 1, 1), "乙", 2]])[0])
    assert ws.freeze_panes == "C3"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:E1"}
    assert ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_options.horizontalCentered
    assert ws.page_margins.left == ws.page_margins.right == 0.4
    assert ws.page_margins.top == ws.page_margins.bottom == 0.6
    assert ws.row_dimensions[1].height == 30


def test_without_title_the_header_is_row_one():
    ws = _sheet(_write([[1, "甲", None, None, None]], title="", footer=None, freeze="A2")[0])
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert ws["B2"].value == "甲" and ws.max_row == 2
    assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1" and not ws.merged_cells.ranges


def test_markup_and_xml_special_characters_come_back_literally():
    texts = ["<b>&amp;</b>", '"quotes" & \'apostrophes\'', "a < b > c", "]]>", "&#13;", "<?xml ?>",
             "回车\r\n换行", "尾部回车\r", "\n前导换行"]
    rows = [[i, t, None, t, None] for i, t in enumerate(texts)]
    data, _n = _write(rows, title="<i>标题</i> & 台账")
    ws = _sheet(data)
    assert ws["A1"].value == "<i>标题</i> & 台账"
    assert [ws.cell(row=3 + i, column=2).value for i in range(len(texts))] == texts
    assert [ws.cell(row=3 + i, column=4).value for i in range(len(texts))] == texts


def test_control_characters_are_dropped_not_fatal():
    rows = [[1, "垂直\x0b制表", None, "空\x00字符\x1f与\x08退格", None],
            [2, "\x0b=cmd|' /C calc'!A0", None, "\x0b\x0c", None]]
    data, _n = _write(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
    ws = _sheet(data)
    assert ws["B3"].value == "垂直制表" and ws["D3"].value == "空字符与退格"
    # Dropping the control character leaves formula-looking text: it is neutralised all the same.
    assert ws["B4"].value == "'=cmd|' /C calc'!A0"
    assert ws["D4"].value is None and ws["D4"].border.left.style == "thin"


def test_formula_looking_text_is_written_as_text():
    payloads = ["=cmd|' /C calc'!A0", "+1+1", "-1", "@SUM(1)", "\t=1+1", "\r=1+1"]
    ws = _sheet(_write([[i, p, None, p, None] for i, p in enumerate(payloads)], title="=标题")[0])
    assert ws["A1"].value == "'=标题"
    assert [ws.cell(row=3 + i, column=2).value for i in range(len(payloads))] == ["'" + p for p in payloads]
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f"


def test_repeated_values_and_many_rows():
    """Cells are cached by value for the rows that follow: a repeated value, and a cache emptied when full."""
    rows = [[i, f"单位{i % 5000}", date(2021, 1, 1 + i % 28), "同一说明", i] for i in range(12000)]
    data, n = _write(iter(rows))
    assert n == 12000
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    got = [r for r in ws.iter_rows(min_row=3, max_row=12002, values_only=True)]
    assert [list(r) for r in got] == [[i, f"单位{i % 5000}", datetime(2021, 1, 1 + i % 28), "同一说明", i]
                                      for i in range(12000)]


def test_written_to_a_path_and_bad_input(tmp_path):
    path = tmp_path / "台账.xlsx"
    assert write_table(path, "表", COLUMNS, [[1, "甲", None, None, None]]) == 1
    assert load_workbook(path).active["A2"].value == 1
    with pytest.raises(ValueError):
        write_table(io.BytesIO(), "表", COLUMNS, [[1, "甲"]])
    with pytest.raises(TypeError):
        write_table(io.BytesIO(), "表", COLUMNS, [[1, object(), None, None, None]])
    with pytest.raises(ValueError):
        write_table(io.BytesIO(), "a/b", COLUMNS, [])
