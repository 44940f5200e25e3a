"""/units at province scale: 100 units a page (a county's ~55 on one), searchable by name, the heading counting
the whole directory."""
import re

from sqlalchemy import select

from supervision.directory.models import Unit
from supervision.directory.views import UNITS_PER_PAGE
from supervision.extensions import db
from tests.helpers import login_as, sql_statements


def add_units(app, towns=0, county=0, inactive=0, prefix=""):
    with app.app_context():
        db.session.add_all([Unit(name=f"鲁山县{prefix}第{i:03d}镇人民政府", kind="乡镇") for i in range(towns)]
                           + [Unit(name=f"鲁山县{prefix}第{i:03d}局", kind="县直") for i in range(county)]
                           + [Unit(name=f"鲁山县{prefix}撤销{i:03d}局", kind="县直", active=False)
                              for i in range(inactive)])
        db.session.commit()


def listed(html) -> list[tuple[str, str]]:
    """(row number, unit name) of each row of the units table (the offices' table follows it)."""
    return re.findall(r"<tr>\s*<td>(\d+)</td><td>([^<]+)</td>", html.split("工作组联系方式")[0])


def directory_order(app, active_only=True) -> list[str]:
    with app.app_context():
        q = select(Unit.name).order_by(Unit.kind.desc(), Unit.id)
        if active_only:
            q = q.where(Unit.active.is_(True))
        return list(db.session.scalars(q))


def test_units_are_paged_and_the_heading_counts_the_whole_directory(app, client):
    n = UNITS_PER_PAGE
    login_as(client, "leader")
    county = 2 * n + 20 - 40  # three pages: two full, one of 20
    add_units(app, towns=40, county=county, inactive=7)
    order = directory_order(app)
    html = client.get("/units").get_data(as_text=True)
    assert f"乡镇 40 家，县直 {county} 家" in html and f"共 {2 * n + 20} 家，第 1/3 页" in html
    assert [name for _, name in listed(html)] == order[:n]
    html = client.get("/units?page=2").get_data(as_text=True)
    assert f"乡镇 40 家，县直 {county} 家" in html  # not the counts of the rows on the page
    assert listed(html) == [(str(i + 1), name) for i, name in enumerate(order) if n <= i < 2 * n]
    assert [name for _, name in listed(client.get("/units?page=3").get_data(as_text=True))] == order[2 * n:]
    # With the deactivated ones: counted and listed, and the pager keeps the choice.
    html = client.get("/units?inactive=1").get_data(as_text=True)
    assert f"乡镇 40 家，县直 {county + 7} 家" in html and f"共 {2 * n + 27} 家" in html
    links = re.findall(r'class="page-link" href="([^"]+)"', html)
    assert any("page=3" in u and "inactive=1" in u for u in links), links
    last = client.get("/units?inactive=1&page=3").get_data(as_text=True)
    assert [name for _, name in listed(last)] == directory_order(app, active_only=False)[2 * n:]


def test_search_by_name_narrows_the_list_not_the_heading(app, client):
    login_as(client, "admin")
    add_units(app, towns=30, county=60)
    add_units(app, county=2, prefix="审计")
    html = client.get("/units?q=审计").get_data(as_text=True)
    assert [n for _, n in listed(html)] == ["鲁山县审计第000局", "鲁山县审计第001局"]
    assert "找到 2 家" in html and "乡镇 30 家，县直 62 家" in html
    html = client.get("/units?q=没有这个单位").get_data(as_text=True)
    assert listed(html) == [] and "没有名称含“没有这个单位”的单位" in html
    assert listed(client.get("/units?q=%25").get_data(as_text=True)) == []  # % is not a wildcard
    # A search over more than a page is paged too, and the pager keeps the search.
    html = client.get("/units?q=镇人民政府").get_data(as_text=True)
    assert "找到 30 家" in html and len(listed(html)) == 30
    add_units(app, towns=UNITS_PER_PAGE - 10, prefix="新")
    html = client.get("/units?q=镇人民政府&page=2").get_data(as_text=True)
    assert f"找到 {UNITS_PER_PAGE + 20} 家，第 2/2 页" in html and len(listed(html)) == 20


def test_units_page_statements_do_not_grow_with_the_directory(app, client):
    login_as(client, "admin")
    add_units(app, towns=2, county=3, inactive=1)

    def statements(url):
        client.get(url)
        with sql_statements(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    few = statements("/units")
    add_units(app, towns=100, county=200, inactive=20, prefix="多")
    assert statements("/units") == few
    assert statements("/units?inactive=1&page=4") == few


def test_deactivating_a_searched_unit_keeps_the_search(app, client):
    login_as(client, "admin")
    add_units(app, county=60)
    add_units(app, county=1, prefix="审计")
    html = client.get("/units?q=审计").get_data(as_text=True)
    action = re.search(r'action="(/units/\d+/active[^"]*)"', html).group(1).replace("&amp;", "&")
    resp = client.post(action, data={"active": "0"})
    back = resp.headers["Location"]
    assert "inactive=1" in back and "q=" in back
    html = client.get(back).get_data(as_text=True)
    assert [n for _, n in listed(html)] == ["鲁山县审计第000局"] and "已停用" in html
