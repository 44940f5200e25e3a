"""Statistics per year count exactly what the submitted visits recorded."""
from datetime import date

from supervision.extensions import db
from supervision.visits import operations, queries
from supervision.visits.models import Disposition, Rating, VisitKind
from tests.helpers import login_as, make_unit
from tests.visits.conftest import complete_visit, rate_all


def test_statistics_count_problems_and_ratings_per_item(client, plan):
    a = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                             user=plan.inspector)
    complete_visit(a, plan.inspector, [("training", "学时不足", Disposition.letter),
                                       ("training", "试卷未存档", Disposition.fixed),
                                       ("three_systems", "未公示裁量标准", Disposition.letter)], rating=Rating.good)
    b = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_b, visit_date=date(2021, 4, 14),
                             user=plan.inspector)
    b.methods = "report"
    rate_all(b, Rating.excellent, plan.inspector)
    items = {i.key: i for i in b.catalogue.items}
    operations.rate_item(b, items["training"], Rating.poor)
    operations.rate_item(b, items["other"], Rating.na)
    operations.add_problem(b, item=items["training"], description="无培训计划", disposition=Disposition.letter)
    operations.submit_visit(b, plan.inspector)
    # A draft and a visit of another year do not count.
    focused = operations.create_visit(kind=VisitKind.focused, unit=make_unit("鲁山县林业局"),
                                   visit_date=date(2021, 6, 1), user=plan.inspector, subject="林业执法")
    operations.add_problem(focused, item=items["training"], description="草稿中的问题", disposition=Disposition.letter)
    db.session.commit()

    stats = queries.year_statistics(2021)
    by_key = {s.key: s for s in stats["items"]}
    assert stats["visits"] == 2 and stats["units"] == 2
    assert stats["problems"] == 4 and stats["fixed"] == 1 and stats["letter"] == 3
    assert (by_key["training"].problems, by_key["training"].fixed, by_key["training"].letter) == (3, 1, 2)
    assert by_key["three_systems"].problems == 1
    assert by_key["personnel"].problems == 0
    assert by_key["training"].ratings == {"excellent": 0, "good": 1, "fair": 0, "poor": 1, "na": 0}
    assert by_key["other"].ratings == {"excellent": 0, "good": 1, "fair": 0, "poor": 0, "na": 1}
    assert by_key["personnel"].ratings["excellent"] == 1 and by_key["personnel"].ratings["good"] == 1
    assert queries.year_statistics(2020)["visits"] == 0

    login_as(client, "leader")
    html = client.get("/visits/stats?year=2021").get_data(as_text=True)
    assert "<svg" in html and "培训考核" in html
    assert "发现问题 <strong>4</strong> 个" in html
    # The problems list filters by item, disposition and status.
    rows = client.get("/visits/problems?year=2021&item=training&disposition=需下达意见书").get_data(as_text=True)
    assert "学时不足" in rows and "无培训计划" in rows and "试卷未存档" not in rows and "草稿中的问题" not in rows
    fixed = client.get("/visits/problems?status=fixed").get_data(as_text=True)
    assert "试卷未存档" in fixed and "学时不足" not in fixed
