"""Benchmark of the 年度考核 (issue #18), on bench.generate's database:

    .venv/bin/python -m bench.assessment --scale 1
    .venv/bin/python -m bench.assessment --scale 0.01,1                # query counts side by side
    .venv/bin/python -m bench.assessment --scale 1 --url postgresql+psycopg://postgres@127.0.0.1:55432/bench

For each scale: a fresh database filled by bench.generate (≈3,000 units at scale 1), then a 考核 scheme of 100
三级指标 (70 资料 of which 10 per category only, 30 日常), every unit rated on every indicator it carries for the
measured year (≈ 3,000 × 90 ratings), 加减分 for one unit in ten, and nine earlier computed years (their stored
results only) for the 同比 figures. Measured:
  compute   operations.compute of the year (the 汇总) and its commit, seconds
  pages     results page, leader page and a unit's own page: p50/p95 ms and SQL statements per request
  export    the plain 汇总表 (.xlsx) of the CLI, seconds
Targets: compute < 5 s; results and leader pages p95 < 100 ms with the same query count at every scale.
Nothing here is a test: it prints figures.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime
from decimal import Decimal

from bench.generate import ADMINS, PASSWORD, build_schema, generate, make_app
from bench.run import QueryCounter, _login, pct

YEAR = 2026
N_YEARS = 10


def _scheme(rng):
    rows = []
    n = 0
    for comp, count in (("materials", 70), ("daily", 30)):
        for k in range(count):
            n += 1
            cats = ["乡镇", "县直"]
            if comp == "materials" and k < 10:
                cats = ["乡镇"]
            elif comp == "materials" and k < 20:
                cats = ["县直"]
            rows.append({"line": n, "code": f"{1 if comp == 'materials' else 2}.{k // 10 + 1}.{k % 10 + 1}",
                         "level1": "资料评判" if comp == "materials" else "日常工作", "level2": f"第{k // 10 + 1}组",
                         "name": f"指标{n}", "points": None, "criteria": "按评分标准评定", "categories": cats,
                         "component": comp, "method": "rated" if comp == "materials" or k else "computed"})
    # each category: 50 shared 资料 × 1.25 + 10 own 资料 × 2.25 + 30 日常 × 0.5 = 100
    for r in rows:
        r["points"] = (Decimal("2.25") if len(r["categories"]) == 1 else Decimal("1.25")) \
            if r["component"] == "materials" else Decimal("0.5")
    return rows


def build(app, scale: float, rng) -> dict:
    from sqlalchemy import insert, select

    from supervision.assessment import operations as ops
    from supervision.assessment.models import Adjustment, AssessYear, Rating, UnitYear
    from supervision.directory.models import Unit
    from supervision.extensions import db

    with app.app_context():
        y = ops.ensure_year(YEAR)
        ops.replace_scheme(y, _scheme(rng))
        ops.start_scoring(y)
        db.session.commit()
        units = db.session.execute(select(UnitYear.unit_id, UnitYear.category).where(UnitYear.year_id == y.id)).all()
        inds = [(i.id, i.category_list, i.method) for i in y.indicators]
        values = ("excellent", "excellent", "good", "good", "fair", "poor", "na")
        rows = []
        for uid, cat in units:
            for iid, cats, method in inds:
                if cat in cats and method == "rated":
                    rows.append(dict(year_id=y.id, indicator_id=iid, unit_id=uid, rating=rng.choice(values),
                                     reason="依据材料评定", rated_at=datetime(YEAR, 11, 1), version=1))
        for k in range(0, len(rows), 20000):
            db.session.execute(insert(Rating), rows[k:k + 20000])
        db.session.execute(
            insert(Adjustment),
            [dict(year_id=y.id, unit_id=uid, points=Decimal(rng.choice(("0.5", "1", "-1"))), reason="加减分",
                  bars_excellent=rng.random() < 0.1, created_at=datetime(YEAR, 11, 1))
             for uid, _ in units if rng.random() < 0.1])
        for uy in db.session.scalars(select(UnitYear).where(UnitYear.year_id == y.id)):
            uy.daily_percent = Decimal(rng.randint(60, 100))
        # nine earlier years: stored results only
        for yr in range(YEAR - N_YEARS + 1, YEAR):
            old = AssessYear(year=yr, title=f"{yr}年度", status="confirmed", computed_at=datetime(yr, 12, 1),
                             grading={}, texts={})
            db.session.add(old)
            db.session.flush()
            db.session.execute(insert(UnitYear), [
                dict(year_id=old.id, unit_id=uid, category=cat, total=Decimal(rng.randint(6000, 10000)) / 100,
                     materials=Decimal(0), daily=Decimal(0), internal=Decimal(0), bonus=Decimal(0),
                     penalty=Decimal(0), grade=rng.choice(("excellent", "good")), rank=1, barred=False)
                for uid, cat in units])
        db.session.commit()
        unit_id = units[0][0]
        from supervision.accounts.models import User
        unit_user = db.session.scalar(select(User.username).where(User.unit_id == unit_id))
        n_units = db.session.scalar(select(db.func.count(Unit.id)))
    return {"units": len(units), "ratings": len(rows), "unit_user": unit_user, "all_units": n_units}


def reused(app) -> dict:
    from sqlalchemy import func, select

    from supervision.accounts.models import User
    from supervision.assessment.models import Rating, UnitYear
    from supervision.assessment.operations import get_year
    from supervision.extensions import db

    with app.app_context():
        y = get_year(YEAR)
        n = db.session.scalar(select(func.count(UnitYear.id)).where(UnitYear.year_id == y.id))
        r = db.session.scalar(select(func.count(Rating.id)).where(Rating.year_id == y.id))
        first = db.session.scalar(select(UnitYear.unit_id).where(UnitYear.year_id == y.id).order_by(UnitYear.unit_id))
        user = db.session.scalar(select(User.username).where(User.unit_id == first))
    return {"units": n, "ratings": r, "unit_user": user}


def measure(app, info: dict, reps: int) -> dict:
    from supervision.assessment import cli as acli
    from supervision.assessment import operations as ops
    from supervision.assessment import queries
    from supervision.extensions import db

    out = {}
    with app.app_context():
        y = ops.get_year(YEAR)
        t = time.perf_counter()
        ops.compute(y)
        db.session.commit()
        out["compute"] = time.perf_counter() - t
        if y.status == "summary":
            ops.start_feedback(y, on=datetime(YEAR, 12, 1).date())
            db.session.commit()
        t = time.perf_counter()
        data = acli.summary_table(queries.year_results(YEAR, with_lines=False))
        out["export"] = time.perf_counter() - t
        out["export_bytes"] = len(data)
        counter = QueryCounter(db.engine)
    pages = {"results": f"/assessment/{YEAR}/results?cat=县直", "leader": f"/assessment/leader?year={YEAR}"}
    admin = app.test_client()
    _login(admin, ADMINS[0], PASSWORD)
    unit = app.test_client()
    _login(unit, info["unit_user"], PASSWORD)
    for name, client, url in [("results", admin, pages["results"]), ("leader", admin, pages["leader"]),
                              ("unit page", unit, f"/assessment/my/{YEAR}")]:
        times, queries_n = [], []
        for _ in range(reps):
            before = counter.n
            t = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            queries_n.append(counter.n - before)
            assert resp.status_code == 200, (url, resp.status_code)
        out[name] = (pct(times, 50), pct(times, 95), max(queries_n))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="1")
    p.add_argument("--url", default="sqlite:////tmp/bench_assessment.db")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--seed", type=int, default=2021)
    p.add_argument("--reuse", action="store_true", help="measure the database a previous run built (one scale)")
    args = p.parse_args(argv)
    rows = []
    for scale in [float(s) for s in args.scale.split(",")]:
        app = make_app(args.url)
        t = time.perf_counter()
        if args.reuse:
            info = reused(app)
        else:
            build_schema(app)
            generate(app, scale, args.seed, log=lambda *a: None)
            info = build(app, scale, random.Random(args.seed))
        print(f"scale {scale}: {info['units']} assessed units, {info['ratings']} ratings "
              f"(built in {time.perf_counter() - t:.0f} s)")
        m = measure(app, info, args.reps)
        rows.append((scale, info, m))
    print()
    print("| scale | units | ratings | compute s | 汇总表 s | results p50/p95 ms (queries) | leader p50/p95 ms (queries) | unit page p50/p95 ms (queries) |")
    print("|---|---|---|---|---|---|---|---|")
    for scale, info, m in rows:
        cells = [f"{m[k][0]:.0f} / {m[k][1]:.0f} ({m[k][2]})" for k in ("results", "leader", "unit page")]
        print(f"| {scale:g} | {info['units']:,} | {info['ratings']:,} | {m['compute']:.2f} | {m['export']:.2f} | "
              + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
