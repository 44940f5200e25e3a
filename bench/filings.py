"""Benchmark of the filing registers (issue 17): ≈50,000 重大行政处罚备案 and ≈5,000 规范性文件备案 over ten years at
scale 1, added onto bench.generate's database, then the registers and the yearly statistics timed.

    .venv/bin/python -m bench.filings --scale 1                     # builds /tmp/bench-filings-1.db (generate + filings)
    .venv/bin/python -m bench.filings --scale 0.01,1 --reuse        # measure databases already built
    .venv/bin/python -m bench.filings --scale 1 --url postgresql+psycopg://postgres@127.0.0.1:55432/bench_filings

Measured with the Flask test client, logged in as an admin through the real form: p50/p95 server time and SQL
statements per request. Targets: register (filtered, paged, searched by 文号 and 当事人) p95 < 100 ms; on-time
statistics per unit per year < 100 ms; statement counts the same at every scale.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import urllib.parse
from datetime import date, datetime, timedelta

from bench.run import QueryCounter, _login, pct

PENALTIES_AT_1 = 50_000
NORMATIVES_AT_1 = 5_000
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
CAUSES = ("销售不合格食品", "违法占用耕地建房", "擅自采砂", "无证经营", "超标排放污染物", "违规使用农药",
          "未按规定设置安全设施", "违法建设")


def add_filings(app, scale: float, seed: int = 17, log=print) -> dict:
    """Bulk-insert the filings (plain INSERTs of plain rows, as bench.generate does)."""
    from sqlalchemy import func, insert, select

    from supervision.directory.models import Unit
    from supervision.extensions import db
    from supervision.filings.models import FilingSettings, NormativeFiling, PenaltyFiling

    rng = random.Random(seed)
    t0 = time.perf_counter()
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(PenaltyFiling)):
            return {"penalty_filing": db.session.scalar(select(func.count()).select_from(PenaltyFiling)),
                    "seconds": 0.0}
        if db.session.scalar(select(func.count()).select_from(FilingSettings)) == 0:
            db.session.add(FilingSettings(penalty_days=15, normative_days=30))
        units = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
        today = date.today()
        years = list(range(today.year - 9, today.year + 1))
        weights = [1 / (i + 1) ** 0.6 for i in range(len(units))]  # some units decide far more than others
        now = datetime.utcnow()
        n = max(50, round(PENALTIES_AT_1 * scale))
        rows, seqs, per_unit = [], {y: 0 for y in years}, {}
        for i in range(n):
            unit = rng.choices(units, weights)[0]
            y = rng.choice(years)
            decided = date(y, 1, 1) + timedelta(days=rng.randrange(365))
            if decided > today:
                decided = today - timedelta(days=rng.randrange(1, 200))
            roll = rng.random()
            k = per_unit[unit] = per_unit.get(unit, 0) + 1
            status, filed, number, seq, year = "filed", None, None, None, None
            if roll < 0.04:
                status = "missing"
            else:
                filed = min(decided + timedelta(days=rng.choice([2, 5, 9, 12, 14, 16, 20, 30])), today)
                if roll < 0.06:
                    status = "submitted"
                elif roll < 0.08:
                    status = "returned"
                elif roll < 0.09:
                    status = "objected"
                if status != "submitted":
                    year = filed.year
                    seqs.setdefault(year, 0)
                    seqs[year] += 1
                    seq = seqs[year]
                    number = f"罚备〔{year}〕{seq}号"
            rows.append(dict(
                unit_id=unit, status=status, source="online" if status != "missing" else "missing",
                decision_number=f"鲁{unit}罚决字〔{decided.year}〕第{k}号",
                party_kind="person", party_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                party_id_masked="4104**********" + f"{rng.randrange(10000):04d}", cause=rng.choice(CAUSES),
                penalty=f"罚款人民币{rng.randrange(1, 50)}万元", decision_date=decided, filed_on=filed,
                submitted_at=datetime.combine(filed, datetime.min.time()) if filed else None,
                year=year, seq=seq, number=number, legality_note="", appropriateness_note="", decision_reason="",
                note="", version=1, created_at=now, updated_at=now))
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(PenaltyFiling), rows[start:start + 5000])
        m = max(10, round(NORMATIVES_AT_1 * scale))
        nrows, nseq = [], {}
        for i in range(m):
            unit = rng.choices(units, weights)[0]
            y = rng.choice(years)
            published = min(date(y, 1, 1) + timedelta(days=rng.randrange(365)), today)
            filed = min(published + timedelta(days=rng.choice([5, 15, 25, 29, 35, 60])), today)
            nseq[filed.year] = nseq.get(filed.year, 0) + 1
            nrows.append(dict(
                unit_id=unit, status=rng.choice(["approved"] * 8 + ["revise", "rejected"]), source="online",
                title=f"关于{rng.choice(CAUSES)}的管理规定（{i}）", doc_number=f"鲁{unit}政〔{y}〕{i}号",
                published_on=published, effective_on=published + timedelta(days=30), filed_on=filed,
                submitted_at=datetime.combine(filed, datetime.min.time()), year=filed.year, seq=nseq[filed.year],
                number=f"规备〔{filed.year}〕{nseq[filed.year]}号", decision_reason="", validity="",
                validity_note="", version=1, created_at=now, updated_at=now))
        for start in range(0, len(nrows), 5000):
            db.session.execute(insert(NormativeFiling), nrows[start:start + 5000])
        db.session.commit()
    secs = time.perf_counter() - t0
    log(f"filings: {n} 重大行政处罚备案, {m} 规范性文件备案 in {secs:.1f} s")
    return {"penalty_filing": n, "normative_filing": m, "seconds": secs}


def samples(app) -> dict:
    from sqlalchemy import func, select

    from supervision.extensions import db
    from supervision.filings.models import PenaltyFiling

    with app.app_context():
        unit_id, _n = db.session.execute(select(PenaltyFiling.unit_id, func.count()).group_by(PenaltyFiling.unit_id)
                                         .order_by(func.count().desc()).limit(1)).one()
        last = db.session.scalars(select(PenaltyFiling).where(PenaltyFiling.unit_id == unit_id)
                                  .order_by(PenaltyFiling.id.desc()).limit(1)).one()
        year = date.today().year - 1
        in_year = db.session.scalar(select(func.count()).select_from(PenaltyFiling).where(
            PenaltyFiling.decision_date.between(date(year, 1, 1), date(year, 12, 31))))
        return {"unit_id": unit_id, "decision_number": last.decision_number, "party": last.party_name,
                "year": year, "page": max(1, min(20, -(-in_year // 50)))}


def measure(app, s: dict, reps: int) -> list[dict]:
    from supervision.extensions import db
    from supervision.filings import queries
    from bench.generate import ADMINS, PASSWORD

    with app.app_context():
        counter = QueryCounter(db.engine)
    admin = app.test_client()
    _login(admin, ADMINS[0], PASSWORD)
    q = urllib.parse.quote
    y, u = s["year"], s["unit_id"]
    pages = [
        ("register, page 1", f"/filings/penalties"),
        (f"register, year {y}, last page up to 20", f"/filings/penalties?year={y}&page={s['page']}"),
        (f"register, busiest unit, year {y}", f"/filings/penalties?year={y}&unit_id={u}"),
        ("register, status 已报送待登记", "/filings/penalties?status=submitted"),
        ("register, search 决定书文号", f"/filings/penalties?q={q(s['decision_number'])}"),
        ("register, search 当事人 (full name)", f"/filings/penalties?q={q(s['party'])}"),
        ("register, search 当事人 surname (many)", f"/filings/penalties?q={q(s['party'][0])}"),
        ("normative register, page 1", "/filings/normatives"),
        (f"statistics, every unit, year {y}", f"/filings/stats?year={y}"),
    ]
    out = []
    for name, url in pages:
        times, stmts = [], []
        for i in range(reps + 2):
            before = counter.n
            t = time.perf_counter()
            resp = admin.get(url)
            ms = (time.perf_counter() - t) * 1000
            assert resp.status_code == 200, (url, resp.status_code)
            if i >= 2:
                times.append(ms)
                stmts.append(counter.n - before)
        out.append({"name": name, "p50": pct(times, 50), "p95": pct(times, 95), "q": max(stmts)})
    # The visit form's panel: one unit's summary of one year (queries only).
    with app.app_context():
        times, stmts = [], []
        for i in range(reps + 2):
            before = counter.n
            t = time.perf_counter()
            queries.yearly_summary(y, unit_id=u)
            ms = (time.perf_counter() - t) * 1000
            if i >= 2:
                times.append(ms)
                stmts.append(counter.n - before)
            db.session.rollback()
        out.append({"name": f"yearly_summary, one unit, year {y}", "p50": pct(times, 50), "p95": pct(times, 95),
                    "q": max(stmts)})
    return out


def main(argv=None):
    from bench.generate import build_schema, generate, make_app

    p = argparse.ArgumentParser(description="Filing registers benchmark (issue 17).")
    p.add_argument("--scale", default="0.01", help="comma-separated scale factors")
    p.add_argument("--url", help="database URL (default sqlite:////tmp/bench-filings-<scale>.db)")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--schema", choices=("create_all", "migrate"), default="create_all")
    p.add_argument("--reuse", action="store_true", help="measure an already generated database")
    p.add_argument("--reps", type=int, default=30)
    args = p.parse_args(argv)
    results = {}
    for scale in [float(x) for x in args.scale.split(",")]:
        url = args.url or f"sqlite:////tmp/bench-filings-{scale:g}.db"
        if args.db == "postgresql" and not url.startswith("postgresql"):
            p.error("--db postgresql needs --url postgresql+psycopg://...")
        app = make_app(url)
        if not args.reuse:
            build_schema(app, args.schema)
            t = time.perf_counter()
            generate(app, scale, log=lambda *a: None)
            print(f"scale {scale:g}: bench.generate in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        add_filings(app, scale, log=lambda m: print(m, file=sys.stderr))
        results[scale] = measure(app, samples(app), args.reps)
    scales = list(results)
    print("| page | " + " | ".join(f"scale {s:g}: p50 / p95 ms, statements" for s in scales) + " |")
    print("|---|" + "---|" * len(scales))
    for i, row in enumerate(results[scales[0]]):
        cells = [f"{results[s][i]['p50']:.1f} / {results[s][i]['p95']:.1f}, {results[s][i]['q']}q" for s in scales]
        print(f"| {row['name']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
