"""Fill a fresh database with province-scale data: ten years of plans, visits, problems, letters, replies,
submissions, extensions, notifications, deliveries and audit entries.

At --scale 1: about 3,000 units, 60,000 visits, 300,000 problems, 120,000 letters (and ~1.5 M other rows).
Rows go in with SQLAlchemy Core executemany (explicit ids, one transaction per year), not the ORM.

    .venv/bin/python -m bench.generate --scale 0.1 --url sqlite:////tmp/bench.db

Each letter's history is simulated along a timeline (issue, receipt, 报送 rounds, review, extension) that is
cut at "today", so the recent letters are spread over every state and the old ones are almost all 已办结.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import text

PASSWORD = "Bench-Passw0rd-2021"
ADMINS = ("bench_admin", "bench_admin2", "bench_admin3")
LEADERS = ("bench_leader", "bench_leader2")
FLUSH_ROWS = 20000
CATALOGUE_ID = 1  # the one catalogue of a fresh database

PLAN_2021 = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schedules", "2021.csv")

COUNTY_SYLLABLES = "安宝长成大德东丰福高广和河华嘉江金晋康乐临龙鲁洛南宁平清庆仁汝山商寿顺太泰桐宛文武西祥新信兴阳宜永元云正中舞"
TOWNS = ["城关镇人民政府", "东关镇人民政府", "西关乡人民政府", "南湾乡人民政府", "北岗镇人民政府", "马楼乡人民政府",
         "张店乡人民政府", "李寨镇人民政府", "王庄乡人民政府", "赵村镇人民政府", "白河乡人民政府", "青山镇人民政府"]
BUREAUS = ["人民政府办公室", "发展和改革委员会", "教育体育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
           "自然资源局", "生态环境分局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
           "文化广电和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
           "城市管理局", "林业局", "税务局", "消防救援大队"]
PROBLEM_TEXTS = [
    "行政处罚决定书未载明当事人享有的陈述申辩权利",
    "执法人员着装不规范，未按季换装",
    "年度培训考核计划未以红头文件形式印发",
    "部分执法案卷缺少送达回证",
    "重大执法决定未经法制审核即作出",
    "执法全过程记录设备配备不足，部分现场检查未全程记录",
    "重大行政处罚决定未在15日内报送备案",
    "权责清单未在门户网站公示",
    "行政许可案卷材料装订不规范，目录与内容不符",
    "行政执法证件持证人员中有借调人员",
    "案卷中调查询问笔录未由当事人签字确认",
    "自由裁量基准未及时修订",
]


def _names(n_units: int, rng: random.Random) -> list[str]:
    """The 2021 plan's names first (so the plan import resolves them), then made-up counties' offices."""
    names: list[str] = []
    seen = set()
    if os.path.exists(PLAN_2021):
        import csv

        with open(PLAN_2021, encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if len(row) >= 3 and row[2] and row[0] != "月份":
                    for name in row[2].replace("，", "、").split("、"):
                        name = name.strip()
                        if name and name not in seen:
                            seen.add(name)
                            names.append(name)
    k = 0
    while len(names) < n_units:
        a = COUNTY_SYLLABLES[k % len(COUNTY_SYLLABLES)]
        b = COUNTY_SYLLABLES[(k // len(COUNTY_SYLLABLES) * 7 + 3) % len(COUNTY_SYLLABLES)]
        county = f"{a}{b}县" if k < len(COUNTY_SYLLABLES) ** 2 else f"{a}{b}{k}县"
        for dept in TOWNS + BUREAUS:
            name = county + dept
            if name not in seen:
                seen.add(name)
                names.append(name)
        k += 1
    return names[:n_units]


class Writer:
    """Buffers rows per table and writes them with executemany, in table dependency order."""

    def __init__(self, conn, metadata):
        self.conn = conn
        self.md = metadata
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.order = [t.name for t in metadata.sorted_tables]

    def add(self, table: str, row: dict) -> None:
        self.rows[table].append(row)

    def pending(self) -> int:
        return sum(len(v) for v in self.rows.values())

    def flush(self) -> None:
        for name in self.order:
            rows = self.rows.get(name)
            if not rows:
                continue
            table = self.md.tables[name]
            for i in range(0, len(rows), FLUSH_ROWS):
                self.conn.execute(table.insert(), rows[i:i + FLUSH_ROWS])
            self.counts[name] += len(rows)
            self.rows[name] = []


def _utc(d: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) day and hour as the naive UTC the app stores."""
    return datetime(d.year, d.month, d.day, hour, minute) - timedelta(hours=8)


