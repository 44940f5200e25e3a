"""The lists' keyword search (issue 15): 检查记录, 问题清单, 意见书 (list and 发文登记), 整改台账 each find by
every field they search, combine the keyword with their filters, take % and _ literally, keep the keyword in the
heading, paging links and .xlsx, never show a unit user another unit's rows, and cost the same statements
however many rows there are."""
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from supervision.extensions import db
from supervision.letters import queries as letter_queries
from supervision.letters.models import Letter
from supervision.rectification import ledger
from supervision.rectification.ledger import LedgerFilter
from supervision.visits import queries as visits_queries
from supervision.visits.models import Problem, Visit
from supervision.visits.queries import ProblemFilter, VisitFilter
from tests.helpers import login_as, make_unit, make_user, sql_statements
from tests.letters.conftest import FIXED, LETTER, make_visit
from tests.rectification.conftest import make_letter

TODAY = date(2021, 12, 1)


def build():
    """Two units with letters (problem texts with % and _ in them) and a third with a visit only."""
    admin = make_user("admin")
    traffic = make_unit("鲁山县交通运输局")
    rang = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
    audit_unit = make_unit("鲁山县审计局")
    a = make_letter(admin, traffic, problems=("罚没款收缴率100%未公示。", "执法证件第_号未年审。"),
                    issue_date=date(2021, 3, 1), receipt_date=date(2021, 3, 2))
    b = make_letter(admin, rang, problems=("罚款100元未开具票据。", "执法证件第1号已过期。"),
                    issue_date=date(2021, 9, 1), receipt_date=date(2021, 9, 2))
    v = make_visit(audit_unit, problems=(("审计报告未按时归档。", FIXED),), visit_date=date(2021, 6, 1))
    return admin, traffic, rang, audit_unit, a, b, v


def problem_texts(user, flt) -> set[str]:
    return {p.description for p in db.session.scalars(visits_queries.visible_problems(user, flt))}


def visit_units(user, flt) -> set[str]:
    return {v.unit.name for v in db.session.scalars(visits_queries.visits_select(user, flt))}


def ledger_texts(flt) -> set[str]:
    return {r.problem.text for r in ledger.ledger_page(flt, today=TODAY).rows}


def test_visits_list_finds_by_unit_name_and_problem_text_with_filters(ctx):
    admin, traffic, rang, audit_unit, a, b, v = build()
    assert visit_units(admin, VisitFilter(q="交通运输")) == {traffic.name}
    assert visit_units(admin, VisitFilter(q="归档")) == {audit_unit.name}  # a problem's text
    assert visit_units(admin, VisitFilter(q="执法证件")) == {traffic.name, rang.name}
    # With a filter: both conditions hold.
    assert visit_units(admin, VisitFilter(q="执法证件", unit_id=rang.id)) == {rang.name}
    assert visit_units(admin, VisitFilter(q="执法证件", year=2020)) == set()
    # % and _ are literal: "100%" is not "100" followed by anything, "第_号" not "第1号".
    assert visit_units(admin, VisitFilter(q="100%")) == {traffic.name}
    assert visit_units(admin, VisitFilter(q="第_号")) == {traffic.name}
    assert visit_units(admin, VisitFilter(q="没有这个词")) == set()


def test_problems_list_finds_by_unit_name_and_text_counts_them_and_escapes(ctx):
    admin, traffic, rang, audit_unit, a, b, v = build()

    def check(flt, expected):
        assert problem_texts(admin, flt) == expected
        assert visits_queries.count_visible_problems(admin, flt) == len(expected)

    check(ProblemFilter(q="瀼河乡"), {"罚款100元未开具票据。", "执法证件第1号已过期。"})
    check(ProblemFilter(q="票据"), {"罚款100元未开具票据。"})
    check(ProblemFilter(q="100%"), {"罚没款收缴率100%未公示。"})
    check(ProblemFilter(q="第_号"), {"执法证件第_号未年审。"})
    check(ProblemFilter(q="执法证件", unit_id=traffic.id), {"执法证件第_号未年审。"})
    check(ProblemFilter(q="审计", disposition=FIXED), {"审计报告未按时归档。"})
    check(ProblemFilter(q="审计", disposition=LETTER), set())
    check(ProblemFilter(q="执法证件", status="in_letter"), {"执法证件第_号未年审。", "执法证件第1号已过期。"})


