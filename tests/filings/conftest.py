"""Fixtures for the filing registers: a unit with its user, small PDFs, a filing made through the services."""
from datetime import date, datetime

import pytest

from supervision import timeutil
from supervision.extensions import db
from supervision.filings import operations
from supervision.uploads import PDF, CheckedFile
from tests.helpers import make_unit, make_user

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="材料.pdf") -> CheckedFile:
    return CheckedFile(data=PDF_BYTES, kind=PDF, original_name=name)


def all_materials() -> dict:
    return {owner: pdf(f"{label}.pdf") for owner, label in operations.PENALTY_MATERIALS}


def penalty_data(**kw) -> dict:
    data = {"decision_number": "鲁市监罚〔2026〕12号", "party_kind": "person", "party_name": "张三",
            "party_id": "410423199001011234", "cause": "销售不合格食品", "penalty": "罚款人民币五万元",
            "decision_date": "2026-09-22"}
    data.update(kw)
    return data


def set_today(monkeypatch, day: date) -> None:
    monkeypatch.setattr(timeutil, "now", lambda: datetime(day.year, day.month, day.day, 10, 0, tzinfo=timeutil.TZ))


@pytest.fixture
def unit_user(ctx):
    unit = make_unit("鲁山县市场监督管理局")
    return make_user("unit", unit=unit)


def file_penalty(user, submit=True, **kw):
    f = operations.save_penalty(None, penalty_data(**kw), all_materials(), user, submit=submit)
    db.session.commit()
    return f
