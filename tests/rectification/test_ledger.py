"""The 整改台账: filters, pagination, and the .xlsx — it opens with openpyxl and its rows, dates and
statuses match the database; formula-like text is neutralised."""
import io
from datetime import date, datetime

from openpyxl import load_workbook

from supervision.extensions import db
from supervision.rectification import ledger, operations, queries
from supervision.rectification.ledger import LedgerFilter
from tests.helpers import make_unit, make_user

from .conftest import PDF_BYTES, make_letter, upload

TODAY = date(2021, 12, 1)


def build(admin):
    """Letters in several states: unsigned, overdue in progress, closed, submitted (with a formula-like text)."""
    u1, u2, u3 = make_unit("鲁山县瀼河乡人民政府", kind="乡镇"), make_unit("鲁山县张良镇人民政府", kind="乡镇"), make_unit()
    unsigned = make_letter(admin, u1, problems=("问题甲。",), issue_date=date(2021, 11, 20), receipt_date=None)
    overdue = make_letter(admin, u2, problems=("问题乙一。", "问题乙二。"), issue_date=date(2021, 3, 1),
                          receipt_date=date(2021, 3, 1))
    closed = make_letter(admin, u3, problems=("问题丙。",), issue_date=date(2021, 8, 30), receipt_date=date(2021, 9, 1),
                         item_index=2)
    user3 = make_user("unit", unit=u3)
    (item,) = closed.items
    operations.save_reply_draft(closed, item.id, user3, "已整改丙")
    operations.save_report_draft(closed, user3, "报告", upload(PDF_BYTES, "r.pdf"))
    operations.submit_report(closed, user3, today=date(2021, 9, 20))
    operations.accept_problem(queries.letter_state(closed).problem(item.id).latest, admin)
    db.session.commit()
    submitted = make_letter(admin, u1, problems=("=cmd|' /C calc'!A0", "+问题丁二"), issue_date=date(2021, 9, 6),
                            receipt_date=date(2021, 9, 7))
    operations.record_paper_reply(submitted, admin, date(2021, 10, 20), "@纸质报告", upload(PDF_BYTES, "s.pdf"),
                               {i.id: ("-已整改", "") for i in submitted.items})
    db.session.commit()
    return unsigned, overdue, closed, submitted


def test_ledger_filters_and_pages(ctx):
    admin = make_user("admin")
    unsigned, overdue, closed, submitted = build(admin)
    page = ledger.ledger_page(LedgerFilter(), today=TODAY)
    assert page.total == 6 and len(page.rows) == 6
    page = ledger.ledger_page(LedgerFilter(), page=2, per_page=4, today=TODAY)
    assert page.total == 6 and len(page.rows) == 2 and page.pages == 2
    by_status = {s: ledger.ledger_page(LedgerFilter(status=s), today=TODAY).total
                 for s in ("unsigned", "in_progress", "submitted", "closed", "overdue")}
    # 2021-03-01 + 30 days = 2021-03-31: overdue on 2021-12-01; the paper reply came after 2021-10-08.
    assert by_status == {"unsigned": 1, "in_progress": 2, "submitted": 2, "closed": 1, "overdue": 4}
    assert ledger.ledger_page(LedgerFilter(unit_id=closed.unit_id), today=TODAY).total == 1
    item_key = closed.items[0].problem.item.key
    rows = ledger.ledger_page(LedgerFilter(item_key=item_key), today=TODAY).rows
    assert closed.id in {r.letter.id for r in rows}
    assert ledger.ledger_page(LedgerFilter(year=2020), today=TODAY).total == 0


