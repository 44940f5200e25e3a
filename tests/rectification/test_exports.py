"""整改台账's print view and 整改统计's .xlsx: the ledger's own filter, the year's figures."""
import io

from openpyxl import load_workbook

from supervision.rectification import ledger
from supervision.rectification.dashboard import statistics
from supervision.rectification.exports import PRINT_HEADERS
from supervision.rectification.ledger import LedgerFilter
from supervision.timeutil import cn_date
from tests.helpers import login_as, make_user
from tests.visits.test_exports import page_rows

from .test_ledger import build
from .test_stats_year import _two_years


def test_ledger_print_view_is_the_filtered_ledger_without_navigation(app, client):
    with app.app_context():
        build(make_user("admin"))
        unit_id = ledger.ledger_page(LedgerFilter(year=2021)).rows[0].letter.unit_id
        flt = LedgerFilter(year=2021, status="overdue")
        col = {h: i for i, (h, _k, _w) in enumerate(ledger.COLUMNS)}
        want = [[cn_date(v) if hasattr(v, "year") else ("" if v is None else str(v))
                 for v in (r[col[h]] for h in PRINT_HEADERS)] for r in ledger.export_rows(flt)]
    login_as(client, "admin")
    body = client.get("/rectification/ledger?year=2021&status=overdue&format=print").get_data(as_text=True)
    assert "<nav" not in body and "<form" not in body and "style=" not in body
    assert "2021年 · 逾期" in body
    assert want and page_rows(body) == want and f"共 {len(want)} 条" in body
    body = client.get(f"/rectification/ledger?unit={unit_id}&format=print").get_data(as_text=True)
    assert "单位：" in body
    page = client.get("/rectification/ledger?year=2021&status=overdue").get_data(as_text=True)
    assert "/rectification/ledger?format=print&amp;year=2021&amp;status=overdue" in page


def test_stats_export_answers_the_year(app, client):
    with app.app_context():
        _two_years(make_user("admin"))
        s = statistics(2020)
    login_as(client, "admin")
    resp = client.get("/rectification/stats?year=2020&format=xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.data))
    summary = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["意见书总数"] == s["counts"]["total"] == 2 and summary["逾期"] == s["counts"]["overdue"]
    assert "2020年" in wb["概况"]["A1"].value
    overdue = list(wb["逾期未办结"].iter_rows(min_row=3, values_only=True))
    assert len(overdue) == len(s["overdue_by_unit"])
    months = list(wb["每月签发与办结"].iter_rows(min_row=3, values_only=True))
    assert sum(r[1] for r in months) == 2
