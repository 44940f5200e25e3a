"""Id swapping: a unit user of unit A puts unit B's ids (and its own unit's drafts) into every route a unit
user may call, GET and POST, and gets 403/404 with nothing of B shown and nothing changed anywhere.

The routes are taken from the app's URL map, not written out: a new route a unit user may call, with an id
this file does not know how to fill, fails `test_every_unit_route_argument_is_covered` until it is added.
Staff restrictions: a leader (and an inspector) refused on every state-changing POST with real ids; an
inspector outside a visit's group cannot change its letter or visit; nobody opens another user's message.
"""
import itertools
from types import SimpleNamespace

from supervision.extensions import db
from supervision.policy import view_roles
from supervision.letters.models import Letter
from supervision.policy import view_roles
from supervision.rectification.models import Reply
from tests.helpers import login, login_as
from tests.test_access import _routes

from .conftest import assert_unchanged, snapshot

REFUSED = (403, 404)


class _Any:
    def __getattr__(self, name):
        return [0] if name in ("items", "atts", "filing_atts") else 0


_ANY = _Any()

# Form data that would make each POST succeed if it were allowed.
POST_DATA = {
    "text": "冒名答复", "measures": "冒名措施", "report_text": "冒名报告", "action": "submit",
    "new_date": "2023-12-31", "reason": "冒名申请延期的理由",
}


def _foreign_values(w) -> dict[str, list[tuple[int, bool]]]:
    """For each URL argument: (id, is_foreign). Foreign = B's record, or A's own record a unit may not see."""
    a, b = w.a, w.b
    return {
        "letter_id": [(b.letter, True), (b.drafting, True), (b.unsigned, True), (b.draft_letter, True),
                      (a.draft_letter, True), (a.letter, False), (a.drafting, False)],
        "item_id": [(b.items[0], True), (b.drafting_item, True), (a.items[0], False), (a.drafting_item, False)],
        "problem_id": [(b.items[0], True), (b.drafting_item, True), (a.items[0], False), (a.drafting_item, False)],
        "reply_id": [(b.reply, True), (b.draft_reply, True), (a.draft_reply, False)],
        "att_id": [(x, True) for x in b.atts] + [(x, True) for x in b.filing_atts] + [(a.atts[0], False)],
        "note_id": [(b.note, True), (a.note, False)],
        "si_id": [(b.si, True), (a.si, False)],
        "visit_id": [(b.visit, True), (b.draft_visit, True), (a.draft_visit, True), (a.visit, False)],
        "unit_id": [(b.unit, True), (a.unit, False)],
        "token": [("0" * 32, True)],
        "campaign_id": [(b.campaign, True), (a.campaign, False)],
        "case_id": [(b.case, True), (a.case, False)],
        "filing_id": [(b.penalty, True), (b.penalty_draft, True), (a.penalty_draft, False)],
        "doc_id": [(b.doc, True), (a.doc, False)],
        # 年度考核: a unit's own pages take a year and an indicator; a year it is not assessed in and an indicator
        # of no year it may report for are refused (tests/assessment/test_views.py covers its own year's pages)
        "year": [(2099, True)],
        "ind_id": [(999999, True)],
    }


def _status(client, url) -> int:
    resp = client.get(url)
    resp.close()  # file responses hold the file open until closed
    return resp.status_code


def _unit_routes(app):
    return [r for r in _routes(app) if "unit" in view_roles(app.view_functions[r.endpoint]) and r.arguments]


def test_every_unit_route_argument_is_covered(app):
    known = {"letter_id", "item_id", "problem_id", "reply_id", "att_id", "note_id", "si_id", "visit_id", "unit_id", "token",
             "campaign_id", "case_id", "filing_id", "doc_id", "year", "ind_id"}
    assert known == set(_foreign_values(SimpleNamespace(a=_ANY, b=_ANY)))
    missing = {(r.endpoint, a) for r in _unit_routes(app) for a in r.arguments if a not in known}
    assert not missing, f"unit-reachable routes with ids this suite cannot fill: {missing}"


def _post_data(values: dict) -> dict:
    data = dict(POST_DATA)
    for key in ("item_id", "problem_id"):
        if key in values:
            data[f"p{values[key]}-text"] = "冒名答复"
    return data


def test_unit_user_cannot_reach_another_units_records(app, world):
    client = app.test_client()
    assert login(client, world.a.user).status_code == 302
    # A's own records open (the test is not vacuous).
    for url in (f"/letters/{world.a.letter}", f"/letters/{world.a.letter}.pdf",
                f"/rectification/letters/{world.a.letter}", f"/visits/{world.a.visit}",
                f"/visits/unit/{world.a.unit}", f"/rectification/self-inspections/{world.a.si}",
                f"/visits/attachments/{world.a.photo}", f"/casereview/case/{world.a.case}",
                f"/casereview/my/{world.a.campaign}"):
        assert _status(client, url) == 200, url
    for att in world.a.atts[:-1]:
        assert _status(client, f"/rectification/attachments/{att}") == 200
    before = snapshot(app)
    values = _foreign_values(world)
    tried = 0
    for rule in _unit_routes(app):
        if rule.endpoint == "schedule.feed":
            continue  # token-authenticated feed: tests/schedule covers unknown tokens
        names = sorted(rule.arguments)
        for combo in itertools.product(*(values[n] for n in names)):
            if not any(foreign for _, foreign in combo):
                continue
            args = {n: v for n, (v, _) in zip(names, combo, strict=True)}
            url = rule.build(args, append_unknown=False)[1]
            all_foreign = all(foreign for _, foreign in combo)
            for method in sorted(rule.methods & {"GET", "POST"}):
                resp = client.open(url, method=method, data=_post_data(args) if method == "POST" else None)
                tried += 1
                body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
                if all_foreign:
                    assert resp.status_code in REFUSED, (method, url, resp.status_code)
                else:
                    # A's own record with B's part in it (form tampering): refused or bounced, never applied.
                    assert resp.status_code in (302, 400, *REFUSED), (method, url, resp.status_code)
                assert world.b.unit_name not in body, (method, url)
                assert resp.mimetype not in ("application/pdf", "image/png"), (method, url)
                resp.close()
    assert tried > 60
    assert_unchanged(before, snapshot(app), "unit A on unit B's ids")


