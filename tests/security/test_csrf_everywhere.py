"""Every POST route refuses a request without a CSRF token, for every role, and changes nothing."""
import re

import pytest

from supervision.audit import AuditEntry
from supervision.extensions import db
from tests.helpers import PASSWORD, make_user
from tests.test_access import _routes, _url


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _login_with_token(client, username):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302


@pytest.mark.parametrize("role", ["admin", "inspector", "unit", "leader"])
def test_post_without_token_is_refused_everywhere(app, role):
    client = app.test_client()
    with app.app_context():
        make_user(role, username=f"csrf_{role}")
        entries_before = db.session.query(AuditEntry).count()
    _login_with_token(client, f"csrf_{role}")
    posts = [r for r in _routes(app) if "POST" in r.methods]
    assert posts, "no POST routes found"
    for rule in posts:
        resp = client.post(_url(rule), data={"name": "x"})
        assert resp.status_code == 400, (role, rule.endpoint, resp.status_code)
    with app.app_context():
        # Only the login itself was written.
        assert db.session.query(AuditEntry).count() == entries_before + 1
