"""签收 / 送达 and the deadline counted from it."""
import os
from datetime import date, datetime, timedelta

import pytest

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.letters import errors, operations
from supervision.letters.models import Letter
from supervision.timeutil import TZ, today
from tests.helpers import make_user

from .conftest import make_visit

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")


@pytest.fixture
def issued(admin, rang_unit):
    letter = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    return operations.issue_letter(letter.id, admin, issue_date=date(2021, 8, 30))


def test_unit_signs_and_the_deadline_passes_national_day(issued, rang_unit):
    clerk = make_user("unit", unit=rang_unit)
    operations.record_receipt(issued, clerk, when=datetime(2021, 9, 1, 9, 30, tzinfo=TZ))
    db.session.commit()
    assert issued.receipt_kind == "sign" and issued.receipt_label == "签收"
    assert issued.receipt_date == date(2021, 9, 1)
    assert issued.deadline == date(2021, 10, 8)
    assert issued.deadline_note == "2021-09-01 签收 + 30 日 = 2021-10-01，国庆节顺延至 2021-10-08"
    assert db.session.query(AuditEntry).filter_by(record_id=issued.id, action="receipt").count() == 1
    with pytest.raises(errors.LetterError, match="已于2021年9月1日签收"):
        operations.record_receipt(issued, clerk, when=datetime(2021, 9, 2, tzinfo=TZ))


def test_only_the_units_own_user_signs(issued):
    stranger = make_user("unit")
    with pytest.raises(errors.LetterError):
        operations.record_receipt(issued, stranger)


def test_admin_records_paper_delivery(issued, admin):
    operations.record_delivery(issued, date(2021, 3, 1) + timedelta(days=183), admin)  # 2021-08-31
    assert issued.receipt_kind == "paper" and issued.deadline_note.startswith("2021-08-31 送达 + 30 日")
    assert issued.deadline == date(2021, 9, 30)


def test_delivery_date_must_be_plausible(issued, admin):
    with pytest.raises(errors.LetterError, match="早于成文日期"):
        operations.record_delivery(issued, date(2021, 8, 1), admin)
    with pytest.raises(errors.LetterError, match="晚于今天"):
        operations.record_delivery(issued, today() + timedelta(days=1), admin)


def test_unknown_year_does_not_block_receipt_the_deadline_is_pending(issued, admin):
    issued.period_days = 365 * 2  # lands in a year chinesecalendar does not know
    db.session.commit()
    operations.record_delivery(issued, today(), admin)
    db.session.commit()
    fresh = db.session.get(Letter, issued.id)
    assert fresh.receipt_date == today() and fresh.receipt_kind == "paper" and fresh.deadline is None
    assert fresh.deadline_pending and "工作日历未录入" in fresh.deadline_text and "待定" in fresh.deadline_note


def test_voided_letters_cannot_be_signed(issued, admin, rang_unit):
    operations.void_letter(issued, "错发", admin)
    with pytest.raises(errors.LetterError):
        operations.record_receipt(issued, make_user("unit", unit=rang_unit))
