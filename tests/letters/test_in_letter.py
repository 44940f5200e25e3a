"""problem.in_letter mirrors letter_problem: true exactly while a live letter carries the problem, through
every way a letter's problems change — so the dashboard's "awaiting a letter" (an index seek on it) never
loses or invents a problem."""
from datetime import date

from sqlalchemy import select, text

from supervision.extensions import db
from supervision.letters import operations
from supervision.visits import queries as visits_queries
from supervision.visits.models import Problem
from tests.helpers import make_unit

from .conftest import FIXED, LETTER, make_visit

D = date(2021, 4, 9)


def _flags() -> dict[int, bool]:
    return {pid: bool(flag) for pid, flag in db.session.execute(select(Problem.id, Problem.in_letter))}


def _carried() -> dict[int, bool]:
    """The record: a live letter_problem row exists."""
    rows = db.session.execute(text(
        "SELECT p.id, EXISTS (SELECT 1 FROM letter_problem lp WHERE lp.problem_id = p.id AND lp.live) FROM problem p"))
    return {pid: bool(flag) for pid, flag in rows}


def _check(expected_carried: set[int], problems: list[Problem]) -> None:
    db.session.expire_all()
    assert _flags() == _carried()
    assert {p.id for p in problems if _flags()[p.id]} == expected_carried
    awaiting = {p.id for p in visits_queries.problems_awaiting_letter()}
    assert awaiting == {p.id for p in problems if p.disposition == LETTER} - expected_carried
    assert visits_queries.count_problems_awaiting_letter() == len(awaiting)


def test_in_letter_follows_every_change_of_a_letters_problems(ctx, admin):
    unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
    visit = make_visit(unit, problems=(LETTER, LETTER, FIXED))
    other_visit = make_visit(unit, problems=(LETTER,))
    third_visit = make_visit(unit, problems=(LETTER,))
    p1, p2, fixed = sorted(visit.problems, key=lambda p: p.seq)
    (p3,), (p4,) = other_visit.problems, third_visit.problems
    everything = [p1, p2, fixed, p3, p4]
    _check(set(), everything)

    first = operations.draft_letter(visit, admin)  # drafting puts the visit's waiting problems in
    db.session.commit()
    _check({p1.id, p2.id}, everything)

    item2 = next(i for i in first.items if i.problem_id == p2.id)
    operations.remove_problem(item2, admin)
    db.session.commit()
    _check({p1.id}, everything)

    operations.add_problem(first, p3, admin)
    db.session.commit()
    _check({p1.id, p3.id}, everything)

    second = operations.draft_letter(third_visit, admin)
    db.session.commit()
    _check({p1.id, p3.id, p4.id}, everything)

    item3 = next(i for i in first.items if i.problem_id == p3.id)
    operations.move_problem(item3, second, admin)  # moved, still carried
    db.session.commit()
    _check({p1.id, p3.id, p4.id}, everything)

    operations.delete_draft(second, admin)  # its problems wait again
    db.session.commit()
    _check({p1.id}, everything)

    issued = operations.issue_letter(first.id, admin, issue_date=D)
    db.session.commit()
    _check({p1.id}, everything)

    operations.void_letter(issued, "文号错误", admin)
    db.session.commit()
    _check(set(), everything)

    operations.draft_correction(issued, admin)
    db.session.commit()
    _check({p1.id}, everything)
