"""Rectification's access rules (rectification/access.py): who may open each route, every rule asked somewhere and
every rule a template asks declared; the reading pages open on an empty database without writing."""
import pathlib
import re

import pytest

from supervision import policy
from supervision.policy import view_roles
from tests.helpers import login_as

ALL, STAFF = {"admin", "inspector", "unit", "leader"}, {"admin", "inspector", "leader"}
EXPECTED = {
    "rectification.index": ALL, "rectification.unit_letters": {"unit"}, "rectification.letter": ALL,
    "rectification.save_reply": {"unit"}, "rectification.save_reply_by_old_address": {"unit"},
    "rectification.save_answers": {"unit"}, "rectification.save_draft": {"unit"},
    "rectification.delete_reply_attachment": {"unit"}, "rectification.save_report": {"unit"},
    "rectification.request_extension": {"unit"},
    "rectification.accept": {"admin"}, "rectification.accept_batch": {"admin"}, "rectification.return_reply": {"admin"},
    "rectification.site_check": {"admin"}, "rectification.paper_reply": {"admin"},
    "rectification.decide_extension": {"admin"}, "rectification.site_result": {"admin", "inspector"},
    "rectification.attachment": ALL, "rectification.my_self_inspection": {"unit"},
    "rectification.self_inspections": STAFF, "rectification.self_inspection": ALL,
    "rectification.ledger": STAFF, "rectification.ledger_export": STAFF, "rectification.stats": STAFF,
}
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_each_route_admits_exactly_its_roles(app):
    endpoints = {e for e in app.view_functions if e.startswith("rectification.")}
    assert endpoints == set(EXPECTED)
    for endpoint, roles in EXPECTED.items():
        assert set(view_roles(app.view_functions[endpoint])) == roles, endpoint


def test_every_rule_is_declared_once_and_asked(app):
    names = {n for n in policy.RULES if n.startswith("rectification.")}
    sources = "".join(p.read_text(encoding="utf-8") for d in ("supervision", "templates") for p in (ROOT / d).rglob("*")
                      if p.suffix in (".py", ".html") and p.name != "access.py")
    asked = set(re.findall(r"""["'](rectification\.[a-z_]+)["']""", sources))
    assert names - asked == set(), "rules nobody asks"
    templates = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html"))
    in_templates = set(re.findall(r"""can\(['"](rectification\.[a-z_]+)['"]""", templates))
    assert in_templates and in_templates <= names


@pytest.mark.parametrize("role", sorted(ALL))
def test_reading_pages_open_on_an_empty_database(app, role):
    """The GET pages of rectification with nothing recorded yet: they open (the guard refuses any write)."""
    client = app.test_client()
    login_as(client, role)
    for endpoint in ("index", "unit_letters", "my_self_inspection", "self_inspections", "ledger", "ledger_export",
                     "stats"):
        with app.test_request_context():
            from flask import url_for

            path = url_for(f"rectification.{endpoint}")
        r = client.get(path)
        allowed = role in EXPECTED[f"rectification.{endpoint}"]
        assert r.status_code == ((302 if endpoint == "index" else 200) if allowed else 403), (role, path)
