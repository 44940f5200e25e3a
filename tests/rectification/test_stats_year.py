"""整改统计 answers the year it shows: letters of two years, every count of the page is the chosen year's."""
from datetime import date

from supervision.rectification.dashboard import office_figures, statistics
from tests.helpers import login_as, make_unit, make_user

from .conftest import make_letter

TODAY = date(2021, 12, 1)


def _two_years(admin):
    u1, u2 = make_unit("鲁山县瀼河乡人民政府", kind="乡镇"), make_unit("鲁山县张良镇人民政府", kind="乡镇")
    # 2020: two letters, both overdue on TODAY; 2021: three letters, one overdue, one unsigned, one in time.
    make_letter(admin, u1, issue_date=date(2020, 3, 2), receipt_date=date(2020, 3, 3))
    make_letter(admin, u2, problems=("问题。",), issue_date=date(2020, 5, 6), receipt_date=date(2020, 5, 7))
    make_letter(admin, u1, problems=("问题甲。",), issue_date=date(2021, 3, 1), receipt_date=date(2021, 3, 1))
    make_letter(admin, u2, problems=("问题乙。",), issue_date=date(2021, 11, 20), receipt_date=None)
    make_letter(admin, u1, problems=("问题丙。",), issue_date=date(2021, 11, 25), receipt_date=date(2021, 11, 26))


def test_statistics_count_only_the_year_shown(ctx):
    admin = make_user("admin")
    _two_years(admin)
    s = statistics(2021, today=TODAY)
    assert (s["counts"]["total"], s["counts"]["open"], s["counts"]["overdue"], s["counts"]["closed"]) == (3, 3, 1, 0)
    assert s["counts"]["unsigned"] == 1 and s["counts"]["in_progress"] == 2
    assert sum(len(row["letters"]) for row in s["overdue_by_unit"]) == 1
    assert sum(r["total"] for r in s["by_item"]) == 3
    old = statistics(2020, today=TODAY)
    assert (old["counts"]["total"], old["counts"]["overdue"]) == (2, 2)
    assert sum(r["total"] for r in old["by_item"]) == 3
    assert sum(len(row["letters"]) for row in old["overdue_by_unit"]) == 2
    # The per-year table has a row for each year, each counting its own letters.
    assert {y.year: y.issued for y in s["years"]} == {2021: 3, 2020: 2}
    # The dashboard panel (no year) still counts every letter.
    assert office_figures(TODAY)["counts"]["total"] == 5


def test_stats_page_shows_the_years_figures_and_links_to_that_year(app, client):
    with app.app_context():
        _two_years(make_user("admin"))
    login_as(client, "admin")
    body = client.get("/rectification/stats?year=2020").get_data(as_text=True)
    assert '<div class="display-6">2</div>意见书总数' in body
    assert "/rectification/ledger?year=2020&amp;status=overdue" in body