def generate(app, scale: float, seed: int = 2021, today: date | None = None, log=print) -> dict:
    """Fill app's (empty, schema-built) database. Returns row counts and timing."""
    from werkzeug.security import generate_password_hash

    from supervision import timeutil
    from supervision.directory.models import Office
    from supervision.directory.operations import get_profile, seed_reference_data
    from supervision.extensions import db
    from supervision.letters.content import LetterContent
    from supervision.letters.models import LetterType
    from supervision.letters.operations import ensure_default_type
    from supervision.letters.text import contact_line, letter_number, request_paragraph
    from supervision.reminders.models import ReminderSettings
    from supervision.schedule.queries import week_dates
    from supervision.visits.models import CheckItem
    from supervision.visits.operations import ensure_default_catalogue

    t0 = time.perf_counter()
    rng = random.Random(seed)
    today = today or timeutil.today()
    years = list(range(today.year - 9, today.year + 1))
    n_units = max(40, round(3000 * scale))
    n_visits_year = max(60, round(6000 * scale))
    n_inspectors = max(6, round(200 * scale))

    with app.app_context():
        seed_reference_data()
        cat = ensure_default_catalogue()
        default_type = ensure_default_type()
        second = LetterType(name="整改通知书", prefix="鲁政行监函", reply_period_days=30, is_default=False,
                            active=True, sort_order=1)
        db.session.add(second)
        db.session.add(ReminderSettings())
        db.session.commit()
        profile = get_profile()
        offices = [o.id for o in db.session.query(Office).order_by(Office.id)]
        items = [(i.id, i.seq, [s.id for s in i.subpoints]) for i in
                 db.session.query(CheckItem).filter_by(catalogue_id=cat.id).order_by(CheckItem.seq)]
        types = [(default_type.id, profile.letter_prefix, default_type.name), (second.id, second.prefix, second.name)]
        cat_id = cat.id
        place = profile.reply_place
        authority = profile.issuing_authority
        contact = contact_line(profile.contact_person, profile.contact_phone)
        request = request_paragraph(30, place)
        engine = db.engine
        md = db.metadata
        pw_hash = generate_password_hash(PASSWORD)

        ids = defaultdict(int)

        def nid(table: str) -> int:
            ids[table] += 1
            return ids[table]

        counts: dict[str, int] = defaultdict(int)

        # ---- directory and accounts ------------------------------------------------------------
        with engine.begin() as conn:
            w = Writer(conn, md)
            units = []
            for name in _names(n_units, rng):
                uid = nid("unit")
                kind = "乡镇" if name.endswith(("乡人民政府", "镇人民政府")) else "县直"
                w.add("unit", dict(id=uid, name=name, kind=kind, contact_person="联络员", phone="0375-0000000",
                                   email="", active=True, note="", created_at=_utc(date(years[0], 1, 5))))
                units.append(uid)
            user_rows = []

            def user(username, role, unit_id=None, office_id=None, email=""):
                uid = nid("user_account")
                user_rows.append(uid)
                w.add("user_account", dict(
                    id=uid, username=username, display_name=username, password_hash=pw_hash, role=role,
                    office_id=office_id, unit_id=unit_id, email=email, active=True, must_change_password=False,
                    session_version=1, created_at=_utc(date(years[0], 1, 5)), last_login_at=None))
                return uid

            admins = [user(n, "admin", office_id=offices[-1], email=f"{n}@example.org") for n in ADMINS]
            for n in LEADERS:
                user(n, "leader")
            inspectors = [user(f"bench_insp{i}", "inspector", office_id=offices[i % len(offices)],
                               email=f"insp{i}@example.org" if i % 2 else "") for i in range(n_inspectors)]
            unit_user = {}
            for u in units:
                unit_user[u] = user(f"bench_unit{u}", "unit", unit_id=u,
                                    email=f"unit{u}@example.org" if rng.random() < 0.6 else "")
            email_of = {}
            for uid in user_rows:
                email_of[uid] = True
            w.flush()
            for k, v in w.counts.items():
                counts[k] += v
        has_email = {a: True for a in admins}
        has_email.update({u: rng.random() < 0.6 for u in unit_user.values()})

        # ---- year by year ----------------------------------------------------------------------
        seqs: dict[tuple[int, int], int] = defaultdict(int)
        pdf_placeholder = b"%PDF-1.4\n% bench placeholder: the real PDF is rendered at issue\n" + b"0" * 900
        for year in years:
            ty = time.perf_counter()
            with engine.begin() as conn:
                w = Writer(conn, md)
                # Plan: every unit once a year, spread over the month-weeks (weeks 1-4 of each month).
                weeks = []
                for m in range(1, 13):
                    for wk in range(1, 5):
                        weeks.append((m, wk, *week_dates(year, m, wk)))
                order = units[:]
                rng.shuffle(order)
                slot_of_unit = {}
                slot_info = {}
                per = max(1, -(-len(order) // len(weeks)))
                for i, (m, wk, start, end) in enumerate(weeks):
                    sid = nid("schedule_slot")
                    w.add("schedule_slot", dict(
                        id=sid, year=year, month=m, week=wk, start_date=start, end_date=end, dates_overridden=False,
                        override_note="", lead_office_id=offices[i % len(offices)],
                        created_at=_utc(date(year, 1, 4)), updated_at=_utc(date(year, 1, 4))))
                    group = rng.sample(inspectors, min(3, len(inspectors)))
                    for uid in group:
                        w.add("schedule_slot_inspector", dict(slot_id=sid, user_id=uid))
                    for pos, u in enumerate(order[i * per:(i + 1) * per]):
                        w.add("schedule_slot_unit", dict(slot_id=sid, unit_id=u, position=pos))
                        slot_of_unit[u] = sid
                    slot_info[sid] = (start, group)
                # Visits: a routine visit per planned unit (while the budget lasts), the rest focused/concentrated.
                visits = []
                routine_units = order[:n_visits_year]
                for u in routine_units:
                    sid = slot_of_unit.get(u)
                    if sid is None:
                        continue
                    start, group = slot_info[sid]
                    visits.append(("routine", u, sid, start + timedelta(days=rng.randint(0, 4)), group))
                while len(visits) < n_visits_year:
                    u = rng.choice(units)
                    d = date(year, 1, 1) + timedelta(days=rng.randint(40, 350))
                    while d.weekday() >= 5:
                        d += timedelta(days=1)
                    visits.append((rng.choice(("focused", "concentrated", "follow_up")), u, None, d,
                                   rng.sample(inspectors, min(2, len(inspectors)))))
                visits.sort(key=lambda v: v[3])
                for kind, u, sid, vdate, group in visits:
                    if vdate > today:
                        continue
                    vid = nid("visit")
                    age = (today - vdate).days
                    submitted = not (age < 14 and rng.random() < 0.3)
                    author = group[0]
                    w.add("visit", dict(
                        id=vid, kind=kind, status="submitted" if submitted else "draft", slot_id=sid, unit_id=u,
                        catalogue_id=cat_id, visit_date=vdate, subject="" if kind == "routine" else "专项检查",
                        methods="report,documents,case_files,inquiry", case_files="", test_takers=None,
                        test_average=None, test_lowest=None, summary="检查组按计划开展检查。",
                        follow_up_of_problem_id=None, version=2, created_by_id=author, created_at=_utc(vdate, 10),
                        updated_at=_utc(vdate, 17), submitted_at=_utc(vdate, 17) if submitted else None,
                        submitted_by_id=author if submitted else None))
                    for uid in group[:2]:
                        w.add("visit_inspector", dict(visit_id=vid, user_id=uid))
                    if submitted:
                        w.add("audit_log", dict(id=nid("audit_log"), at=_utc(vdate, 17), user_id=author,
                                                username=f"insp{author}", record_type="visit", record_id=vid,
                                                action="submit", summary="提交检查记录", before="", after="",
                                                address="127.0.0.1"))
                    letter_problems = []
                    for seq in range(1, rng.randint(2, 9) + 1):
                        pid = nid("problem")
                        item_id, item_seq, subs = rng.choice(items)
                        fixed = rng.random() < 0.2
                        desc = f"{rng.choice(PROBLEM_TEXTS)}（第{pid}号）"
                        w.add("problem", dict(
                            id=pid, visit_id=vid, seq=seq, item_id=item_id,
                            subpoint_id=rng.choice(subs) if subs else None, description=desc,
                            evidence="调阅案卷", case_file="", disposition="立行立改" if fixed else "需下达意见书",
                            fix_action="已当场整改" if fixed else "", created_at=_utc(vdate, 11)))
                        if not fixed:
                            letter_problems.append((pid, desc))
                    if not submitted or not letter_problems:
                        continue
                    if age < 12 and rng.random() < 0.5:
                        continue  # awaiting a letter
                    halves = [letter_problems]
                    if len(letter_problems) >= 2:
                        cut = len(letter_problems) // 2
                        halves = [letter_problems[:cut], letter_problems[cut:]]
                    for (type_id, prefix, title), probs in zip(types, halves, strict=False):
                        _letter(w, nid, rng, today, vid, u, vdate, type_id, prefix, title, probs, seqs, admins,
                                unit_user[u], has_email, pdf_placeholder, authority, contact, request,
                                letter_number, LetterContent, inspectors)
                    if w.pending() > 200000:
                        w.flush()
                w.flush()
                for k, v in w.counts.items():
                    counts[k] += v
            log(f"  {year}: {time.perf_counter() - ty:.1f}s")

        with engine.begin() as conn:
            _migration("0003").fill_closure_figures(conn)  # the closures' figures, as the upgrade fills them
            from supervision import derived

            # Every stored derived value (problem.in_letter, letter.problem_count, the open letters' stored
            # states and the closed years' sums) by its registered rebuild: bulk rows skip the ORM's hooks.
            t1 = time.perf_counter()
            n_open = derived.rebuild_all(conn)["standing"]
            log(f"  stored derived values ({n_open} open letters): {time.perf_counter() - t1:.1f}s")
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for t in md.sorted_tables:
                    if "id" in t.c and t.c.id.primary_key and t.c.id.autoincrement:
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                                          f"COALESCE((SELECT MAX(id) FROM {t.name}), 1))"))
                # As migration 0003 (create_all does not know statistics objects).
                conn.execute(text("CREATE STATISTICS IF NOT EXISTS st_problem_awaiting_letter (mcv) "
                                  "ON in_letter, disposition FROM problem"))
            # The steady state autovacuum keeps a live database in (visibility map for index-only scans).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    counts = dict(counts)
    counts["_seconds"] = round(time.perf_counter() - t0, 1)
    return counts


