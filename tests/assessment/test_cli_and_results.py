"""The command line (import-scheme, compute, export) and queries.year_results (the outputs' contract)."""
from datetime import date
from decimal import Decimal as D

from openpyxl import load_workbook

from supervision.assessment import operations as ops
from supervision.assessment import queries
from supervision.assessment.models import UnitYear
from supervision.extensions import db
from tests.assessment.conftest import ROWS, scheme_bytes
from tests.helpers import make_unit


def test_cli_import_refuses_a_bad_file_naming_rows_then_imports_computes_and_exports(app, runner, tmp_path):
    bad = [list(r) for r in ROWS]
    bad[2][3] = ""
    (tmp_path / "bad.xlsx").write_bytes(scheme_bytes(bad))
    (tmp_path / "good.xlsx").write_bytes(scheme_bytes())
    r = runner.invoke(args=["assessment", "import-scheme", str(tmp_path / "bad.xlsx"), "--year", "2026"])
    assert r.exit_code == 1 and "第5行评分标准为空" in r.output
    with app.app_context():
        assert ops.get_year(2026) is None  # nothing half-written
        tid = make_unit("张良镇", kind="乡镇").id
    r = runner.invoke(args=["assessment", "import-scheme", str(tmp_path / "good.xlsx"), "--year", "2026"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        y = ops.get_year(2026)
        ops.start_scoring(y)
        for i in y.indicators:
            if "乡镇" in i.category_list and i.method == "rated":
                ops.rate(i, tid, "good", "较好")
        db.session.commit()
    r = runner.invoke(args=["assessment", "compute", "--year", "2026"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "sum.xlsx"
    r = runner.invoke(args=["assessment", "export", "--year", "2026", "--out", str(out)])
    assert r.exit_code == 0, r.output
    with app.app_context():
        uy = db.session.query(UnitYear).filter_by(unit_id=tid).one()
        # compute worked the 日常 percent out from the records (none here: no letters is full marks, no 自查 by
        # 31 March is none), the shown parts add up
        assert uy.daily_percent is not None and uy.total == uy.materials + uy.daily
        shown = (str(uy.total), str(uy.materials), str(uy.daily))
    wb = load_workbook(out)
    rows = [r for r in wb["乡镇（街道）"].iter_rows(values_only=True) if "张良镇" in r]
    assert len(rows) == 1
    assert {f"{v:.2f}" for v in rows[0] if isinstance(v, float | int) and not isinstance(v, bool)} >= set(shown)


def test_year_results_fill_every_field_with_previous_year_and_common_problems(small_year):
    from supervision.visits.models import Problem, Visit
    s = small_year
    for code in ("1.1.1", "1.1.2"):
        ops.rate(s.ind[code], s.t1.id, "excellent", "好", s.admin)
        ops.rate(s.ind[code], s.t2.id, "good", "较好", s.admin)
    for code in ("1.1.1", "1.1.3"):
        ops.rate(s.ind[code], s.c1.id, "fair", "一般", s.admin)
        ops.rate(s.ind[code], s.c2.id, "excellent", "好", s.admin)
    ops.set_daily_percents(s.y, {u.id: D(90) for u in (s.t1, s.t2, s.c1, s.c2)}, s.admin)
    ops.add_adjustment(s.y, s.c2.id, "0.5", "经验被推广", user=s.admin)
    ops.compute(s.y, s.admin)
    # last year, computed: for 同比
    last = ops.ensure_year(2025, s.admin)
    ops.copy_scheme(last, s.y, s.admin)
    ops.start_scoring(last, s.admin)
    ops.set_daily_percents(last, {u.id: D(50) for u in (s.t1, s.t2, s.c1, s.c2)}, s.admin)
    ops.compute(last, s.admin)
    # findings of the year: two problems under one check item, one under another
    from supervision.visits.operations import ensure_default_catalogue
    cat = ensure_default_catalogue()
    a, b = cat.items[0], cat.items[1]
    for day, unit, item, text in ((date(2026, 4, 9), s.t1, b, "案卷不规范"), (date(2026, 5, 9), s.c1, b, "文书错误"),
                                  (date(2026, 6, 9), s.c2, a, "未公示"), (date(2025, 6, 9), s.c2, a, "去年的")):
        v = Visit(unit_id=unit.id, catalogue_id=cat.id, visit_date=day, status="submitted")
        db.session.add(v)
        db.session.flush()
        db.session.add(Problem(visit_id=v.id, item_id=item.id, description=text, disposition="立行立改"))
    db.session.commit()
    res = queries.year_results(2026)
    assert res.year == 2026 and res.status == "汇总" and res.confirmed_on is None
    assert [c.category for c in res.scheme.categories] == ["乡镇（街道）", "县直部门"]
    assert res.scheme.categories[0].materials_share == D("66.67")
    assert res.scheme.rating_percents == {"优": 100, "良": 80, "中": 60, "差": 0}
    by = {u.unit_name: u for u in res.units}
    c2 = by["鲁山县公安局"]
    assert (c2.total, c2.bonus, c2.grade, c2.rank) == (D("97.17"), D("0.50"), "优秀", 1)
    assert c2.adjustments[0].reason == "经验被推广"
    assert [ln.code for ln in c2.lines] == ["1.1.1", "1.1.3", "2.1.1"]
    assert c2.lines[0].rating == "优" and c2.lines[0].reason == "好" and c2.lines[0].component == "依法行政工作资料评判"
    assert res.previous is not None and res.previous.year == 2025 and res.previous.previous is None
    assert [(c.item, c.count) for c in res.common_problems] == [(b.name, 2), (a.name, 1)]
    assert res.common_problems[0].examples == ["案卷不规范", "文书错误"]
