"""Fixtures for letters: submitted visits with problems, built straight from the models."""
import itertools
from datetime import date

import pytest

from supervision.extensions import db
from supervision.visits.models import Problem, Visit
from supervision.visits.operations import ensure_default_catalogue
from tests.helpers import make_unit

LETTER = "需下达意见书"
FIXED = "立行立改"
_day = itertools.count(1)


def make_visit(unit=None, problems=(LETTER, LETTER), inspectors=(), visit_date=None, status="submitted",
               case_file=""):
    """A visit of `unit` with problems given as dispositions or (text, disposition) pairs."""
    cat = ensure_default_catalogue()
    unit = unit or make_unit()
    visit = Visit(kind="concentrated", status=status, unit_id=unit.id, catalogue_id=cat.id,
                  visit_date=visit_date or date(2021, 4, 1 + next(_day) % 25), version=1)
    visit.inspectors = list(inspectors)
    db.session.add(visit)
    db.session.flush()
    item = cat.items[0]
    for seq, p in enumerate(problems, start=1):
        text, disp = p if isinstance(p, tuple) else (f"{unit.name}问题{seq}：执法人员未按规定着装", p)
        db.session.add(Problem(visit_id=visit.id, seq=seq, item_id=item.id, description=text, disposition=disp,
                               case_file=case_file))
    db.session.commit()
    return visit


@pytest.fixture
def rang_unit(ctx):
    return make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
