"""检查记录, 问题清单 and 检查统计 as .xlsx and print views: the export's rows are the page's rows for the same
filter (read off the page itself), formula-like text is neutralised, dates are date cells, and the print view
has no navigation or form and says the filter in its heading."""
import html
import io
import re
from datetime import date

from openpyxl import load_workbook

from supervision.timeutil import cn_date
from supervision.visits import operations, queries
from supervision.visits.models import Disposition
from tests.helpers import login_as, make_unit, make_user

from .test_lists import add_visit

LETTER, FIXED = Disposition.letter.value, Disposition.fixed.value


def page_rows(body: str) -> list[list[str]]:
    """The cells of the page's table body, as text (tags dropped, spaces squeezed)."""
    tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", tbody, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def sheet_rows(data: bytes):
    """(title, header, rows, cells) of an export: rows as the page writes them (dates as 2021年4月9日)."""
    ws = load_workbook(io.BytesIO(data)).active
    cells = list(ws.iter_rows(min_row=3, max_row=ws.max_row - 1))  # the footer is the last row
    shown = [[cn_date(c.value.date()) if c.is_date else ("" if c.value is None else str(c.value)) for c in row]
             for row in cells]
    return ws["A1"].value, [c.value for c in ws[2]], shown, cells


def _data():
    a, b = make_unit("鲁山县林业局"), make_unit("鲁山县水利局")
    insp = make_user("inspector", display_name="张检查")
    add_visit(a, date(2021, 4, 1), [("P101", LETTER)], inspectors=[insp])
    add_visit(a, date(2022, 4, 1), [("=HYPERLINK(\"http://x\")", LETTER), ("P202", FIXED)], item_index=1,
              inspectors=[insp], subpoint=True)
    add_visit(b, date(2022, 5, 1), [("P301", LETTER)], item_index=1)
    add_visit(a, date(2022, 6, 1), [(f"P4{seq:02d}", LETTER) for seq in range(1, 4)], item_index=1)
    add_visit(a, date(2022, 7, 1), [("P501", FIXED)], status="draft")
    return a, b


def test_visits_export_is_the_pages_rows_for_a_filter(client, ctx):
    a, _b = _data()
    login_as(client, "admin")
    query = f"year=2022&unit={a.id}"
    page = page_rows(client.get(f"/visits/?{query}").get_data(as_text=True))
    resp = client.get(f"/visits/?{query}&format=xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    title, header, rows, cells = sheet_rows(resp.data)
    assert header == ["检查日期", "受监督单位", "类型", "检查人员", "问题", "需下达意见书", "状态"]
    assert len(page) == 3 and rows == page
    assert all(row[0].is_date and row[0].number_format == "yyyy-mm-dd" for row in cells)
    assert "2022年" in title and "单位：鲁山县林业局" in title
    # Unfiltered, the export has every row, not one page.
    _t, _h, everything, _c = sheet_rows(client.get("/visits/?format=xlsx&page=2").data)
    assert len(everything) == 5


def test_problems_export_is_the_pages_rows_and_neutralises_formulas(client, ctx):
    a, _b = _data()
    login_as(client, "admin")
    item = operations.ensure_default_catalogue().items[1].key
    query = f"year=2022&item={item}&disposition={LETTER}"
    page = page_rows(client.get(f"/visits/problems?{query}").get_data(as_text=True))
    title, header, rows, cells = sheet_rows(client.get(f"/visits/problems?{query}&format=xlsx").data)
    assert header == ["检查日期", "单位", "检查项目", "子项", "问题", "案卷", "处理方式", "状态"]
    # The page shows the subpoint under the check item, in the same cell.
    merged = [[r[0], r[1], " ".join(x for x in (r[2], r[3]) if x), *r[4:]] for r in rows]
    page = [[*r[:3], r[3] if not r[3].startswith("=") else "'" + r[3], *r[4:]] for r in page]
    assert len(page) == 5 and merged == page
    formula = [row[4] for row in cells if row[4].value.startswith("'=")]
    assert formula and formula[0].value == "'=HYPERLINK(\"http://x\")" and formula[0].data_type != "f"
    assert all(row[0].is_date for row in cells)
    assert "2022年" in title and "需下达意见书" in title


def test_print_views_have_no_navigation_or_form_and_say_the_filter(client, ctx):
    a, _b = _data()
    login_as(client, "admin")
    body = client.get(f"/visits/?year=2022&unit={a.id}&format=print").get_data(as_text=True)
    assert "<nav" not in body and "<form" not in body and "style=" not in body
    assert "2022年 · 单位：鲁山县林业局" in body and "共 3 条" in body
    assert len(page_rows(body)) == 3 and "print.css" in body
    body = client.get("/visits/problems?year=2022&format=print").get_data(as_text=True)
    assert "<nav" not in body and "<form" not in body and "2022年" in body and len(page_rows(body)) == 7  # a draft's too, as on the page
    # The list pages carry the two buttons with their own filter.
    page = client.get(f"/visits/?year=2022&unit={a.id}").get_data(as_text=True)
    assert f"/visits/?format=print&amp;year=2022&amp;unit={a.id}" in page
    assert f"/visits/?format=xlsx&amp;year=2022&amp;unit={a.id}" in page


def test_stats_export_has_the_pages_figures(client, ctx):
    _data()
    login_as(client, "admin")
    data = queries.year_statistics(2022)
    wb = load_workbook(io.BytesIO(client.get("/visits/stats?year=2022&format=xlsx").data))
    summary = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["已提交检查记录（份）"] == data["visits"] == 3 and summary["发现问题（个）"] == 6
    items = list(wb["各检查项目"].iter_rows(min_row=3, values_only=True))
    assert items[-1][:4] == ("合计", 6, 1, 5)
    assert [r[0] for r in items[:-1]] == [s.name for s in data["items"]]
