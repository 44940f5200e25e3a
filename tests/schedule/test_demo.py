"""The demo loads the shipped 2021 table once and assigns offices by rotation."""
from sqlalchemy import func, select

from supervision.directory.models import Unit
from supervision.extensions import db
from supervision.schedule import demo, service
from tests.helpers import make_user


def test_demo_is_idempotent_and_assigns_inspectors_once_they_exist(ctx):
    lines = []
    demo.load(lines.append)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 55
    slots = service.slots_for_year(2021)
    assert len(slots) == 37 and all(s.lead_office for s in slots) and not any(s.inspectors for s in slots)
    inspector = make_user("inspector")
    demo.load(lines.append)
    db.session.commit()
    assert len(service.slots_for_year(2021)) == 37
    assert len(service.slots_for_inspector(inspector)) == 12
    assert lines[0].startswith("监督计划：2021年 37周、55家单位")