def test_letters_list_and_register_find_by_unit_number_and_problem_text(ctx):
    admin, traffic, rang, audit_unit, a, b, v = build()

    def found(term, **kw):
        q = letter_queries._register_filter(select(Letter.id), kw.get("year"), kw.get("unit_id"), None, term)
        return set(db.session.scalars(q))

    assert found("交通运输") == {a.id}
    assert found(b.number) == {b.id}
    assert found("票据") == {b.id}
    assert found("100%") == {a.id} and found("第_号") == {a.id}
    assert found("执法证件") == {a.id, b.id}
    assert found("执法证件", year=2021, unit_id=rang.id) == {b.id}
    assert found("执法证件", year=2020) == set()


def test_ledger_finds_rows_by_unit_number_and_problem_text_with_filters(ctx):
    admin, traffic, rang, audit_unit, a, b, v = build()
    # A unit's name or a letter's number: every row of its letters; a problem's text: that row.
    assert ledger_texts(LedgerFilter(q="瀼河")) == {"罚款100元未开具票据。", "执法证件第1号已过期。"}
    assert ledger_texts(LedgerFilter(q=a.number)) == {"罚没款收缴率100%未公示。", "执法证件第_号未年审。"}
    assert ledger_texts(LedgerFilter(q="票据")) == {"罚款100元未开具票据。"}
    assert ledger_texts(LedgerFilter(q="100%")) == {"罚没款收缴率100%未公示。"}
    assert ledger_texts(LedgerFilter(q="第_号")) == {"执法证件第_号未年审。"}
    page = ledger.ledger_page(LedgerFilter(q="执法证件", status="overdue"), today=TODAY)
    assert {r.problem.text for r in page.rows} == {"执法证件第_号未年审。", "执法证件第1号已过期。"} and page.total == 2
    page = ledger.ledger_page(LedgerFilter(q="执法证件", unit_id=traffic.id), today=TODAY)
    assert [r.problem.text for r in page.rows] == ["执法证件第_号未年审。"] and page.total == 1
    assert LedgerFilter(q="票据").describe() == "（关键词：票据）"
    assert LedgerFilter(q="票据").args() == {"q": "票据"}


def test_a_unit_users_lists_never_show_another_units_rows_through_search(ctx, client):
    admin, traffic, rang, audit_unit, a, b, v = build()
    unit_user = make_user("unit", unit=traffic)
    # Searching for the other unit's name or the other unit's problem text finds nothing of it.
    assert visit_units(unit_user, VisitFilter(q="瀼河")) == set()
    assert visit_units(unit_user, VisitFilter(q="执法证件")) == {traffic.name}
    assert problem_texts(unit_user, ProblemFilter(q="票据")) == set()
    assert visits_queries.count_visible_problems(unit_user, ProblemFilter(q="票据")) == 0
    assert problem_texts(unit_user, ProblemFilter(q="执法证件")) == {"执法证件第_号未年审。"}
    assert visits_queries.count_visible_problems(unit_user, ProblemFilter(q="执法证件")) == 1
    # The office's lists are closed to a unit user, search or not.
    login_as(client, "unit", unit=db.session.get(type(traffic), traffic.id))
    for url in ("/visits/?q=瀼河", "/visits/problems?q=票据", "/letters/?q=瀼河", "/letters/register?q=瀼河",
                "/rectification/ledger?q=瀼河", "/rectification/ledger.xlsx?q=瀼河"):
        assert client.get(url).status_code == 403, url
    # Its own unit's visit history (visits_select with its unit) stays its own.
    html = client.get(f"/visits/unit/{rang.id}").status_code
    assert html in (403, 404)


