"""案卷评查 at scale: ≈20,000 reviewed case files over 10 years at --scale 1, on top of bench.generate's database.

    .venv/bin/python -m bench.casereview --scale 1 [--db sqlite|postgresql] [--url ...] [--reuse]
    .venv/bin/python -m bench.casereview --scale 0.01,1          # two scales side by side (query counts)

Two campaigns a year for ten years, each of ~100 units (scale 1) listing 10 case files, every file scored
(≈2 deductions each). Measured with the Flask test client as bench.run does, logged in through the real form:
the campaigns list, a campaign's results page (units' averages and worst cases, the deductions most often
made, the first page of cases), the same filtered to one unit, a case's scoring page, the unit's 案卷报送
page, and the annual 考核's `yearly_case_scores(year)`. Targets: p95 < 100 ms, the same query count at every scale.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta

from bench.run import QueryCounter, _login, pct

CAMPAIGNS_PER_YEAR = 2
YEARS = 10
CASES_PER_UNIT = 10
UNITS_PER_CAMPAIGN = 100  # at scale 1: 2 × 10 × 100 × 10 = 20,000 case files


def generate_cases(app, scale: float, seed: int = 17, log=print) -> dict:
    """Add the campaigns, case files and deductions (core inserts, like bench.generate)."""
    from sqlalchemy import select

    from supervision.accounts.models import User
    from supervision.casereview import operations, standard_data
    from supervision.casereview.models import (CampaignUnit, CaseFile, Deduction, DimensionMapping,
                                               case_campaign_reviewer)
    from supervision.casereview.models import Campaign
    from supervision.directory.models import Unit
    from supervision.extensions import db
    from supervision.timeutil import today

    t0 = time.perf_counter()
    rng = random.Random(seed)
    with app.app_context():
        std = operations.ensure_default_standard()
        db.session.commit()
        items = [(i.id, i.points) for i in std.items]
        unit_ids = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
        reviewers = list(db.session.scalars(select(User.id).where(User.role == "inspector").order_by(User.id)))[:20]
        admin = db.session.scalar(select(User.id).where(User.role == "admin").order_by(User.id))
        per = max(2, min(len(unit_ids), round(UNITS_PER_CAMPAIGN * scale)))
        this_year = today().year
        counts = {"case_campaign": 0, "case_file": 0, "case_deduction": 0}
        conn = db.session.connection()
        cid = (db.session.scalar(select(Campaign.id).order_by(Campaign.id.desc()).limit(1)) or 0)
        fid = (db.session.scalar(select(CaseFile.id).order_by(CaseFile.id.desc()).limit(1)) or 0)
        for year in range(this_year - YEARS, this_year):
            for half in range(CAMPAIGNS_PER_YEAR):
                cid += 1
                start = date(year, 1 + 6 * half, 1)
                end = date(year, 6 + 6 * half, 30)
                conn.execute(Campaign.__table__.insert(), [dict(
                    id=cid, name=f"{year}年{'上' if half == 0 else '下'}半年行政处罚案卷评查", period_start=start,
                    period_end=end, standard_id=std.id, threshold=60, cases_per_unit=CASES_PER_UNIT,
                    sample_seed=year * 10 + half, sample_size=per, status="closed", version=1,
                    created_by_id=admin, created_at=datetime(year, 7 + 5 * half, 1))])
                mine = rng.sample(reviewers, min(3, len(reviewers)))
                conn.execute(case_campaign_reviewer.insert(), [dict(campaign_id=cid, user_id=u) for u in mine])
                conn.execute(DimensionMapping.__table__.insert(), [
                    dict(campaign_id=cid, dimension=d, item_key=k) for d, k in standard_data.DEFAULT_MAPPING.items()])
                units = operations.sample_units(unit_ids, per, year * 10 + half)
                conn.execute(CampaignUnit.__table__.insert(), [dict(campaign_id=cid, unit_id=u) for u in units])
                files, deds = [], []
                for u in units:
                    for n in range(CASES_PER_UNIT):
                        fid += 1
                        closed = start + timedelta(days=rng.randrange((end - start).days + 1))
                        files.append(dict(
                            id=fid, campaign_id=cid, unit_id=u, number=f"罚决字〔{year}〕第{fid}号",
                            party=f"当事人{fid % 997}", cause=rng.choice(("无证经营", "销售过期食品", "超限运输",
                                                                        "未按规定公示", "违法占地")),
                            closed_on=closed, major=rng.random() < 0.1,
                            reviewed_at=datetime(end.year, end.month, 28), reviewed_by_id=mine[0],
                            review_note="", version=2, created_by_id=None, created_at=datetime(end.year, end.month, 1)))
                        for item_id, points in rng.sample(items, rng.choice((0, 1, 2, 2, 3, 4))):
                            deds.append(dict(case_id=fid, item_id=item_id, points=rng.randint(1, points),
                                             note="扣分理由", as_problem=rng.random() < 0.3, problem_id=None))
                conn.execute(CaseFile.__table__.insert(), files)
                if deds:
                    conn.execute(Deduction.__table__.insert(), deds)
                counts["case_campaign"] += 1
                counts["case_file"] += len(files)
                counts["case_deduction"] += len(deds)
        db.session.commit()
    counts["_seconds"] = round(time.perf_counter() - t0, 1)
    log(f"  case review: {counts}")
    return counts


def measure(app, reps: int) -> list[dict]:
    from sqlalchemy import func, select

    from bench.generate import ADMINS, PASSWORD
    from supervision.accounts.models import User
    from supervision.casereview import queries
    from supervision.casereview.models import Campaign, CaseFile
    from supervision.extensions import db

    with app.app_context():
        counter = QueryCounter(db.engine)
        camp_id = db.session.scalar(select(Campaign.id).order_by(Campaign.period_end.desc()).limit(1))
        unit_id, case_id = db.session.execute(
            select(CaseFile.unit_id, CaseFile.id).where(CaseFile.campaign_id == camp_id)
            .order_by(CaseFile.id).limit(1)).one()
        unit_user = db.session.scalar(select(User.username).where(User.unit_id == unit_id).order_by(User.id))
        year = db.session.scalar(select(func.max(CaseFile.closed_on))).year
    admin = app.test_client()
    _login(admin, ADMINS[0], PASSWORD)
    pages = [("campaigns /casereview/", admin, "/casereview/"),
             ("campaign results page", admin, f"/casereview/{camp_id}"),
             ("campaign case list, one unit", admin, f"/casereview/{camp_id}?unit={unit_id}"),
             ("campaign case list page 5", admin, f"/casereview/{camp_id}?page=5"),
             ("case scoring page", admin, f"/casereview/case/{case_id}")]
    if unit_user:
        unit = app.test_client()
        _login(unit, unit_user, PASSWORD)
        pages.append(("unit 案卷报送 page", unit, f"/casereview/my/{camp_id}"))
    out = []
    for name, client, url in pages:
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        times, qs, cpu = [], [], []
        for _ in range(reps):
            n0 = counter.n
            t, c = time.perf_counter(), time.process_time()
            resp = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)  # this process's CPU (SQLite's work included)
            qs.append(counter.n - n0)
            assert resp.status_code == 200, (url, resp.status_code)
        out.append({"name": name, "p50": pct(times, 50), "p95": pct(times, 95), "queries": max(qs),
                    "cpu_p95": pct(cpu, 95)})
    with app.app_context():
        times, qs, cpu = [], [], []
        for _ in range(reps):
            n0 = counter.n
            t, c = time.perf_counter(), time.process_time()
            result = queries.yearly_case_scores(year)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            qs.append(counter.n - n0)
            db.session.rollback()
        out.append({"name": f"yearly_case_scores({year}) {len(result)} units", "p50": pct(times, 50),
                    "p95": pct(times, 95), "queries": max(qs), "cpu_p95": pct(cpu, 95)})
        db.engine.dispose()
    for r in out:
        print(f"    {r['name']:40} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  {r['queries']} queries  "
              f"(CPU p95 {r['cpu_p95']:6.1f} ms)", flush=True)
    return out


def run_one(url: str, scale: float, args) -> list[dict]:
    from bench.generate import build_schema, generate, make_app

    print(f"== {url.split('@')[-1]}  scale {scale}", flush=True)
    app = make_app(url)
    if not args.reuse:
        build_schema(app, "create_all")
        rows = generate(app, scale, log=lambda m: print(m, flush=True))
        print(f"  base generated in {rows['_seconds']} s", flush=True)
        generate_cases(app, scale)
    return measure(app, args.reps)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="1", help="one scale or several, comma-separated")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--url", default="", help="database URL (default: a SQLite file per scale under /tmp)")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--reuse", action="store_true", help="measure an existing database, do not rebuild it")
    args = p.parse_args(argv)
    results = {}
    for scale in (float(s) for s in args.scale.split(",")):
        url = args.url or f"sqlite:////tmp/bench-casereview-{scale:g}.db"
        if args.db == "postgresql" and not args.url:
            p.error("--db postgresql needs --url")
        results[scale] = run_one(url, scale, args)
    if len(results) > 1:
        scales = sorted(results)
        print("\n  page" + " " * 36 + "".join(f"  | scale {s:g}: p95 ms, CPU p95, queries" for s in scales))
        for i, r in enumerate(results[scales[0]]):
            name = r["name"].split(" units")[0] if r["name"].startswith("yearly") else r["name"]
            print(f"  {name:40}" + "".join(f"  | {results[s][i]['p95']:7.1f} {results[s][i]['cpu_p95']:7.1f} "
                                         f"{results[s][i]['queries']:4d}" for s in scales))


if __name__ == "__main__":
    main()
