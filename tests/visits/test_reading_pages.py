"""Pages of visits that only read write nothing (the GET guard refuses a write), and the rules the templates of
schedule, visits and directory ask are declared (a rule removed from an access.py fails here)."""
import pathlib
import re

from supervision.extensions import db
from supervision.policy import RULES
from supervision.visits.models import CheckCatalogue
from tests.helpers import login_as

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"


def test_catalogue_page_on_an_empty_database(app, client):
    with app.app_context():
        assert db.session.query(CheckCatalogue).count() == 0
    login_as(client, "inspector")
    resp = client.get("/visits/catalogue")
    assert resp.status_code == 200 and "尚未建立检查内容目录" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(CheckCatalogue).count() == 0


def test_every_rule_a_template_asks_is_declared(app):
    asked = set()
    for part in ("schedule", "visits", "directory"):
        for path in (TEMPLATES / part).glob("*.html"):
            asked |= set(re.findall(r"""can\(\s*['"]([\w.]+)['"]""", path.read_text(encoding="utf-8")))
    assert {"visits.create", "visits.edit", "visits.amend", "visits.delete", "visits.edit_catalogue",
            "schedule.manage", "directory.manage_units"} <= asked
    assert asked <= set(RULES), sorted(asked - set(RULES))