def test_pages_show_the_keyword_keep_it_in_paging_and_exports(ctx, client):
    admin, traffic, rang, audit_unit, a, b, v = build()
    login_as(client, "admin")
    for url, present, absent in (
            ("/visits/?q=交通运输", traffic.name, rang.name),
            ("/visits/problems?q=票据", "罚款100元未开具票据。", "执法证件第1号已过期。"),
            ("/letters/?q=交通运输", a.number, b.number),
            ("/letters/register?q=票据", b.number, a.number),
            ("/rectification/ledger?q=票据", "罚款100元未开具票据。", "执法证件第1号已过期。")):
        html = client.get(url).get_data(as_text=True)
        keyword = url.split("q=")[1]
        assert f"（关键词：{keyword}）" in html, url
        assert f'name="q" value="{keyword}"' in html, url
        rows = html[html.index('name="q"'):]
        rows = rows[rows.index("</form>"):]  # the list itself, past the filter's unit dropdown
        assert present in rows and absent not in rows, url
    # The .xlsx of the register and of the ledger apply the keyword too.
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/letters/register?q=票据&format=xlsx").data)).active
    numbers = [r[1] for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
    assert numbers == [b.number]
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/rectification/ledger.xlsx?q=票据").data)).active
    texts = [r[8] for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
    assert texts == ["罚款100元未开具票据。"]
    assert "关键词：票据" in str(ws["A1"].value)


def test_paging_links_keep_the_keyword(ctx, client):
    unit = make_unit("鲁山县市场监督管理局")
    for _ in range(55):
        make_visit(unit, problems=(("价格公示不规范。", FIXED),))
    login_as(client, "admin")
    for url in ("/visits/?q=市场监督", "/visits/problems?q=价格公示"):
        html = client.get(url).get_data(as_text=True)
        assert "共 55 条" in html, url
        assert "page=2" in html and ("q=%E5%B8%82" in html or "q=%E4%BB%B7" in html), url


def statements(client, url: str) -> int:
    with sql_statements(client.application) as seen:
        assert client.get(url).status_code == 200, url
    return len(seen)


@pytest.mark.parametrize("common", [2, 10 ** 9], ids=["walked", "gathered"])
def test_a_searched_page_costs_the_same_statements_however_many_rows(ctx, client, monkeypatch, common):
    """Both ways a term is sought (search.is_common): walked for in the list's order, counted up to CAP (here 5,
    passed by the rows added), or gathered from the index."""
    from supervision import search

    monkeypatch.setattr(search, "COMMON", common)
    monkeypatch.setattr(search, "CAP", 5)
    admin = make_user("admin")
    units = [make_unit(f"鲁山县搜索局{k}") for k in range(2)]
    for u in units:
        make_letter(admin, u, problems=("搜索问题甲。", "搜索问题乙。"))
    urls = ("/visits/?q=搜索", "/visits/problems?q=搜索", "/letters/?q=搜索", "/letters/register?q=搜索",
            "/rectification/ledger?q=搜索")
    login_as(client, "admin")
    for url in urls:
        client.get(url)
    before = {url: statements(client, url) for url in urls}
    for k in range(4):  # more units, letters and problems matching: a per-row load would show as more statements
        u = make_unit(f"鲁山县搜索局{k + 2}")
        make_letter(admin, u, problems=("搜索问题丙。", "搜索问题丁。", "搜索问题戊。"))
    after = {url: statements(client, url) for url in urls}
    assert after == before


def letters_found(term) -> set[int]:
    return set(db.session.scalars(select(Letter.id).where(letter_queries.letter_search_condition(term))))


def test_the_stored_search_index_follows_every_insert_update_and_delete(ctx):
    """SQLite keeps a copy of the searched text in its FTS5 trigram indexes (search.py, migration 0017), written
    by triggers: a problem, a letter's problem wording and a letter's number are found right after they are
    written, found by their new text (and no longer by the old) right after a change, and not found once
    deleted — within the same transaction, before any commit."""
    from supervision.letters.models import LetterProblem

    admin, traffic, rang, audit_unit, a, b, v = build()
    item_id = v.problems[0].item_id

    def found(term):
        return problem_texts(admin, ProblemFilter(q=term))

    problem = Problem(visit_id=v.id, seq=2, item_id=item_id, description='案卷ABC"目录"缺少页码', disposition=FIXED)
    db.session.add(problem)
    db.session.flush()
    assert found("缺少页码") == {problem.description}
    assert found('abc"目录"') == {problem.description}  # ASCII case and a double quote, as the LIKE takes them
    problem.description = "询问笔录未载明询问地点"
    db.session.flush()
    assert found("缺少页码") == set() and found('abc"目录"') == set()
    assert found("询问地点") == {"询问笔录未载明询问地点"}
    db.session.delete(problem)
    db.session.flush()
    assert found("询问地点") == set()
    assert visits_queries.count_visible_problems(admin, ProblemFilter(q="询问地点")) == 0

    # A letter's problem wording and its number.
    row = db.session.scalars(select(LetterProblem).where(LetterProblem.letter_id == b.id)).first()
    row.text = "听证告知书送达日期早于调查终结日期"
    db.session.flush()
    assert letters_found("送达日期早于") == {b.id}
    assert ledger_texts(LedgerFilter(q="送达日期早于")) == {"听证告知书送达日期早于调查终结日期"}
    assert letters_found("罚款100元") == set()  # its old wording (the problem's own text still has it)
    old_number = b.number
    b.number = "鲁政行监字〔2021〕999号"
    db.session.flush()
    assert letters_found("〔2021〕999") == {b.id} and letters_found(old_number) == set()
    db.session.delete(row)
    db.session.flush()
    assert letters_found("送达日期早于") == set()
    db.session.rollback()


def test_sqlite_finds_terms_of_three_characters_or_more_from_its_trigram_index(ctx):
    """On SQLite a term the trigram index can find is sought there (not by reading every row's text); a
    shorter one is read from the table, and both find the same rows as the LIKE alone."""
    if db.engine.dialect.name != "sqlite":
        return
    admin, traffic, rang, audit_unit, a, b, v = build()

    def plan(term) -> str:
        stmt = select(Problem.id).where(visits_queries.problem_search_condition(term))
        compiled = stmt.compile(db.engine)
        rows = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[k] for k in compiled.positiontup))
        return " | ".join(r[3] for r in rows)

    assert "problem_fts VIRTUAL TABLE" in plan("执法证件")
    assert "problem_fts" not in plan("票据")
    # The FTS phrase takes the term literally, % and _ included.
    assert problem_texts(admin, ProblemFilter(q="率100%")) == {"罚没款收缴率100%未公示。"}
    assert problem_texts(admin, ProblemFilter(q="第_号")) == {"执法证件第_号未年审。"}


