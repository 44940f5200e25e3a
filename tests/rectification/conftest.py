"""Fixtures for rectification: letters built through the real letters flow (draft from a submitted visit,
issue, record delivery), and small helpers to make uploads."""
import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.uploads import check_upload
from supervision.visits.models import Problem, Visit
from supervision.visits.operations import ensure_default_catalogue
from tests.helpers import make_unit, make_user

LETTER = "需下达意见书"


def make_letter(admin, unit=None, problems=("执法人员未按规定着装。", "行政处罚案卷未按规定装订。"),
                issue_date=date(2021, 8, 30), receipt_date=date(2021, 9, 1), item_index=0):
    """An issued letter to `unit` (delivered on receipt_date unless None), via the letters service."""
    cat = ensure_default_catalogue()
    unit = unit or make_unit()
    visit = Visit(kind="concentrated", status="submitted", unit_id=unit.id, catalogue_id=cat.id,
                  visit_date=issue_date.replace(day=1), version=1)
    db.session.add(visit)
    db.session.flush()
    for seq, text in enumerate(problems, start=1):
        item = cat.items[(item_index + seq - 1) % len(cat.items)]
        db.session.add(Problem(visit_id=visit.id, seq=seq, item_id=item.id, description=text, disposition=LETTER))
    db.session.commit()
    draft = letters.draft_letter(visit, admin)
    db.session.commit()
    letter = letters.issue_letter(draft.id, admin, issue_date=issue_date)
    if receipt_date is not None:
        letters.record_delivery(letter, receipt_date, admin)
        db.session.commit()
    return letter


PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def upload(data: bytes, name: str):
    """A checked upload, as a view would pass it to the service."""
    return check_upload(FileStorage(stream=io.BytesIO(data), filename=name))


@pytest.fixture
def unit(ctx):
    return make_unit("鲁山县瀼河乡人民政府", kind="乡镇")


@pytest.fixture
def unit_user(unit):
    return make_user("unit", unit=unit, display_name="瀼河乡联络员")
