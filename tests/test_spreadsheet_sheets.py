"""spreadsheet.write_sheets (statistics workbooks): formula-like text neutralised, dates as date cells."""
import io
from datetime import date

from openpyxl import load_workbook

from supervision.spreadsheet import Column, Sheet, write_sheets


def test_write_sheets_neutralises_and_writes_dates():
    buf = io.BytesIO()
    write_sheets(buf, [Sheet("表一", "=标题", [Column("名称", "text", 10), Column("日期", "date", 12),
                                              Column("数", "int", 6)],
                             [["=1+1", date(2021, 4, 9), 3], ["@SUM(A1)", None, None]])], footer="共 2 条")
    ws = load_workbook(io.BytesIO(buf.getvalue()))["表一"]
    assert ws["A1"].value == "'=标题" and ws["A3"].value == "'=1+1" and ws["A4"].value == "'@SUM(A1)"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["B3"].is_date and ws["B3"].number_format == "yyyy-mm-dd" and ws["B3"].value.date() == date(2021, 4, 9)
    assert ws["C3"].value == 3 and ws["A5"].value == "共 2 条"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$2"