def test_a_term_without_letter_case_is_matched_without_lowering_every_row(ctx):
    """A Chinese (caseless) term is a plain LIKE: lower() on every row's text (SQLite) or ILIKE (PostgreSQL)
    only where the term has letters with a case — and both find the same rows."""
    admin, traffic, rang, audit_unit, a, b, v = build()

    def sql(term) -> str:
        stmt = select(Problem.id).where(visits_queries.problem_search_condition(term))
        return str(stmt.compile(db.engine)).lower()

    assert "lower(problem.description)" not in sql("执法证件") and "ilike" not in sql("执法证件")
    assert "lower(problem.description)" not in sql("〔2021〕1") and "ilike" not in sql("票据")
    assert "lower(problem.description)" in sql("Abc") or "ilike" in sql("Abc")
    assert problem_texts(admin, ProblemFilter(q="执法证件")) == {"执法证件第_号未年审。", "执法证件第1号已过期。"}
    assert problem_texts(admin, ProblemFilter(q="票据")) == {"罚款100元未开具票据。"}


# --- a common term: walked for in the list's order, counted up to search.CAP -----------------------------------

def price_visits(n: int, unit=None):
    """`n` visits of one unit on n different days (newest last), each with one problem 「价格公示不规范（k）」."""
    unit = unit or make_unit("鲁山县市场监督管理局")
    return [make_visit(unit, problems=((f"价格公示不规范（{k}）。", FIXED),), visit_date=date(2021, 3, 1 + k))
            for k in range(n)]