def test_nobody_opens_or_marks_another_users_notification(app, world):
    client = app.test_client()
    login(client, world.a.user)
    before = snapshot(app)
    for action in ("open", "read"):
        assert client.post(f"/inbox/{world.b.note}/{action}").status_code == 404
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "鲁山县瀼河乡人民政府的消息" in inbox and "鲁山县张良镇人民政府的消息" not in inbox
    for role in ("leader", "inspector", "admin"):
        staff = app.test_client()
        login_as(staff, role)
        for action in ("open", "read"):
            assert staff.post(f"/inbox/{world.b.note}/{action}").status_code == 404, role
    logins = ("audit_log", "user_account", "login_throttle")  # what the logins themselves write
    after = snapshot(app)
    for table in logins:
        before.pop(table), after.pop(table)
    assert_unchanged(before, after, "notifications")


def _real_values(app, w) -> dict:
    """Real ids for every argument of every route, so a refusal is not just a missing record."""
    with app.app_context():
        from supervision.directory.models import Unit
        from supervision.schedule.models import Slot
        from supervision.visits.models import CheckCatalogue

        cat = db.session.query(CheckCatalogue).first()
        return {"letter_id": w.b.letter, "item_id": w.b.items[0], "problem_id": w.b.items[0], "reply_id": w.b.reply, "att_id": w.b.atts[0],
                "note_id": w.b.note, "si_id": w.b.si, "visit_id": w.b.visit, "unit_id": w.b.unit,
                "ext_id": w.b.extension, "user_id": w.admin_id, "cat_id": cat.id if cat else 1,
                "type_id": db.session.get(Letter, w.b.letter).letter_type_id,
                "slot_id": (db.session.query(Slot.id).scalar() or 1), "delivery_id": 1, "token": "0" * 32,
                "year": 2021, "unit": db.session.query(Unit.id).first()[0],
                "campaign_id": w.b.campaign, "case_id": w.b.case, "cu_id": 1, "std_id": 1, "clue_id": 1,
                "fault_id": 1, "filing_id": w.b.penalty, "doc_id": w.b.doc,
                # 年度考核 (no 考核 in this world: the role is refused before any lookup)
                "ind_id": 1, "obj_id": 1, "adj_id": 1, "uy_id": 1, "step": "confirm"}


def test_refused_roles_change_nothing_with_real_ids(app, world):
    """Every POST a role may not make, with ids that exist: 403, and the database and files as they were."""
    values = _real_values(app, world)
    for role in ("leader", "inspector", "unit"):
        client = app.test_client()
        if role == "unit":
            login(client, world.a.user)
        else:
            login_as(client, role)
        before = snapshot(app)
        posts = [r for r in _routes(app)
                 if "POST" in r.methods and role not in view_roles(app.view_functions[r.endpoint])]
        assert posts
        for rule in posts:
            url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
            resp = client.post(url, data={**POST_DATA, "note": "x", "decision": "approve", "result": "passed",
                                          "day": "2021-09-02", "name": "x"})
            assert resp.status_code == 403, (role, rule.endpoint, resp.status_code)
        assert_unchanged(before, snapshot(app), f"{role} POSTs")


def test_inspector_outside_the_group_cannot_change_the_letter_or_visit(app, world):
    client = app.test_client()
    login_as(client, "inspector")
    before = snapshot(app)
    d = world.b.draft_letter
    resp = client.post(f"/letters/{d}/edit", data={"case_name": "改动", "period_days": "10"})
    assert resp.status_code == 302  # back to the letter with a warning
    client.post(f"/letters/{d}/delete")
    with app.app_context():
        item = db.session.get(Letter, d).items[0].id
    client.post(f"/letters/{d}/items/{item}/remove")
    assert client.post(f"/letters/{world.b.letter}/issue").status_code == 403
    assert client.post(f"/rectification/replies/{world.b.reply}/site-result",
                       data={"result": "passed", "note": "x"}).status_code == 302
    assert client.get(f"/visits/{world.b.visit}/amend").status_code == 403
    assert client.post(f"/visits/{world.b.visit}/amend", data={"reason": "越权修改"}).status_code == 403
    assert client.post(f"/visits/{world.b.draft_visit}/delete").status_code == 403
    assert_unchanged(before, snapshot(app), "inspector outside the group")
    with app.app_context():
        assert db.session.get(Letter, d).case_name == ""
        assert db.session.get(Reply, world.b.reply).site_result in (None, "")


def test_unit_user_cannot_sign_another_units_letter(app, world):
    client = app.test_client()
    login(client, world.a.user)
    assert client.post(f"/letters/{world.b.unsigned}/sign").status_code == 404
    with app.app_context():
        assert db.session.get(Letter, world.b.unsigned).receipt_date is None
    assert client.post(f"/letters/{world.a.unsigned}/sign").status_code == 302  # its own: signed
    with app.app_context():
        assert db.session.get(Letter, world.a.unsigned).receipt_date is not None