def _letter(w, nid, rng, today, vid, unit_id, vdate, type_id, prefix, title, probs, seqs, admins, unit_uid,
            has_email, pdf, authority, contact, request, letter_number, LetterContent, inspectors):
    """One letter and its whole simulated history up to today."""
    issue = vdate + timedelta(days=rng.randint(3, 15))
    lid = nid("letter")
    if issue > today or ((today - issue).days < 10 and rng.random() < 0.3):
        # Still a draft.
        w.add("letter", _letter_row(lid, type_id, unit_id, vid, "draft", None, None, "", None, None, "", None,
                                    None, None, admins[0], issue))
        for pos, (pid, desc) in enumerate(probs, start=1):
            w.add("letter_problem", dict(id=nid("letter_problem"), letter_id=lid, problem_id=pid, position=pos,
                                         text=desc, live=True))
        return
    key = (type_id, issue.year)
    seqs[key] += 1
    number = letter_number(prefix, issue.year, seqs[key])
    content = LetterContent(title=title, number=number, addressee="", intro="你单位经检查发现：",
                            problems=[d for _, d in probs], request=request, authority=authority, date=issue,
                            contact=contact).to_json()
    age = (today - issue).days
    receipt = None
    if not (age < 4 and rng.random() < 0.6) and not (age < 60 and rng.random() < 0.01):
        receipt = min(today, issue + timedelta(days=rng.randint(1, 4)))
    deadline = None
    if receipt is not None:
        deadline = receipt + timedelta(days=30)
        while deadline.weekday() >= 5:
            deadline += timedelta(days=1)
    admin = rng.choice(admins)
    status = "issued"
    voided = rng.random() < 0.003 and receipt is None
    row = _letter_row(lid, type_id, unit_id, vid, "voided" if voided else status, issue.year, seqs[key], number,
                      issue, _utc(issue, 10), content, receipt, deadline, _utc(receipt, 15) if receipt else None,
                      admin, issue)
    row["receipt_kind"] = ("sign" if rng.random() < 0.9 else "paper") if receipt else ""
    row["received_by_id"] = (unit_uid if row["receipt_kind"] == "sign" else admin) if receipt else None
    row["unit_seen_at"] = _utc(issue + timedelta(days=1), 9) if (receipt or age > 2) else None
    row["deadline_note"] = f"{receipt.isoformat()} 签收 + 30 日" if receipt else ""
    if voided:
        row["voided_at"], row["voided_by_id"], row["void_reason"] = _utc(issue, 16), admin, "单位名称有误"
    w.add("letter", row)
    w.add("letter_file", dict(id=nid("letter_file"), letter_id=lid, kind="pdf", data=pdf, sha256="0" * 64,
                              size=len(pdf), font_family="AR PL UMing CN", created_at=_utc(issue, 10)))
    items = []
    for pos, (pid, desc) in enumerate(probs, start=1):
        iid = nid("letter_problem")
        items.append(iid)
        w.add("letter_problem", dict(id=iid, letter_id=lid, problem_id=pid, position=pos, text=desc,
                                     live=not voided))
    audit = lambda at, user, action, summary: w.add("audit_log", dict(  # noqa: E731
        id=nid("audit_log"), at=at, user_id=user, username=f"u{user}", record_type="letter", record_id=lid,
        action=action, summary=summary, before="", after="", address="127.0.0.1"))
    notes = []  # (recipient, title, created_at, key)
    audit(_utc(issue, 10), admin, "issue", f"签发 {number}")
    notes.append((unit_uid, f"收到{title} {number}", _utc(issue, 10), None))
    if voided:
        audit(_utc(issue, 16), admin, "void", f"作废 {number}")
        # The corrected letter carries the problems.
        _letter(w, nid, rng, today, vid, unit_id, issue, type_id, prefix, title, probs, seqs, admins, unit_uid,
                has_email, pdf, authority, contact, request, letter_number, LetterContent, inspectors)
        _notes(w, nid, notes, has_email, today)
        return
    if receipt is None:
        _notes(w, nid, notes, has_email, today)
        return
    audit(_utc(receipt, 15), unit_uid, "sign", f"签收 {number}")
    # Extension (延期): a few ask, most are granted.
    current_deadline = deadline
    if rng.random() < 0.04:
        asked = receipt + timedelta(days=rng.randint(10, 25))
        if asked <= today:
            eid = nid("rect_extension")
            new = deadline + timedelta(days=rng.randint(15, 30))
            decided = asked + timedelta(days=2)
            state = "pending" if decided > today else ("approved" if rng.random() < 0.8 else "refused")
            w.add("rect_extension", dict(
                id=eid, letter_id=lid, reason="整改涉及制度修订，需延期", requested_date=new, deadline_before=deadline,
                requested_by_id=unit_uid, requested_at=_utc(asked, 10), status=state,
                new_deadline=new if state == "approved" else None, decision_note="" if state != "refused" else "理由不充分",
                decided_by_id=admin if state != "pending" else None,
                decided_at=_utc(decided, 10) if state != "pending" else None))
            if state == "approved":
                current_deadline = new
    # Rounds of 报送 and review.
    stuck = rng.random() < 0.005  # never replies: stays overdue
    day = receipt + timedelta(days=rng.randint(8, 34))
    todo = list(items)
    rnd = 0
    accepted_at = {}
    while todo and not stuck:
        if day > today:
            if rng.random() < 0.3:  # a draft in progress
                for iid in todo:
                    w.add("rect_reply", _reply(nid("rect_reply"), lid, iid, None, rnd + 1, "draft", unit_uid, day,
                                               "", None, None))
            break
        rnd += 1
        sid = nid("rect_submission")
        w.add("rect_submission", dict(
            id=sid, letter_id=lid, round=rnd, status="submitted", report_text="我单位已按意见书要求逐项整改。",
            on_behalf=rng.random() < 0.05, submitted_at=_utc(day, 16), submitted_by_id=unit_uid, submitted_on=day,
            deadline_then=current_deadline, created_by_id=unit_uid, created_at=_utc(day, 10),
            updated_at=_utc(day, 16)))
        audit(_utc(day, 16), unit_uid, "rect.submit", f"第{rnd}次报送整改情况")
        for a in admins:
            notes.append((a, f"单位报送了整改情况 {number}", _utc(day, 16), None))
        decided = day + timedelta(days=rng.randint(1, 8))
        returned = []
        site_open = False
        for iid in todo:
            rid = nid("rect_reply")
            if decided > today:
                w.add("rect_reply", _reply(rid, lid, iid, sid, rnd, "submitted", unit_uid, day, "", None, None))
                continue
            r = rng.random()
            if r < 0.08 and rnd < 3:
                w.add("rect_reply", _reply(rid, lid, iid, sid, rnd, "submitted", unit_uid, day, "returned",
                                           _utc(decided, 10), admin, note="佐证材料不足"))
                returned.append(iid)
            elif r < 0.11:
                checked = decided + timedelta(days=rng.randint(3, 20))
                svid = nid("visit")
                done = checked <= today
                w.add("visit", dict(
                    id=svid, kind="follow_up", status="submitted" if done else "draft", slot_id=None,
                    unit_id=unit_id, catalogue_id=CATALOGUE_ID, visit_date=checked, subject=f"回头看：{number}", methods="site_check",
                    case_files="", test_takers=None, test_average=None, test_lowest=None, summary="",
                    follow_up_of_problem_id=None, version=1, created_by_id=admin, created_at=_utc(decided, 10),
                    updated_at=_utc(decided, 10), submitted_at=_utc(checked, 17) if done else None,
                    submitted_by_id=admin if done else None))
                w.add("visit_inspector", dict(visit_id=svid, user_id=rng.choice(inspectors)))
                row = _reply(rid, lid, iid, sid, rnd, "submitted", unit_uid, day, "site_check", _utc(decided, 10),
                             admin)
                row["site_visit_id"] = svid
                if done:
                    row["site_result"], row["site_result_at"], row["site_result_by_id"] = "passed", _utc(checked, 17), admin
                    accepted_at[iid] = _utc(checked, 17)
                else:
                    site_open = True
                w.add("rect_reply", row)
            else:
                w.add("rect_reply", _reply(rid, lid, iid, sid, rnd, "submitted", unit_uid, day, "accepted",
                                           _utc(decided, 10), admin))
                accepted_at[iid] = _utc(decided, 10)
        if decided > today or site_open:
            todo = todo or [None]
            break
        audit(_utc(decided, 10), admin, "rect.review", f"审核第{rnd}次报送")
        if returned:
            notes.append((unit_uid, f"{number} 有问题被退回", _utc(decided, 10), None))
        todo = returned
        day = decided + timedelta(days=rng.randint(5, 20))
    if rnd and not todo:
        closed_at = max(accepted_at.values())
        notes.append((unit_uid, f"{number} 已办结", closed_at, None))
        w.add("rect_closure", dict(letter_id=lid, closed_at=closed_at, closed_on=(closed_at + timedelta(hours=8)).date(),
                                   closed_by_id=admin))
        audit(closed_at, admin, "rect.close", f"{number} 已办结")
    # The 7-day deadline reminder, as an earlier sweep sent it.
    remind = current_deadline - timedelta(days=7)
    if remind < today and remind > receipt:
        notes.append((unit_uid, f"整改期限提醒：{number}还有7天到期", _utc(remind, 9),
                      f"deadline-7d:{unit_uid}:letter-{lid}:{current_deadline.isoformat()}"))
    _notes(w, nid, notes, has_email, today)


