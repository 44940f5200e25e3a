"""The province-scale benchmark of issue 8: generate, measure, print a table.

    .venv/bin/python -m bench.run --scale 0.1 --db sqlite
    .venv/bin/python -m bench.run --scale 0.01,1 --db sqlite            # two scales side by side (query counts)
    .venv/bin/python -m bench.run --scale 1 --db postgresql --url postgresql+psycopg://postgres@127.0.0.1:55437/bench

For each scale it builds a fresh database (create_all; --schema migrate for `flask db upgrade`), fills it with
bench.generate, then measures with the Flask test client, logged in through the real form:
  pages     p50/p95 server time and SQL statements per request (before_cursor_execute), --reps repetitions
  export    the ledger .xlsx of every row, in a child process: seconds and peak RSS (ru_maxrss)
  pdf       one letter PDF rendered from its frozen content (p50/p95 of --reps)
  sweeps    reminder sweep: the first (catch-up), one with nothing due, one with 1,000 due
  import    the 2021 plan (schedules/2021.csv): preview and commit
  req/s     waitress (child process, 4 threads) on 127.0.0.1: the dashboard vs /login vs a static file,
            closed-loop load from --clients threads for --seconds each
Nothing here is a test: it prints figures. Targets: page p95 < 100 ms with the same query count at every
scale, export < 30 s in < 500 MB, PDF < 50 ms, a sweep with nothing due < 1 s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from http.cookiejar import CookieJar

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.n = 0
        event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *a, **kw):
        self.n += 1


def _login(client, username, password):
    resp = client.post("/login", data={"username": username, "password": password})
    assert resp.status_code == 302, (username, resp.status_code, resp.get_data(as_text=True)[:500])


# ------------------------------------------------------------------------------------------ sample objects

def samples(app) -> dict:
    """Ids of the objects the pages are measured on: a busy unit, an open letter, a closed letter, a year."""
    from sqlalchemy import func, select

    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.letters.models import Letter
    from supervision.rectification.models import Reply

    with app.app_context():
        busy = db.session.execute(
            select(Letter.unit_id, func.count()).where(Letter.status == "issued").group_by(Letter.unit_id)
            .order_by(func.count().desc(), Letter.unit_id).limit(1)).first()
        unit_id = busy[0]
        unit_user = db.session.scalar(select(User.username).where(User.unit_id == unit_id).order_by(User.id))
        # A letter of the unit with the most replies (the heaviest letter page).
        heavy = db.session.execute(
            select(Reply.letter_id, func.count()).join(Letter, Letter.id == Reply.letter_id)
            .where(Letter.unit_id == unit_id).group_by(Reply.letter_id)
            .order_by(func.count().desc(), Reply.letter_id).limit(1)).first()
        letter_id = heavy[0] if heavy else db.session.scalar(
            select(Letter.id).where(Letter.unit_id == unit_id, Letter.status == "issued").limit(1))
        year = date.today().year - 1
        from supervision.directory.models import Unit

        unit_name = db.session.get(Unit, unit_id).name
        number = db.session.get(Letter, letter_id).number
        return {"unit_name": unit_name, "number": number, "unit_id": unit_id, "unit_user": unit_user, "letter_id": letter_id, "letters_of_unit": busy[1],
                "year": year}


# ------------------------------------------------------------------------------------------ pages

def measure_pages(app, s: dict, reps: int, only: str = "") -> list[dict]:
    """p50/p95 and statements of each page (`only`: just the pages whose name contains it)."""
    from supervision.extensions import db
    from bench.generate import ADMINS, LEADERS, PASSWORD

    with app.app_context():
        counter = QueryCounter(db.engine)
    admin, leader, unit = app.test_client(), app.test_client(), app.test_client()
    _login(admin, ADMINS[0], PASSWORD)
    _login(leader, LEADERS[0], PASSWORD)
    _login(unit, s["unit_user"], PASSWORD)
    y, lid = s["year"], s["letter_id"]
    q = urllib.parse.quote
    pages = [
        ("dashboard (admin)", admin, "/"),
        ("dashboard (leader)", leader, "/"),
        (f"ledger year={y} page 3", admin, f"/rectification/ledger?year={y}&page=3"),
        ("ledger status=逾期 page 1", admin, "/rectification/ledger?status=overdue"),
        ("ledger status=整改中 page 2", admin, "/rectification/ledger?status=in_progress&page=2"),
        ("letter page /letters/<id> (admin)", admin, f"/letters/{lid}"),
        ("rectification letter page (admin)", admin, f"/rectification/letters/{lid}"),
        ("rectification letter page (unit)", unit, f"/rectification/letters/{lid}"),
        ("unit portal /rectification/mine", unit, "/rectification/mine"),
        ("dashboard (unit)", unit, "/"),
        ("statistics page /rectification/stats", admin, "/rectification/stats"),
        # The office's other lists (each the whole province's records, paged by the database).
        ("letters list /letters/ page 2", admin, "/letters/?page=2"),
        (f"发文登记 /letters/register year={y}", admin, f"/letters/register?year={y}"),
        ("visits list /visits/", admin, "/visits/"),
        ("problems list /visits/problems", admin, "/visits/problems"),
        (f"visits statistics /visits/stats year={y}", admin, f"/visits/stats?year={y}"),
        # The lists' keyword search (issue 15): a common phrase (1 problem in 20 has it), a rare one (one
        # problem), a unit's name, a letter's number; combined with a filter.
        ("visits list search unit name", admin, f"/visits/?q={q(s['unit_name'])}"),
        ("visits list search 送达回证", admin, f"/visits/?q={q('送达回证')}"),
        ("problems list search 送达回证", admin, f"/visits/problems?q={q('送达回证')}"),
        ("problems list search 第123号 (one row)", admin, f"/visits/problems?q={q('第123号')}"),
        (f"problems list search 送达回证 year={y}", admin, f"/visits/problems?year={y}&q={q('送达回证')}"),
        ("letters list search number", admin, f"/letters/?q={q(s['number'])}"),
        ("letters list search 送达回证 page 2", admin, f"/letters/?page=2&q={q('送达回证')}"),
        (f"发文登记 search unit name year={y}", admin, f"/letters/register?year={y}&q={q(s['unit_name'])}"),
        ("ledger search 送达回证 page 2", admin, f"/rectification/ledger?page=2&q={q('送达回证')}"),
        ("ledger search number", admin, f"/rectification/ledger?q={q(s['number'])}"),
        ("ledger search 整改中 + unit name", admin,
         f"/rectification/ledger?status=in_progress&q={q(s['unit_name'])}"),
        # The search pages with the four kinds of keyword a clerk types (issue 15, p95 < 100 ms): a common word
        # (执法: 5 of the 12 problem wordings, ~40% of all problems), a rare one (one problem), a 文号 fragment
        # (one year's numbers beginning 〔year〕12, both letter types: ~220 letters), a unit name fragment
        # (市场监督: one bureau of most counties, 78 units). Each on the problems list, the letters list, the 整改台账,
        # the visits list (检查记录) and the 发文登记.
        *[(f"search {page} {label}", admin, f"{path}q={q(term)}")
          for page, path in (("problems list", "/visits/problems?"), ("letters list", "/letters/?"),
                             ("整改台账", "/rectification/ledger?"), ("检查记录", "/visits/?"),
                             ("发文登记", "/letters/register?"))
          for label, term in (("common 执法", "执法"), ("rare 第123号", "第123号"),
                              (f"文号 〔{y}〕12", f"〔{y}〕12"), ("unit 市场监督", "市场监督"))],
        ("search problems list common 执法 page 5 (下一页)", admin, f"/visits/problems?page=5&q={q('执法')}"),
        ("units /units", admin, "/units"),
        ("users /users", admin, "/users"),
        (f"plan /schedule/?year={y}", admin, f"/schedule/?year={y}"),
        ("inbox /inbox/ (admin)", admin, "/inbox/"),
        ("deliveries /inbox/deliveries", admin, "/inbox/deliveries"),
    ]
    out = []
    for name, client, url in pages:
        if only and only not in name:
            continue
        for _ in range(2):  # warm-up
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
        times, queries, cpu = [], [], []
        for _ in range(reps):
            n0 = counter.n
            t, c = time.perf_counter(), time.process_time()
            resp = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)  # this process's CPU (SQLite's work included)
            queries.append(counter.n - n0)
            assert resp.status_code == 200, (url, resp.status_code)
        out.append({"name": name, "url": url, "p50": pct(times, 50), "p95": pct(times, 95),
                    "queries": max(queries), "queries_min": min(queries),
                    "cpu_p50": pct(cpu, 50), "cpu_p95": pct(cpu, 95)})
        print(f"    {name:40} p50 {pct(times, 50):8.1f} ms  p95 {pct(times, 95):8.1f} ms  "
              f"{max(queries)} queries  (CPU p50 {pct(cpu, 50):6.1f} ms  p95 {pct(cpu, 95):6.1f} ms)", flush=True)
    return out


# ------------------------------------------------------------------------------------------ pdf

def measure_pdf(app, letter_id: int, reps: int) -> dict:
    from supervision.extensions import db
    from supervision.fonts import font_set
    from supervision.letters import queries
    from supervision.letters.models import Letter
    from supervision.letters.pdf import render_pdf

    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        content = queries.content_of(letter)
        t = time.perf_counter()
        fonts = font_set()
        data = render_pdf(content, fonts)
        first = (time.perf_counter() - t) * 1000
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            fonts = font_set()
            data = render_pdf(content, fonts)
            times.append((time.perf_counter() - t) * 1000)
    return {"first": first, "p50": pct(times, 50), "p95": pct(times, 95), "bytes": len(data),
            "problems": len(content.problems)}


# ------------------------------------------------------------------------------------------ children

def child_export(url: str) -> None:
    """Run in a fresh process: the ledger .xlsx of every row through the real view; prints JSON."""
    import resource

    from bench.generate import ADMINS, PASSWORD, make_app

    app = make_app(url)
    client = app.test_client()
    _login(client, ADMINS[0], PASSWORD)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    resp = client.get("/rectification/ledger.xlsx")
    data = resp.get_data()
    seconds = time.perf_counter() - t
    assert resp.status_code == 200
    import io
    import zipfile

    # Rows written: count the <row> elements of the sheet (streamed, without loading the workbook).
    rows = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        name = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
        with zf.open(name) as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                rows += (tail + chunk).count(b"<row ")
                tail = chunk[-4:]  # a "<row " cut by the chunk boundary is counted once, never twice
    rows -= 3  # title, header and footer
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_before_mb": base / 1024, "peak_rss_mb": peak / 1024,
                      "bytes": len(data), "rows": rows}))


def child_serve(url: str, port: int, threads: int) -> None:
    import waitress

    from bench.generate import make_app

    app = make_app(url)
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)


def run_child(args: list[str], timeout: int = 1800) -> dict:
    out = subprocess.run([PY, "-m", "bench.run", "--child", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ req/s

def _opener(base: str, username: str | None, password: str):
    jar = CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    if username:
        data = urllib.parse.urlencode({"username": username, "password": password}).encode()
        op.open(base + "/login", data=data, timeout=30).read()
    return op


def load(base: str, path: str, username: str | None, password: str, clients: int, seconds: float) -> dict:
    openers = [_opener(base, username, password) for _ in range(clients)]
    for op in openers:
        op.open(base + path, timeout=60).read()  # warm
    stop = time.perf_counter() + seconds
    done = [0] * clients
    errors = [0] * clients
    lat: list[list[float]] = [[] for _ in range(clients)]

    def worker(i):
        op = openers[i]
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                r = op.open(base + path, timeout=60)
                r.read()
                done[i] += 1
                lat[i].append((time.perf_counter() - t) * 1000)
            except Exception:  # noqa: BLE001
                errors[i] += 1

    t0 = time.perf_counter()
    ths = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    elapsed = time.perf_counter() - t0
    all_lat = [x for xs in lat for x in xs]
    return {"rps": sum(done) / elapsed, "n": sum(done), "errors": sum(errors), "p50": pct(all_lat, 50),
            "p95": pct(all_lat, 95)}


def measure_rps(url: str, clients: int, seconds: float, threads: int = 4) -> dict:
    from bench.generate import ADMINS, PASSWORD

    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([PY, "-m", "bench.run", "--child", "serve", "--url", url, "--port", str(port),
                             "--threads", str(threads)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/login", timeout=2).read()
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.1)
        static = "/static/app.css"
        res = {}
        res["dashboard"] = load(base, "/", ADMINS[0], PASSWORD, clients, seconds)
        res["login"] = load(base, "/login", None, PASSWORD, clients, seconds)
        res["static"] = load(base, static, None, PASSWORD, clients, seconds)
        return res
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# ------------------------------------------------------------------------------------------ sweeps, import

def measure_sweeps(app) -> dict:
    from sqlalchemy import func, select, update

    from supervision import timeutil
    from supervision.extensions import db
    from supervision.letters.models import Letter
    from supervision.rectification.models import Extension, Reply, Submission
    from supervision.reminders.jobs import run_due_reminders

    out = {}
    with app.app_context():
        now = datetime.combine(timeutil.today(), datetime.min.time().replace(hour=9, minute=30),
                               tzinfo=timeutil.TZ)
        counter = QueryCounter(db.engine)
        for label in ("first (catch-up window)", "nothing due"):
            n0 = counter.n
            t = time.perf_counter()
            r = run_due_reminders(now, deliver=False)
            out[label] = {"seconds": time.perf_counter() - t, "sent": len(r.sent), "already": r.already,
                          "queries": counter.n - n0, "errors": len(r.errors)}
            db.session.remove()
        # 1,000 due: open letters (received, nothing submitted, no extension) get a deadline 7 days ahead,
        # so their 7-day reminder falls due at 09:00 today.
        today = now.date()
        picked = list(db.session.scalars(
            select(Letter.id).where(Letter.status == "issued", Letter.receipt_date.is_not(None),
                                    Letter.receipt_date < today,
                                    ~select(Submission.id).where(Submission.letter_id == Letter.id).exists(),
                                    ~select(Reply.id).where(Reply.letter_id == Letter.id).exists(),
                                    ~select(Extension.id).where(Extension.letter_id == Letter.id).exists())
            .order_by(Letter.id.desc()).limit(1000)))
        due = today + timedelta(days=7)
        from supervision import derived

        # A bulk write on a fact: the stored derived values of these letters are stored again when the block ends.
        with derived.bulk_write("standing", "letter.problem_count", keys=picked):
            db.session.execute(update(Letter).where(Letter.id.in_(picked)).values(deadline=due))
        db.session.commit()
        db.session.remove()
        n0 = counter.n
        t = time.perf_counter()
        r = run_due_reminders(now, deliver=False)
        out[f"{len(picked)} due"] = {"seconds": time.perf_counter() - t, "sent": len(r.sent), "already": r.already,
                                     "queries": counter.n - n0, "errors": len(r.errors)}
        db.session.remove()
        n0 = counter.n
        t = time.perf_counter()
        r = run_due_reminders(now, deliver=False)
        out["nothing due (after)"] = {"seconds": time.perf_counter() - t, "sent": len(r.sent),
                                      "already": r.already, "queries": counter.n - n0, "errors": len(r.errors)}
        db.session.remove()
        del func
    return out


def measure_import(app) -> dict:
    from supervision.extensions import db
    from supervision.schedule.operations import commit_import
    from supervision.schedule.queries import import_plan

    path = os.path.join(ROOT, "schedules", "2021.csv")
    with open(path, "rb") as fh:
        data = fh.read()
    with app.app_context():
        t = time.perf_counter()
        preview = import_plan("2021.csv", data, 2021)
        t_preview = time.perf_counter() - t
        decisions = {"units": {u.name: "create" for u in preview.unknown},
                     "visited": {}}
        t = time.perf_counter()
        summary = None
        if preview.valid:
            # A re-import over ten years of data: units leaving the plan with visits are kept.
            summary = commit_import(preview, decisions)
            db.session.commit()
        t_commit = time.perf_counter() - t
    return {"preview": t_preview, "commit": t_commit, "valid": preview.valid, "unknown": len(preview.unknown),
            "summary": {k: v for k, v in (summary or {}).items() if isinstance(v, int)}}


# ------------------------------------------------------------------------------------------ main

def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": mem, "python": sys.version.split()[0]}


def run_one(url: str, scale: float, args) -> dict:
    from bench.generate import build_schema, generate, make_app

    print(f"== {url.split('@')[-1]}  scale {scale}", flush=True)
    app = make_app(url)
    res: dict = {"scale": scale, "url": url}
    if not args.reuse:
        t = time.perf_counter()
        build_schema(app, args.schema)
        res["schema_s"] = time.perf_counter() - t
        res["rows"] = generate(app, scale, log=lambda m: print(m, flush=True))
        print(f"  generated in {res['rows']['_seconds']} s", flush=True)
    s = samples(app)
    res["samples"] = s
    print(f"  samples: {s}", flush=True)
    res["pages"] = measure_pages(app, s, args.reps, args.pages)
    if args.pages_only:
        with app.app_context():
            from supervision.extensions import db

            db.engine.dispose()
        return res
    res["pdf"] = measure_pdf(app, s["letter_id"], args.reps)
    print(f"  pdf: {res['pdf']}", flush=True)
    if not args.skip_export:
        res["export"] = run_child(["export", "--url", url])
        print(f"  export: {res['export']}", flush=True)
    if not args.skip_rps:
        res["rps"] = measure_rps(url, args.clients, args.seconds)
        print(f"  req/s: {res['rps']}", flush=True)
    res["sweeps"] = measure_sweeps(app)
    print(f"  sweeps: {res['sweeps']}", flush=True)
    res["import"] = measure_import(app)
    print(f"  import: {res['import']}", flush=True)
    with app.app_context():
        from supervision.extensions import db

        db.engine.dispose()
    return res


def table(results: list[dict]) -> str:
    """A markdown table: one column per (database, scale)."""
    heads = [f"{r['db']} ×{r['scale']}" for r in results]
    lines = ["| measure | " + " | ".join(heads) + " |", "|---|" + "---|" * len(results)]

    def row(label, fn):
        cells = []
        for r in results:
            try:
                cells.append(fn(r))
            except Exception:  # noqa: BLE001
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("letters / problems / visits", lambda r: f"{r['rows']['letter']:,} / {r['rows']['problem']:,} / "
        f"{r['rows']['visit']:,}")
    row("rows in all tables", lambda r: f"{sum(v for k, v in r['rows'].items() if not k.startswith('_')):,}")
    row("generation", lambda r: f"{r['rows']['_seconds']:.0f} s")
    for i, p in enumerate(results[0]["pages"]):
        row(f"{p['name']}: p50 / p95 ms, queries",
            lambda r, i=i: f"{r['pages'][i]['p50']:.0f} / {r['pages'][i]['p95']:.0f}, {r['pages'][i]['queries']}q")
    row("letter PDF render p50 / p95 ms", lambda r: f"{r['pdf']['p50']:.0f} / {r['pdf']['p95']:.0f}")
    row("ledger .xlsx export (all rows)", lambda r: f"{r['export']['rows']:,} rows, {r['export']['seconds']:.1f} s, "
        f"peak RSS {r['export']['peak_rss_mb']:.0f} MB (process at start {r['export']['rss_before_mb']:.0f} MB)")
    for key in ("first (catch-up window)", "nothing due"):
        row(f"reminder sweep, {key}", lambda r, key=key: f"{r['sweeps'][key]['seconds']:.2f} s "
            f"({r['sweeps'][key]['sent']} sent, {r['sweeps'][key]['queries']}q)")
    row("reminder sweep, 1,000 due", lambda r: next(
        f"{v['seconds']:.2f} s ({v['sent']} sent, {v['queries']}q)" for k, v in r["sweeps"].items() if k.endswith(" due")
        and k[0].isdigit()))
    row("2021 plan import: preview + commit", lambda r: f"{r['import']['preview']:.2f} s + {r['import']['commit']:.2f} s")
    for key, label in (("dashboard", "req/s dashboard (admin)"), ("login", "req/s /login GET"),
                       ("static", "req/s static file")):
        row(label, lambda r, key=key: f"{r['rps'][key]['rps']:.0f} (p50 {r['rps'][key]['p50']:.0f} ms)")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description="Province-scale benchmark (issue 8).")
    p.add_argument("--scale", default="0.1", help="scale factor(s), comma-separated: 1 = 3,000 units, 120,000 letters")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--url", help="database URL (default sqlite:////tmp/bench-<scale>.db)")
    p.add_argument("--schema", choices=("create_all", "migrate"), default="create_all")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--reuse", action="store_true", help="measure an already generated database")
    p.add_argument("--skip-export", action="store_true")
    p.add_argument("--skip-rps", action="store_true")
    p.add_argument("--pages", default="", help="measure only the pages whose name contains this (e.g. search)")
    p.add_argument("--pages-only", action="store_true", help="only the pages: no PDF, export, req/s, sweeps, import")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sys.path.insert(0, ROOT)
    if args.child == "export":
        return child_export(args.url)
    if args.child == "serve":
        return child_serve(args.url, args.port, args.threads)
    results = []
    for scale in [float(x) for x in args.scale.split(",")]:
        url = args.url or f"sqlite:////tmp/bench-{scale:g}.db"
        if args.db == "postgresql" and not url.startswith("postgresql"):
            p.error("--db postgresql needs --url postgresql+psycopg://...")
        r = run_one(url, scale, args)
        r["db"] = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        results.append(r)
    m = machine()
    print()
    print(f"Machine: {m['nproc']} × {m['cpu']}, {m['ram']} RAM, Python {m['python']}")
    print(table(results))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": m, "results": results}, fh, default=str, indent=1)


if __name__ == "__main__":
    main()