def test_a_common_term_shows_more_than_the_cap_and_pages_on_with_next(ctx, client, monkeypatch):
    """Past CAP matches the total reads 「CAP 条以上」, the pager has no link to a last page, and 下一页 walks
    through every match, newest first, each once; up to CAP the total is exact."""
    from supervision import search
    from supervision.visits import views as visits_views

    monkeypatch.setattr(search, "CAP", 3)
    monkeypatch.setattr(search, "COMMON", 2)
    monkeypatch.setattr(visits_views, "PER_PAGE", 2)
    price_visits(7)
    make_visit(make_unit("鲁山县审计局"), problems=(("审计报告未归档（甲）。", FIXED), ("审计报告未归档（乙）。", FIXED)))
    login_as(client, "admin")
    seen, page = [], 1
    while True:
        html = client.get(f"/visits/problems?q=价格公示&page={page}").get_data(as_text=True)
        assert f"共 3 条以上，第 {page} 页" in html, page
        rows = html[html.index("<tbody>"):]
        seen += sorted((t for t in (f"价格公示不规范（{k}）。" for k in range(7)) if t in rows), key=rows.index)
        assert "page=9" not in html and "page=8" not in html  # no last page link: it is not counted
        if "下一页" not in html:
            break
        assert f"page={page + 1}" in html[html.index("下一页") - 200:html.index("下一页")]
        page += 1
    assert page == 4 and seen == [f"价格公示不规范（{k}）。" for k in range(6, -1, -1)]
    # The visits list the same way; at most CAP matches the total is exact, with its last page.
    html = client.get("/visits/?q=价格公示").get_data(as_text=True)
    assert "共 3 条以上，第 1 页" in html and "下一页" in html
    html = client.get("/visits/problems?q=审计报告").get_data(as_text=True)
    assert "共 2 条" in html and "以上" not in html.split("共 2 条")[1][:10] and "下一页" not in html


def test_capped_lists_still_export_and_print_every_match(ctx, client, monkeypatch):
    from supervision import search

    monkeypatch.setattr(search, "CAP", 2)
    monkeypatch.setattr(search, "COMMON", 2)
    admin, traffic, rang, audit_unit, a, b, v = build()
    price_visits(4)
    login_as(client, "admin")
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/visits/problems?q=价格公示&format=xlsx").data)).active
    assert sum(1 for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str) and "价格公示不规范" in c) == 4
    html = client.get("/visits/problems?q=价格公示&format=print").get_data(as_text=True)
    assert "共 4 条" in html and html.count("价格公示不规范") == 4
    # The 整改台账: its page capped, its .xlsx and print view every row (「鲁山县」: every unit, 4 rows).
    page = ledger.ledger_page(LedgerFilter(q="鲁山县"), today=TODAY)
    assert page.capped and page.total == 2 and len(page.rows) == 4
    assert ledger.ledger_page(LedgerFilter(q="鲁山县"), today=TODAY, exact=True).total == 4
    assert "共 2 个问题以上" in client.get("/rectification/ledger?q=鲁山县").get_data(as_text=True)
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/rectification/ledger.xlsx?q=鲁山县").data)).active
    assert len([r for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]) == 4
    html = client.get("/rectification/ledger?q=鲁山县&format=print").get_data(as_text=True)
    assert "共 4 条" in html
    # The letters list and 发文登记 (2 letters): exact at CAP, capped past it, the .xlsx every letter.
    assert "共 2 份" in client.get("/letters/?q=鲁山县").get_data(as_text=True)
    monkeypatch.setattr(search, "CAP", 1)
    assert "共 1 份以上" in client.get("/letters/?q=鲁山县").get_data(as_text=True)
    assert "共 1 件以上" in client.get("/letters/register?q=鲁山县").get_data(as_text=True)
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/letters/register?q=鲁山县&format=xlsx").data)).active
    assert sorted(r[1] for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)) == sorted(
        [a.number, b.number])