def _notes(w, nid, notes, has_email, today):
    for recipient, title, at, key in notes:
        nid_ = nid("notification")
        age = (today - (at + timedelta(hours=8)).date()).days
        w.add("notification", dict(id=nid_, recipient_id=recipient, key=key, title=title[:200], body="", link="",
                                   created_at=at, read_at=at + timedelta(hours=20) if age > 14 or hash(nid_) % 3 else None))
        if has_email.get(recipient):
            ok = nid_ % 50 != 0
            w.add("notification_delivery", dict(
                id=nid("notification_delivery"), notification_id=nid_, channel="email",
                status="sent" if ok else "failed", attempts=1 if ok else 6, next_attempt_at=None,
                last_error="" if ok else "SMTP timeout", target="x@example.org", created_at=at, updated_at=at,
                sent_at=at + timedelta(minutes=1) if ok else None))


def _letter_row(lid, type_id, unit_id, vid, status, year, seq, number, issue, issued_at, content, receipt, deadline,
                received_at, admin, created):
    return dict(id=lid, letter_type_id=type_id, unit_id=unit_id, visit_id=vid, status=status, case_name="",
                case_number="", period_days=30, year=year, seq=seq, number=number, issue_date=issue if year else None,
                issued_at=issued_at, issued_by_id=admin if year else None, content_json=content or "",
                receipt_kind="", receipt_date=receipt, received_at=received_at, received_by_id=None,
                deadline=deadline, deadline_note="", unit_seen_at=None, voided_at=None, voided_by_id=None,
                void_reason="", replaces_id=None, created_by_id=admin, created_at=_utc(created, 9),
                updated_at=_utc(created, 9))


