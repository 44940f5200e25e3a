"""Every GET page, as every role, over a demo-like dataset: no code names on the page.

The routes come from the app's URL map (a new page is walked without being listed here); ids are filled from
the data the demo loader builds (plus an audit trail, a notification of each kind and a delivery). The visible
text (HTML text only: tags, scripts, styles and attributes stripped) must hold no snake_case word
(`closed_at`, `letter_issued`) and no dotted code (`rect.close`) — file names, addresses and e-mails excepted.
"""
import re
from html.parser import HTMLParser

import pytest

from supervision import demo
from supervision.accounts.models import User
from supervision.audit import AuditEntry
from supervision.extensions import db

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
DOTTED = re.compile(r"\b[a-z]+\.[a-z_]+\b")
# What may look like a dotted word: file names, host names, e-mail addresses, URLs.
ALLOWED_DOTTED = re.compile(
    r"\.(pdf|docx?|xlsx?|png|jpe?g|gif|ofd|zip|ics|csv|txt|com|cn|org|net|gov|local|svg)\b", re.I)

SKIP_ENDPOINTS = {
    "static", "accounts.login",
    # Files, not pages.
    "letters.docx", "letters.pdf", "rectification.attachment", "rectification.ledger_export",
    "schedule.export_xlsx", "schedule.feed", "visits.attachment", "filings.attachment",
    "casereview.results_xlsx", "casereview.report_docx", "casereview.standard_export", "casereview.case_attachment",
}

# Hits in other parts' files that this change must not touch (reported to their owners), as
# (endpoint, code). Empty when none.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


# Wording slips: doubled punctuation, quotes around nothing, a phrase repeated around a dash.
SLIPS = re.compile(r"。。|““|””|“”|（（|））|([\u4e00-\u9fff]{2,})\s*—\s*\1")


def codes_in(text: str) -> set[str]:
    found = set(SNAKE.findall(text))
    found |= {m.group(0) for m in SLIPS.finditer(text)}
    for m in DOTTED.finditer(text):
        around = text[m.start():m.end() + 8]
        if ALLOWED_DOTTED.search(around) or "@" in text[max(0, m.start() - 40):m.start()] \
                or "://" in text[max(0, m.start() - 60):m.start()]:
            continue
        found.add(m.group(0))
    return found


def test_codes_found_by_the_checker():
    text = visible_text('<p title="x_y">rect.close <b>closed_at</b> 盖章扫描件.pdf a@b.gov.cn</p>'
                        '<script>var my_var = a.b;</script>')
    assert codes_in(text) == {"rect.close", "closed_at"}
    assert codes_in("请评定““三项制度””。扫描件。。工作日 — 工作日") == {"““", "””", "。。", "工作日 — 工作日"}


def _ids(app):
    """For each URL argument, a few ids of records the demo built (different states where it matters)."""
    from supervision.assessment.models import AssessYear, Indicator, UnitYear
    from supervision.directory.models import Unit
    from supervision.filings.models import NormativeFiling, PenaltyFiling
    from supervision.letters.models import Letter, LetterType
    from supervision.rectification.models import SelfInspection
    from supervision.schedule.models import Slot
    from supervision.visits.models import CheckCatalogue, Visit

    def first(model, n=3, **where):
        q = db.session.query(model.id).filter_by(**where).order_by(model.id)
        return [i for (i,) in q.limit(n)]

    from supervision.rectification.demo import DEMO_UNIT

    demo_unit = db.session.query(Unit).filter_by(name=DEMO_UNIT).one()
    # The demo unit's letters are in every rectification state; a few others besides.
    letters = [i for (i,) in db.session.query(Letter.id).filter_by(unit_id=demo_unit.id).order_by(Letter.id)]
    letters += [i for (i,) in db.session.query(Letter.id).filter(Letter.unit_id != demo_unit.id)
                .order_by(Letter.id).limit(8)]
    return {
        "user_id": first(User, 6),
        "unit_id": [demo_unit.id] + first(Unit, 1),
        "letter_id": letters,
        "type_id": first(LetterType, 1),
        "si_id": first(SelfInspection, 2),
        "slot_id": first(Slot, 1),
        "visit_id": first(Visit, 3),
        "cat_id": first(CheckCatalogue, 1),
        **_casereview_ids(),
        # The demo unit's filings in every state.
        "filing_id": first(PenaltyFiling, 6),
        "doc_id": first(NormativeFiling, 2),
        # 年度考核: both demo years, a few indicators and unit results of each kind
        "year": [y for (y,) in db.session.query(AssessYear.year).order_by(AssessYear.year)],
        "ind_id": first(Indicator, 7),
        "uy_id": first(UnitYear, 2) + [i for (i,) in db.session.query(UnitYear.id).filter_by(category="县直")
                                       .order_by(UnitYear.id).limit(2)],
    }


def _casereview_ids():
    from supervision.casereview.models import CampaignUnit, CaseFile, CaseStandard

    def first(model, n=2):
        return [i for (i,) in db.session.query(model.id).order_by(model.id).limit(n)]

    return {"campaign_id": [i for (i,) in db.session.query(CampaignUnit.campaign_id).limit(1)],
            "case_id": first(CaseFile, 3), "std_id": first(CaseStandard, 1)}


@pytest.fixture
def world(app):
    from supervision.reminders import operations as reminders

    with app.app_context():
        demo.load(lambda *_: None)
        admin = db.session.query(User).filter_by(username="admin").one()
        reminders.notify(admin, "测试消息", "正文", key=f"test:{admin.id}:x")
        db.session.commit()
        for u in db.session.query(User):
            u.must_change_password = False
        db.session.commit()
        ids = _ids(app)
        ids["audit_pages"] = -(-db.session.query(AuditEntry).count() // 50)
        return ids


def _urls(app, ids):
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        if not rule.arguments:
            out.append((rule.endpoint, rule.build({}, append_unknown=False)[1]))
            if rule.endpoint == "audit.index":  # every page of the log: each kind of entry the demo made
                pages = ids["audit_pages"]
                out += [(rule.endpoint, f"{out[-1][1]}?page={n}") for n in range(2, pages + 1)]
            continue
        if any(a not in ids or a == "audit_pages" for a in rule.arguments):
            continue  # e.g. an import preview token: nothing to walk
        (arg,) = rule.arguments
        for value in ids[arg]:
            out.append((rule.endpoint, rule.build({arg: value}, append_unknown=False)[1]))
    return out


def test_every_page_shows_no_codes(app, world):
    from tests.helpers import login

    urls = _urls(app, world)
    assert len(urls) > 40
    hits, walked = [], 0
    for username in ("admin", "inspector", "unit", "leader"):
        client = app.test_client()
        assert login(client, username, demo.DEMO_PASSWORD).status_code == 302
        for endpoint, url in urls:
            resp = client.get(url)
            if resp.status_code != 200 or resp.mimetype != "text/html":
                continue
            walked += 1
            for code in sorted(codes_in(visible_text(resp.get_data(as_text=True)))):
                if (endpoint, code) not in KNOWN_EXCEPTIONS:
                    hits.append(f"{username} {url}: {code}")
    assert walked > 60
    assert not hits, "代码名出现在页面上：\n" + "\n".join(hits)
