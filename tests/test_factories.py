"""The test factories build only states the services allow: an issued letter carries at least one problem from a
submitted visit of its unit, its number, frozen text, stored PDF and issue audit entry, as issue_letter leaves it;
a received one has the deadline and receipt audit record_delivery leaves. A factory that writes rows by hand
(an issued letter with no problems, which letters.service refuses to issue) fails here."""
from datetime import date

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.letters.models import LetterFile
from supervision.visits.models import VisitStatus
from tests.helpers import make_unit, make_user


def assert_issued_as_the_service_leaves_it(letter, received: bool) -> None:
    assert letter.is_issued and letter.number and letter.seq and letter.year == letter.issue_date.year
    assert letter.content_json is not None and letter.issued_by_id is not None
    assert letter.items, "an issued letter without problems: issue_letter refuses that"
    assert letter.problem_count == len(letter.items)
    for item in letter.items:
        problem = item.problem
        assert item.live and item.text.strip()
        assert problem.in_letter and problem.visit.unit_id == letter.unit_id
        assert problem.visit.status == VisitStatus.submitted.value
    assert db.session.query(LetterFile).filter_by(letter_id=letter.id, kind="pdf").count() == 1
    actions = [a for (a,) in db.session.query(AuditEntry.action).filter_by(record_type="letter",
                                                                            record_id=letter.id)]
    assert "issue" in actions
    if received:
        assert letter.receipt_date and letter.deadline and "receipt" in actions
    else:
        assert letter.receipt_date is None and letter.deadline is None


def test_the_reminders_factory_issues_letters_through_the_letters_service(ctx):
    from tests.reminders.factories import make_letter

    unit = make_unit()
    make_user("unit", unit=unit)
    assert_issued_as_the_service_leaves_it(make_letter(unit, date(2021, 2, 26), receipt_date=date(2021, 3, 1)),
                                           received=True)
    assert_issued_as_the_service_leaves_it(make_letter(unit, date(2021, 4, 6)), received=False)
    longer = make_letter(unit, date(2021, 4, 6), receipt_date=date(2021, 4, 7), period=45)
    assert longer.period_days == 45
    assert_issued_as_the_service_leaves_it(longer, received=True)


def test_the_rectification_factory_issues_letters_through_the_letters_service(ctx):
    from tests.rectification.conftest import make_letter

    admin = make_user("admin")
    assert_issued_as_the_service_leaves_it(make_letter(admin), received=True)
    assert_issued_as_the_service_leaves_it(make_letter(admin, receipt_date=None), received=False)