def _reply(rid, lid, iid, sid, rnd, status, unit_uid, day, decision, decided_at, admin, note=""):
    return dict(id=rid, letter_id=lid, letter_problem_id=iid, submission_id=sid, round=rnd, status=status,
                text="已整改：修订制度并组织培训。", measures="建立台账，定期自查。", created_by_id=unit_uid,
                created_at=_utc(day, 10), updated_at=_utc(day, 16), decision=decision, decision_note=note,
                decided_at=decided_at, decided_by_id=admin if decision else None, site_visit_id=None, site_result="",
                site_note="", site_result_at=None, site_result_by_id=None)


def _migration(rev: str):
    """A migration module of supervision/migrations/versions, by its revision prefix."""
    import glob
    import importlib.util

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (path,) = glob.glob(os.path.join(here, "supervision", "migrations", "versions", f"{rev}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{rev}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_app(url: str):
    from supervision import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-" + "x" * 32,
                       "WTF_CSRF_ENABLED": False, "TESTING": False,
                       "UPLOAD_DIR": "/tmp/bench-uploads", "DATA_DIR": "/tmp/bench-data"})


def build_schema(app, how: str = "create_all") -> None:
    """A fresh schema: drop everything, then create_all (the models, with any index not yet migrated) or
    `flask db upgrade` (the migrations)."""
    from supervision.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            path = db.engine.url.database
            db.engine.dispose()
            if path and os.path.exists(path):
                os.remove(path)
        if how == "migrate":
            from flask_migrate import upgrade

            upgrade()
        else:
            db.create_all()
        db.session.commit()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=0.01)
    p.add_argument("--url", default="sqlite:////tmp/bench.db")
    p.add_argument("--schema", choices=("create_all", "migrate"), default="create_all")
    p.add_argument("--seed", type=int, default=2021)
    args = p.parse_args(argv)
    app = make_app(args.url)
    build_schema(app, args.schema)
    counts = generate(app, args.scale, args.seed)
    for k in sorted(counts):
        print(f"{k:28} {counts[k]}")


if __name__ == "__main__":
    main()
