"""Fixtures for visits: the seeded catalogue, a plan slot, small factories."""
from datetime import date

import pytest

from supervision.extensions import db
from supervision.schedule.models import Slot
from supervision.visits import operations
from supervision.visits.models import Disposition, Method, Rating
from tests.helpers import make_unit, make_user, office


@pytest.fixture
def catalogue(ctx):
    cat = operations.ensure_default_catalogue()
    db.session.commit()
    return cat


def make_slot(units, inspectors=(), year=2021, month=4, week=1, start=date(2021, 4, 5), end=date(2021, 4, 9)):
    slot = Slot(year=year, month=month, week=week, start_date=start, end_date=end, lead_office_id=office().id)
    slot.units = list(units)
    slot.inspectors = list(inspectors)
    db.session.add(slot)
    db.session.commit()
    return slot


@pytest.fixture
def plan(catalogue):
    """A 2021 slot with two units and an inspector; returns a small namespace of the pieces."""
    inspector = make_user("inspector", display_name="张检查")
    unit_a = make_unit("鲁山县司法局")
    unit_b = make_unit("鲁山县发展和改革委员会")
    slot = make_slot([unit_a, unit_b], [inspector], month=4, week=2, start=date(2021, 4, 12), end=date(2021, 4, 16))

    class Plan:
        pass

    p = Plan()
    p.inspector, p.unit_a, p.unit_b, p.slot, p.catalogue = inspector, unit_a, unit_b, slot, catalogue
    return p


def rate_all(visit, rating=Rating.good, user=None, skip=()):
    for item in visit.catalogue.items:
        if item.key not in skip:
            operations.rate_item(visit, item, rating, user=user)


def complete_visit(visit, user, problems=(), rating=Rating.good):
    """Fill what submission needs, add problems [(item key, text, disposition)], submit, commit."""
    visit.methods = Method.report.value + "," + Method.case_files.value
    if not visit.inspectors:
        visit.inspectors = [user]
    rate_all(visit, rating, user)
    items = {i.key: i for i in visit.catalogue.items}
    for key, text, disp in problems:
        operations.add_problem(visit, item=items[key], description=text, disposition=disp,
                            fix_action="当场整改。" if disp == Disposition.fixed else "", user=user)
    operations.submit_visit(visit, user)
    db.session.commit()
    return visit


def form_data(visit, **over):
    """The POST body the visit form would send for `visit` as it is stored."""
    data = {
        "version": str(visit.version),
        "visit_date": visit.visit_date.isoformat(),
        "subject": visit.subject,
        "inspector_ids": [str(u.id) for u in visit.inspectors],
        "methods": visit.method_codes,
        "case_files": visit.case_files,
        "test_takers": "" if visit.test_takers is None else str(visit.test_takers),
        "test_average": "" if visit.test_average is None else str(visit.test_average),
        "test_lowest": "" if visit.test_lowest is None else str(visit.test_lowest),
        "summary": visit.summary,
        "problem_keys": [],
    }
    for r in visit.ratings:
        data[f"rating-{r.item_id}"] = r.rating
        data[f"note-{r.item_id}"] = r.note
    for p in visit.problems:
        key = str(p.id)
        data["problem_keys"].append(key)
        data.update({f"problem-{key}-id": str(p.id), f"problem-{key}-item_id": str(p.item_id),
                     f"problem-{key}-subpoint_id": str(p.subpoint_id or ""),
                     f"problem-{key}-description": p.description, f"problem-{key}-evidence": p.evidence,
                     f"problem-{key}-case_file": p.case_file, f"problem-{key}-disposition": p.disposition,
                     f"problem-{key}-fix_action": p.fix_action})
    data.update(over)
    return data
