"""Fixtures for 案卷评查: a small campaign of one or two units with the default standard."""
from datetime import date

import pytest

from supervision.casereview import operations
from supervision.casereview.operations import CampaignInput, CaseInput, DeductionInput
from supervision.extensions import db
from tests.helpers import make_unit, make_user


@pytest.fixture
def reviewer(ctx):
    return make_user("inspector", display_name="李评查")


@pytest.fixture
def units(ctx):
    return [make_unit("鲁山县市场监督管理局"), make_unit("鲁山县交通运输局")]


@pytest.fixture
def campaign(admin, reviewer, units):
    camp = operations.create_campaign(CampaignInput(
        name="2021年上半年行政处罚案卷评查", period_start=date(2021, 1, 1), period_end=date(2021, 4, 30),
        unit_ids=[u.id for u in units], reviewer_ids=[reviewer.id], cases_per_unit=3), admin)
    db.session.commit()
    return camp


def add_case(camp, unit, number="鲁市监罚〔2021〕3号", closed_on=date(2021, 3, 5), user=None, **kw):
    data = CaseInput(number=number, party=kw.pop("party", "鲁山县某超市"), cause=kw.pop("cause", "销售过期食品"),
                     closed_on=closed_on, major=kw.pop("major", False))
    return operations.add_case(camp, unit, data, user, **kw)


def item(camp, name_part):
    return next(i for i in camp.standard.items if name_part in i.name)


def deduct(**by_item):
    """{item id: (points, note, as_problem)} → the entries save_review takes."""
    return {k: DeductionInput(str(p), n, a) for k, (p, n, a) in by_item.items()}
