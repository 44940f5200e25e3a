"""日常工作情况评价 and the 考核 outputs at province scale (issue 18).

    .venv/bin/python -m bench.assessment_daily --scale 1                       # generate, then measure
    .venv/bin/python -m bench.assessment_daily --scale 1 --url sqlite:////tmp/bench-1.db --reuse

Builds on bench.generate's database (3,000 units, ten years of visits, letters and rectification at scale 1) and
adds what it does not make: the year's ratings of every submitted visit (nine check items each) and the year's
自查 of most units. Then measures, printing p50/p95 and SQL statements:
  evaluate   daily.evaluate(year, every unit)                                       target < 5 s
  page       /assessment/daily/ (admin) and one unit's explanation, the test client
  bulletin   bulletin_docx of a YearResults of every unit (100 indicators each)     target < 2 s
  workbook   summary_workbook of the same                                           target < 10 s
  feedback   one unit's 反馈单 PDF
Nothing here is a test: it prints figures.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import date
from decimal import Decimal

from bench.run import QueryCounter, _login, pct


def add_daily_facts(app, year: int, seed: int = 18) -> dict:
    """Ratings for the year's submitted visits without any, and 自查 for ~90 % of the units (bulk inserts)."""
    from sqlalchemy import exists, insert, select

    from supervision.directory.models import Unit
    from supervision.extensions import db
    from supervision.rectification.models import SelfInspection
    from supervision.visits.models import CheckItem, Visit, VisitRating

    rng = random.Random(seed)
    with app.app_context():
        visits = db.session.execute(
            select(Visit.id, Visit.catalogue_id).where(
                Visit.status == "submitted", Visit.visit_date >= date(year, 1, 1), Visit.visit_date <= date(year, 12, 31),
                ~exists().where(VisitRating.visit_id == Visit.id))).all()
        items: dict[int, list[int]] = {}
        for cid, iid in db.session.execute(select(CheckItem.catalogue_id, CheckItem.id)):
            items.setdefault(cid, []).append(iid)
        scale = ["excellent"] * 4 + ["good"] * 4 + ["fair"] * 2 + ["poor", "na"]
        rows = [{"visit_id": vid, "item_id": iid, "rating": rng.choice(scale), "note": ""}
                for vid, cid in visits for iid in items.get(cid, [])]
        for i in range(0, len(rows), 20000):
            db.session.execute(insert(VisitRating), rows[i:i + 20000])
        have = set(db.session.scalars(select(SelfInspection.unit_id).where(SelfInspection.year == year)))
        units = [] if have else list(db.session.scalars(select(Unit.id)))  # added once
        si = []
        for uid in units:
            if rng.random() < 0.9:
                day = date(year, rng.choice((2, 3, 3, 3, 4)), rng.randint(1, 28))
                si.append({"unit_id": uid, "year": year, "status": "submitted", "submitted_on": day,
                           "report_text": "自查报告", "plan_text": "工作计划"})
        if si:
            db.session.execute(insert(SelfInspection), si)
        db.session.commit()
        return {"ratings": len(rows), "self_inspections": len(si)}


def year_results(app, year: int, indicators: int = 100):
    """A YearResults of every unit, as the scoring side would give it: the daily part from daily.evaluate, the
    materials part and 100 indicator lines made up (the outputs only read them)."""
    from sqlalchemy import select

    from supervision.assessment import daily
    from supervision.assessment.reportdata import (CategoryScheme, CommonProblem, IndicatorLine, SchemeSummary,
                                                   UnitResult, YearResults)
    from supervision.directory.models import Unit
    from supervision.extensions import db

    rng = random.Random(year)
    cats = {"乡镇": "乡镇（街道）", "县直": "县直部门"}
    with app.app_context():
        units = db.session.execute(select(Unit.id, Unit.name, Unit.kind)).all()
        dres = daily.evaluate(year, [u.id for u in units])
    pcts = {"优": 100, "良": 80, "中": 60, "差": 0}
    out = []
    for u in units:
        lines = []
        for i in range(indicators):
            r = rng.choice("优优良良中差")
            lines.append(IndicatorLine(f"{i // 20 + 1}.{i % 20 // 5 + 1}.{i % 5 + 1}", f"一级 / 二级 / 指标{i + 1}",
                                       "依法行政工作资料评判", Decimal(1), r, Decimal(pcts[r]) / 100, "依资料评判"))
        materials = (sum(ln.earned for ln in lines) / indicators * 70).quantize(Decimal("0.01"))
        dly = (dres[u.id].percent * 30 / 100).quantize(Decimal("0.01"))
        total = materials + dly
        out.append(UnitResult(u.id, u.name, cats.get(u.kind, u.kind), materials, dly, materials + dly, Decimal(0),
                              Decimal(0), total, "", 0, lines=lines))
    for cat in cats.values():
        ranked = sorted((x for x in out if x.category == cat), key=lambda x: -x.total)
        for n, x in enumerate(ranked, start=1):
            x.rank, x.grade = n, "优秀" if n <= len(ranked) * 0.3 else "良好"
    scheme = SchemeSummary(year, f"{year}年度依法行政考核实施方案",
                           [CategoryScheme(c, 100, 70, 30, Decimal(70), Decimal(30), Decimal("70.00"), Decimal("30.00"))
                            for c in cats.values()],
                           {"优": 100, "良": 80, "中": 60, "差": 0}, (Decimal("0.25"), Decimal(1)), Decimal(5),
                           Decimal(1), Decimal(10))
    problems = [CommonProblem(f"（{n}）检查事项", 1000 - n * 50, ["示例问题"]) for n in range(1, 10)]
    return YearResults(year, scheme, out, problems, texts={"work": "工作情况。", "requirements": "工作要求。"})