@pytest.mark.parametrize("common", [1, 2, 10 ** 9], ids=["walked", "units walked", "gathered"])
def test_a_common_and_a_rare_term_find_the_same_rows(ctx, monkeypatch, common):
    """A term checked row by row in the list's order (common), a unit's name whose units have many rows checked
    row by row while the text's few rows come from the index (units walked), or everything gathered from the
    index first (rare): the same rows in every list, % and _ literal, a unit's name, a letter's number, with
    filters."""
    from supervision import search

    admin, traffic, rang, audit_unit, a, b, v = build()
    monkeypatch.setattr(search, "COMMON", common)
    if common == 2:  # 瀼河乡's two problems: its name walks for them, no problem text has it
        sql = str(select(Problem.id).where(visits_queries.problem_search_condition("瀼河乡")).compile(db.engine))
        assert "problem.visit_id +" in sql

    def letters(term, **kw):
        q = letter_queries._register_filter(select(Letter.id), kw.get("year"), kw.get("unit_id"), None, term)
        return set(db.session.scalars(q))

    assert visit_units(admin, VisitFilter(q="执法证件")) == {traffic.name, rang.name}
    assert visit_units(admin, VisitFilter(q="交通运输")) == {traffic.name}
    assert visit_units(admin, VisitFilter(q="归档")) == {audit_unit.name}
    assert problem_texts(admin, ProblemFilter(q="瀼河乡")) == {"罚款100元未开具票据。", "执法证件第1号已过期。"}
    assert problem_texts(admin, ProblemFilter(q="100%")) == {"罚没款收缴率100%未公示。"}
    assert problem_texts(admin, ProblemFilter(q="第_号")) == {"执法证件第_号未年审。"}
    assert problem_texts(admin, ProblemFilter(q="执法证件", unit_id=traffic.id)) == {"执法证件第_号未年审。"}
    assert visits_queries.count_visible_problems(admin, ProblemFilter(q="执法证件")) == 2
    assert letters("交通运输") == {a.id} and letters(b.number) == {b.id} and letters("票据") == {b.id}
    assert letters("100%") == {a.id} and letters("第_号") == {a.id}
    assert letters("执法证件", year=2021, unit_id=rang.id) == {b.id} and letters("执法证件", year=2020) == set()
    assert ledger_texts(LedgerFilter(q="瀼河")) == {"罚款100元未开具票据。", "执法证件第1号已过期。"}
    assert ledger_texts(LedgerFilter(q=a.number)) == {"罚没款收缴率100%未公示。", "执法证件第_号未年审。"}
    assert ledger_texts(LedgerFilter(q="第_号")) == {"执法证件第_号未年审。"}
    assert ledger_texts(LedgerFilter(q="执法证件", unit_id=traffic.id)) == {"执法证件第_号未年审。"}
    unit_user = make_user("unit", unit=traffic)
    assert problem_texts(unit_user, ProblemFilter(q="执法证件")) == {"执法证件第_号未年审。"}
    assert visit_units(unit_user, VisitFilter(q="瀼河")) == set()


def test_a_common_term_is_checked_row_by_row_not_gathered(ctx):
    """A common term's condition reads no index and gathers no id set (no UNION, no FTS table): the list's own
    order walks its rows and stops after the page; a rare term still takes its few rows from the index."""
    from supervision import search

    price_visits(3)
    common, rare = search.COMMON, "价格公示不规范（1）"
    try:
        search.COMMON = 3
        sql = str(select(Problem.id).where(visits_queries.problem_search_condition("价格公示")).compile(db.engine))
        assert "UNION" not in sql.upper() and "_fts" not in sql
        sql = str(select(Problem.id).where(visits_queries.problem_search_condition(rare)).compile(db.engine))
        assert "UNION" in sql.upper()
    finally:
        search.COMMON = common
