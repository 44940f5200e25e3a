"""Directory pages that only read write nothing (the GET guard), and the page buttons follow directory/access.py."""
from supervision.directory.models import DEFAULT_PROFILE, OrgProfile
from supervision.extensions import db
from supervision.policy import RULES
from tests.helpers import login_as


def test_profile_page_on_an_empty_database_shows_the_defaults_unsaved(app, client):
    with app.app_context():
        db.session.query(OrgProfile).delete()
        db.session.commit()
    login_as(client, "admin")
    resp = client.get("/profile")
    assert resp.status_code == 200
    assert DEFAULT_PROFILE["issuing_authority"] in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(OrgProfile).count() == 0  # shown, not saved
    form = {k: str(v) for k, v in DEFAULT_PROFILE.items()}
    form["reply_office"] = "鲁山县司法局监督室"
    assert client.post("/profile", data=form).status_code == 302
    with app.app_context():
        assert db.session.query(OrgProfile).one().reply_office == "鲁山县司法局监督室"


def test_units_page_offers_changes_to_whom_the_rule_allows(app, client):
    assert {"directory.view_units", "directory.manage_units", "directory.edit_profile"} <= set(RULES)
    login_as(client, "leader")
    assert "新增单位" not in client.get("/units").get_data(as_text=True)
    admin = app.test_client()
    login_as(admin, "admin")
    assert "新增单位" in admin.get("/units").get_data(as_text=True)