def timed(fn, reps: int) -> tuple[list[float], object]:
    times, value = [], None
    for _ in range(reps):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return times, value


def fmt(times: list[float]) -> str:
    return f"p50 {pct(times, 50) * 1000:,.0f} ms / p95 {pct(times, 95) * 1000:,.0f} ms"


def main(argv=None):
    p = argparse.ArgumentParser(description="日常评价 and the 考核 outputs at bench scale (issue 18).")
    p.add_argument("--scale", type=float, default=1)
    p.add_argument("--url", help="database URL (default sqlite:////tmp/bench-assessment-<scale>.db)")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--reuse", action="store_true", help="measure an already generated database")
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args(argv)
    from bench.generate import ADMINS, PASSWORD, build_schema, generate, make_app
    from supervision import timeutil
    from supervision.assessment import daily
    from supervision.assessment.bulletin import bulletin_docx
    from supervision.assessment.feedback import feedback_pdf
    from supervision.assessment.summary_xlsx import summary_workbook
    from supervision.extensions import db

    url = args.url or f"sqlite:////tmp/bench-assessment-{args.scale:g}.db"
    app = make_app(url)
    if not args.reuse:
        build_schema(app)
        t = time.perf_counter()
        generate(app, args.scale, log=lambda m: None)
        print(f"generated scale {args.scale:g} in {time.perf_counter() - t:.0f} s", flush=True)
    year = timeutil.today().year - 1
    print(f"added for {year}: {add_daily_facts(app, year)}", flush=True)
    with app.app_context():
        from sqlalchemy import select

        from supervision.directory.models import Unit

        ids = list(db.session.scalars(select(Unit.id)))
        counter = QueryCounter(db.engine)
        before = counter.n
        times, _ = timed(lambda: daily.evaluate(year, ids), args.reps)
        n_q = (counter.n - before) // args.reps
    print(f"evaluate, {len(ids):,} units: {fmt(times)}, {n_q} statements", flush=True)
    client = app.test_client()
    _login(client, ADMINS[0], PASSWORD)
    for name, path in (("page /assessment/daily/ (50 units a page)", f"/assessment/daily/?year={year}&page=3"),
                       ("page /assessment/daily/ sorted by score", f"/assessment/daily/?year={year}&order=score"),
                       ("page one unit's explanation", f"/assessment/daily/unit/{ids[0]}?year={year}")):
        before = counter.n
        times, resp = timed(lambda: client.get(path), args.reps)
        assert resp.status_code == 200, resp.status_code
        print(f"{name}: {fmt(times)}, {(counter.n - before) // args.reps} statements", flush=True)
    t = time.perf_counter()
    results = year_results(app, year)
    print(f"YearResults built (100 indicators a unit) in {time.perf_counter() - t:.1f} s", flush=True)
    times, data = timed(lambda: bulletin_docx(results), args.reps)
    print(f"bulletin DOCX: {fmt(times)}, {len(data):,} bytes", flush=True)
    times, data = timed(lambda: summary_workbook(results), max(1, args.reps // 2))
    print(f"summary workbook: {fmt(times)}, {len(data):,} bytes", flush=True)
    with app.app_context():
        times, data = timed(lambda: feedback_pdf(results, results.units[0].unit_id), args.reps)
    print(f"feedback PDF (one unit, 100 indicators): {fmt(times)}, {len(data):,} bytes", flush=True)
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
