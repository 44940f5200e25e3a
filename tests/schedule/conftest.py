"""Shared pieces of the schedule tests."""
import pytest

from supervision.extensions import db
from supervision.schedule import operations, queries

from tests.schedule import builders


@pytest.fixture
def plan_2021(ctx):
    """The shipped 2021 table loaded (units created), committed."""
    with open(builders.PLAN_2021, "rb") as fh:
        preview = queries.import_plan("2021.csv", fh.read(), 2021)
    assert preview.valid, [str(p) for p in preview.errors]
    operations.commit_import(preview, {"units": {u.name: "create" for u in preview.unknown}})
    db.session.commit()
    return queries.slots_for_year(2021)
