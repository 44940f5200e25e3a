"""Route × role: every route names its roles, and the app enforces them for every role and anonymous."""
import re

import pytest

from supervision.policy import view_roles
from supervision.web import NAV
from tests.helpers import login_as

ROLES = ("admin", "inspector", "unit", "leader")
OPEN = {"static", "accounts.login"}

# The foundation's routes, written out so a reader sees who may do what.
EXPECTED = {
    "main.index": set(ROLES),
    "accounts.logout": set(ROLES),
    "accounts.change_password": set(ROLES),
    "accounts.users": {"admin"},
    "accounts.user_new": {"admin"},
    "accounts.user_edit": {"admin"},
    "accounts.user_reset_password": {"admin"},
    "accounts.user_set_active": {"admin"},
    "accounts.unit_accounts": {"admin"},
    "directory.units": {"admin", "leader"},
    "directory.unit_new": {"admin"},
    "directory.unit_edit": {"admin"},
    "directory.unit_set_active": {"admin"},
    "directory.profile": {"admin"},
    "audit.index": {"admin"},
}


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN:
            continue
        out.append(rule)
    return out


def _url(rule):
    # Ids that exist nowhere: an allowed role then gets 404, a refused role 403 before any lookup.
    values = {}
    for arg in rule.arguments:
        conv = rule._converters[arg]
        values[arg] = 999999 if type(conv).__name__ == "IntegerConverter" else "nonexistent"
    return rule.build(values, append_unknown=False)[1]


def test_every_route_states_its_roles(app):
    missing = [r.endpoint for r in _routes(app) if view_roles(app.view_functions[r.endpoint]) is None]
    assert missing == [], f"routes without an access rule (policy.allows): {missing}"


def test_foundation_routes_allow_exactly_the_expected_roles(app):
    for endpoint, roles in EXPECTED.items():
        assert set(view_roles(app.view_functions[endpoint])) == roles, endpoint


def test_anonymous_is_sent_to_login_everywhere(app, client):
    for rule in _routes(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            resp = client.open(_url(rule), method=method)
            assert resp.status_code in (302, 401), (rule.endpoint, method, resp.status_code)
            if resp.status_code == 302:
                assert "/login" in resp.headers["Location"], rule.endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_exactly_where_not_allowed(app, role):
    client = app.test_client()
    login_as(client, role)
    for rule in _routes(app):
        allowed = role in view_roles(app.view_functions[rule.endpoint])
        for method in sorted(rule.methods & {"GET", "POST"}):
            if allowed and method == "POST":
                continue  # allowed state changes are tested by each part
            if rule.endpoint == "accounts.logout":
                continue
            resp = client.open(_url(rule), method=method)
            if allowed:
                assert resp.status_code != 403, (role, rule.endpoint, method)
            else:
                assert resp.status_code == 403, (role, rule.endpoint, method, resp.status_code)
                assert "没有权限" in resp.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_shows_exactly_the_pages_the_role_may_open(app, role):
    """The menu is built from the same rules as the routes: every menu page opens (200) for the role that sees
    it, and every page of the menu table the role may open is in its menu."""
    client = app.test_client()
    login_as(client, role)
    home = client.get("/").get_data(as_text=True)
    nav = home[home.index("<nav"):home.index("</nav>")]
    shown = set(re.findall(r'href="([^"#?]+)"', nav))
    for endpoint, label, _group in NAV:
        if endpoint not in app.view_functions:
            continue
        with app.test_request_context():
            from flask import url_for

            path = url_for(endpoint)
        opens = client.get(path).status_code == 200
        assert (path in shown) == opens, (role, endpoint, label, "in menu" if path in shown else "not in menu",
                                          "opens" if opens else "refused")
