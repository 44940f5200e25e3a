"""How letters is built (issue 14): one set of access rules, reads that never write, the request's one commit, and
what letters announces reaching the parts that subscribe to it."""
import os
import pathlib
import re
from datetime import date

import pytest
from sqlalchemy import select

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.letters import extras, operations, queries
from supervision.letters.models import Letter, LetterStatus, LetterType
from supervision.policy import RULES, view_roles
from tests.helpers import login_as, make_user

from .conftest import make_visit

ROOT = pathlib.Path(__file__).resolve().parents[2]
D = date(2021, 9, 1)
needs_font = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")

# Who may open each page of letters: the same as before the rules moved to letters/access.py.
STAFF, EDITORS = {"admin", "inspector", "leader"}, {"admin", "inspector"}
ROUTES = {
    "letters.index": STAFF, "letters.register": STAFF, "letters.print_range": STAFF, "letters.docx": STAFF,
    "letters.unit_inbox": {"unit"},
    "letters.show": STAFF | {"unit"}, "letters.pdf": STAFF | {"unit"},
    "letters.draft_from_visit": EDITORS, "letters.edit": EDITORS, "letters.move_problem": EDITORS,
    "letters.remove_problem": EDITORS, "letters.add_problem": EDITORS, "letters.delete": EDITORS,
    "letters.issue": {"admin"}, "letters.void": {"admin"}, "letters.correct": {"admin"},
    "letters.delivery": {"admin"}, "letters.types": {"admin"}, "letters.type_form": {"admin"},
    "letters.sign": {"unit"},
}


def test_every_page_of_letters_admits_the_roles_it_did(app):
    found = {e for e in app.view_functions if e.startswith("letters.")}
    assert found == set(ROUTES)
    for endpoint, roles in ROUTES.items():
        assert set(view_roles(app.view_functions[endpoint])) == roles, endpoint


def test_every_rule_letters_asks_is_declared_once_in_its_access_module():
    """Views, services and templates name rules; each must exist (a missing one is a KeyError at run time)."""
    asked = set()
    for path in [*(ROOT / "supervision" / "letters").glob("*.py"), *(ROOT / "templates" / "letters").glob("*.html")]:
        asked |= set(re.findall(r"""(?:can|allows|require)\(\s*["'](letters\.\w+)["']""", path.read_text("utf-8")))
    declared = {name for name in RULES if name.startswith("letters.")}
    assert asked == declared, (sorted(asked - declared), sorted(declared - asked))


def test_the_rules_of_a_letter(ctx, admin, inspector):
    from supervision.policy import can
    from tests.helpers import make_unit

    unit = make_unit()
    clerk, other = make_user("unit", unit=unit), make_user("unit", unit=make_unit())
    leader = make_user("leader")
    draft = operations.draft_letter(make_visit(unit, inspectors=[inspector]), admin)
    assert can("letters.view", draft, user=admin) and can("letters.view", draft, user=leader)
    assert not can("letters.view", draft, user=clerk)  # a unit never sees a draft
    assert can("letters.edit", draft, user=inspector) and not can("letters.edit", draft, user=leader)
    stranger = make_user("inspector")
    assert not can("letters.edit", draft, user=stranger)
    assert not can("letters.receive", draft, user=other) and can("letters.receive", draft, user=clerk)


def test_pages_that_read_letter_types_work_on_an_empty_database_and_store_nothing(app, client):
    """The default type is shown unsaved until a draft (or the type form) stores it: reading never writes."""
    login_as(client, "admin")
    for path in ("/letters/", "/letters/types", "/letters/register", "/letters/types/new?default=1"):
        resp = client.get(path)
        assert resp.status_code == 200, path
    assert "行政执法监督意见书" in client.get("/letters/types").get_data(as_text=True)
    assert 'value="行政执法监督意见书"' in client.get("/letters/types/new?default=1").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(LetterType.id))) == 0


def test_the_unsaved_default_type_is_stored_by_the_draft_that_needs_it(app, ctx, client):
    login_as(client, "admin")
    visit = make_visit()
    page = client.get("/letters/").get_data(as_text=True)
    assert '<option value="">行政执法监督意见书</option>' in page  # no id yet: the draft stores it
    resp = client.post(f"/letters/draft/{visit.id}", data={"letter_type_id": ""})
    assert resp.status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert letter.letter_type.name == "行政执法监督意见书" and letter.letter_type.is_default


def test_saving_the_unsaved_default_type_from_the_list_makes_it_the_default(app, ctx, client):
    login_as(client, "admin")
    resp = client.post("/letters/types/new", data={"name": "行政执法监督意见书", "prefix": "鲁法监字", "sort_order": "0",
                                                   "active": "y"})
    assert resp.status_code == 302
    lt = db.session.scalars(select(LetterType)).one()
    assert lt.is_default and operations.ensure_default_type() is lt


@needs_font
def test_issuing_does_not_commit_the_request_does(app, ctx, admin):
    """The service flushes inside savepoints; what it did is undone with the request's transaction."""
    letter_id = operations.draft_letter(make_visit(), admin).id
    db.session.commit()
    with app.test_request_context("/letters/x/issue", method="POST"):  # a write request: its own transaction
        issued = operations.issue_letter(letter_id, admin, issue_date=D)
        assert issued.number == "鲁政行监字〔2021〕1号"
        db.session.rollback()
    db.session.expire_all()
    letter = db.session.get(Letter, letter_id)
    assert letter.status == LetterStatus.draft.value and not letter.number and letter.seq is None


@needs_font
def test_issuing_tells_the_units_users_through_the_reminders_subscription(ctx, admin):
    from supervision.reminders.models import Notification
    from supervision.reminders.rules import rule_label
    from tests.helpers import make_unit

    unit = make_unit()
    clerks = [make_user("unit", unit=unit) for _ in range(2)]
    make_user("unit", unit=unit, active=False)
    letter = operations.issue_letter(operations.draft_letter(make_visit(unit), admin).id, admin, issue_date=D)
    db.session.commit()
    notes = db.session.scalars(select(Notification).order_by(Notification.recipient_id)).all()
    assert [(n.recipient_id, n.key) for n in notes] == [(c.id, f"letter_issued:{c.id}:letter-{letter.id}")
                                                        for c in clerks]
    assert notes[0].title == f"收到行政执法监督意见书 {letter.number}" and notes[0].link == f"/letters/{letter.id}"
    entry = db.session.scalars(select(AuditEntry).filter_by(record_type="letter", action="issue")).one()
    assert entry.after_data["notified"] == 2
    assert rule_label("letter_issued") == "意见书签发通知"  # the kind reminders registers for letters


@needs_font
def test_an_issued_letters_page_shows_the_state_rectification_registered(ctx, admin):
    letter = operations.issue_letter(operations.draft_letter(make_visit(), admin).id, admin, issue_date=D)
    assert extras.state_of(letter).label == "待签收"


@needs_font
def test_opening_a_letter_marks_it_seen_without_writing_in_the_page_request(app, ctx, client, admin):
    """The page is a GET (it must not write in its transaction); the unit's first opening is stored all the same."""
    from tests.helpers import make_unit

    unit = make_unit()
    letter_id = operations.issue_letter(operations.draft_letter(make_visit(unit), admin).id, admin, issue_date=D).id
    db.session.commit()
    login_as(client, "unit", unit=unit)
    assert queries.unread_count(unit.id) == 1
    assert client.get(f"/letters/{letter_id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Letter, letter_id).unit_seen_at is not None and queries.unread_count(unit.id) == 0