def test_ledger_xlsx_matches_the_database(ctx):
    admin = make_user("admin")
    letters = build(admin)
    buf = io.BytesIO()
    n = ledger.write_xlsx(LedgerFilter(year=2021), buf, today=TODAY)
    assert n == 6
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb.active
    assert "2021年" in ws["A1"].value and "整改台账" in ws["A1"].value
    headers = [c.value for c in ws[2]]
    assert headers == [h for h, _k, _w in ledger.COLUMNS]
    assert ws.freeze_panes == "D3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows == "$1:$2"
    assert "A1:R1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["B"].width >= len("鲁山县瀼河乡人民政府") * 2
    col = {h: i for i, h in enumerate(headers)}
    data = [r for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
    assert len(data) == 6

    states = queries.states_for(list(letters), TODAY)
    expected = []
    for x in sorted(letters, key=lambda x: (x.year, x.letter_type_id, x.seq)):
        for item in x.items:
            expected.append((x, item))
    for row, (x, item) in zip(data, expected, strict=True):
        st = states[x.id]
        assert row[col["文号"]] == x.number
        assert row[col["受监督单位"]] == x.unit.name
        assert row[col["签发日期"]] == datetime.combine(x.issue_date, datetime.min.time())
        if x.receipt_date:
            assert row[col["签收日期"]].date() == x.receipt_date
            assert row[col["整改期限"]].date() == st.deadline
        else:
            assert row[col["签收日期"]] is None
        assert row[col["办理状态"]] == st.label
        assert row[col["问题状态"]] == st.problem(item.id).state.label
        assert (row[col["逾期天数"]] or 0) == st.overdue_days
        assert row[col["问题序号"]] == item.position
        closed_on = row[col["办结日期"]]
        assert (closed_on.date() if closed_on else None) == st.closed_on
    # Real date cells with a date format.
    assert ws.cell(row=3, column=col["签发日期"] + 1).is_date
    # The overdue letter: 2021-03-31 → 245 days on 2021-12-01.
    overdue_rows = [r for r in data if r[col["文号"]] == letters[1].number]
    assert overdue_rows[0][col["逾期天数"]] == 245 and overdue_rows[0][col["办理状态"]] == "整改中"
    closed_rows = [r for r in data if r[col["文号"]] == letters[2].number]
    assert closed_rows[0][col["办理状态"]] == "已办结" and closed_rows[0][col["审核结果"]] == "通过"
    assert closed_rows[0][col["答复日期"]] == "2021-09-20"
    # Formula injection neutralised: text that starts with = + - @ is written as text with an apostrophe.
    texts = [r[col["问题"]] for r in data]
    assert "'=cmd|' /C calc'!A0" in texts and "'+问题丁二" in texts
    for r in ws.iter_rows(min_row=3):
        for c in r:
            assert c.data_type != "f"


def _reviewed_twice(admin):
    """A letter returned on one problem and accepted on the other (replied late), and one with an approved
    extension whose returned problem was answered again (第2轮, awaiting review)."""
    returned = make_letter(admin, make_unit("鲁山县辛集乡人民政府", kind="乡镇"), problems=("问题戊一。", "问题戊二。"),
                           issue_date=date(2021, 9, 10), receipt_date=date(2021, 9, 13))
    again = make_letter(admin, make_unit("鲁山县四棵树乡人民政府", kind="乡镇"), problems=("问题己一。", "问题己二。"),
                        issue_date=date(2021, 9, 20), receipt_date=date(2021, 9, 22))
    for letter, day in ((returned, date(2021, 11, 20)), (again, date(2021, 11, 1))):
        user = make_user("unit", unit=letter.unit)
        if letter is again:
            ext = operations.request_extension(letter, user, date(2021, 12, 31), "汛期任务重")
            operations.decide_extension(ext, admin, True)
        for item in letter.items:
            operations.save_reply_draft(letter, item.id, user, f"已整改{item.position}")
        operations.save_report_draft(letter, user, "报告", upload(PDF_BYTES, "r.pdf"))
        operations.submit_report(letter, user, today=day)
        first, second = (queries.letter_state(letter).problem(i.id).latest for i in letter.items)
        operations.return_problem(first, admin, "佐证材料不全")
        operations.accept_problem(second, admin)
        db.session.commit()
    user = make_user("unit", unit=again.unit)
    operations.save_reply_draft(again, again.items[0].id, user, "补充佐证")
    operations.save_report_draft(again, user, "补充报告")
    operations.submit_report(again, user, today=date(2021, 11, 15))
    db.session.commit()
    return returned, again


def _page_values(r, n: int) -> list:
    """What the page's ORM row (LedgerRow) shows, in the order of the export's columns."""
    st = r.status
    return [n, r.letter.unit.name, r.letter.number, r.letter.issue_date, r.letter.receipt_date, st.original_deadline,
            st.deadline, r.problem.position, r.problem.text, r.check_item, r.problem_status.state.label, st.label,
            st.overdue_days or None, "、".join(d.isoformat() for d in r.reply_dates), r.late_days or None, r.review,
            r.accepted_on, st.closed_on]


def test_export_rows_are_the_page_rows(ctx):
    """The export's light rows give, column for column and for every filter, what the page's ORM rows show."""
    admin = make_user("admin")
    unsigned, overdue, closed, submitted = build(admin)
    returned, again = _reviewed_twice(admin)
    filters = [LedgerFilter(), LedgerFilter(year=2021), LedgerFilter(unit_id=again.unit_id),
               LedgerFilter(item_key=closed.items[0].problem.item.key)]
    filters += [LedgerFilter(status=s) for s, _label in ledger.STATUS_CHOICES]
    for flt in filters:
        page = ledger.ledger_page(flt, per_page=100, today=TODAY)
        rows = list(ledger.export_rows(flt, TODAY, block=3))  # blocks cut at letter boundaries
        assert rows == [_page_values(r, n) for n, r in enumerate(page.rows, start=1)], flt
        assert len(rows) == page.total
    rows = {(r[2], r[7]): r for r in ledger.export_rows(LedgerFilter(), TODAY)}
    col = {h: i for i, (h, _k, _w) in enumerate(ledger.COLUMNS)}
    first, second = rows[returned.number, 1], rows[returned.number, 2]
    assert first[col["审核结果"]] == "退回：佐证材料不全" and first[col["问题状态"]] == "退回修改"
    assert second[col["审核结果"]] == "通过" and second[col["通过日期"]] is not None
    assert first[col["办理状态"]] == "退回修改" and first[col["迟报天数"]] > 0
    first, second = rows[again.number, 1], rows[again.number, 2]
    assert first[col["审核结果"]] == "第2轮 待审核" and first[col["答复日期"]] == "2021-11-01、2021-11-15"
    assert first[col["整改期限"]] == date(2021, 12, 31) != first[col["原整改期限"]]
    assert first[col["迟报天数"]] is None and first[col["办理状态"]] == "已报送待审"


def test_ledger_export_cli(app, tmp_path):
    with app.app_context():
        admin = make_user("admin")
        build(admin)
    out = tmp_path / "台账.xlsx"
    result = app.test_cli_runner().invoke(args=["ledger", "export", "--year", "2021", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 个问题" in result.output
    ws = load_workbook(out).active
    assert ws.max_row >= 8
    bad = app.test_cli_runner().invoke(args=["ledger", "export", "--year", "2021", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0 and ".xlsx" in bad.output


def test_statistics(ctx):
    from supervision.rectification.dashboard import statistics

    admin = make_user("admin")
    unsigned, overdue, closed, submitted = build(admin)
    s = statistics(2021, today=TODAY)
    assert s["counts"]["total"] == 4 and s["counts"]["closed"] == 1 and s["counts"]["open"] == 3
    assert s["counts"]["overdue"] == 2
    assert [r["unit"].id for r in s["overdue_by_unit"]][0] == overdue.unit_id
    assert s["months"][3]["issued"] == 1 and s["months"][8]["issued"] == s["months"][9]["issued"] == s["months"][11]["issued"] == 1
    closed_year = queries.letter_state(closed).closed_on.year  # accepted on the real clock
    assert sum(m["closed"] for m in statistics(closed_year, today=TODAY)["months"].values()) == 1
    y = s["years"][0]
    assert y.year == 2021 and y.issued == 4 and y.closed == 1
    # closed: receipt 2021-09-01, accepted today (real clock) — days counted from receipt.
    assert y.avg_days_to_close is not None
    # due: overdue (deadline passed), closed (on time), submitted (late) → on time 1 of 3.
    assert y.due == 3 and y.on_time == 1
    assert sum(r["total"] for r in s["by_item"]) == 6
    # The closed letter's figures were recorded with its closure, which the figures per year are summed from.
    from supervision.extensions import db
    from supervision.rectification.models import Closure

    c = db.session.get(Closure, closed.id)
    assert (c.issue_year, c.replied_on_time) == (2021, True)
    assert c.days_to_close == (c.closed_on - closed.receipt_date).days
