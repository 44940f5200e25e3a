"""Spreadsheet formula injection: text a user typed that a spreadsheet would run as a formula (= + - @, or a
leading tab or carriage return) is written as text in every .xlsx export — the letters register, the
整改台账, the schedule export and the unit accounts' initial passwords — never as a formula cell."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from supervision.extensions import db
from supervision.letters import operations as letters
from tests.helpers import login, make_unit, make_user
from tests.letters.conftest import make_visit
from tests.reminders.factories import make_slot

PAYLOADS = ("=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0", "@SUM(1)",
            '=HYPERLINK("http://evil.example/","点此")', "\t=1+1", "\r=1+1")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
L = "需下达意见书"


@pytest.fixture
def injected(app):
    with app.app_context():
        admin = make_user("admin")
        inspectors = [make_user("inspector", display_name=p[:20] + "检查员") for p in PAYLOADS[:3]]
        units = [make_unit(p + "单位", kind="乡镇") for p in PAYLOADS]
        for n, unit in enumerate(units):
            v = make_visit(unit, problems=((PAYLOADS[n] + "问题", L), (PAYLOADS[-n - 1], L)), inspectors=inspectors)
            draft = letters.draft_letter(v, admin)
            letters.update_draft(draft, {"case_name": PAYLOADS[n]}, admin)
            db.session.commit()
            letter = letters.issue_letter(draft.id, admin, issue_date=date(2021, 8, 30))
            if n % 2:
                letters.void_letter(letter, PAYLOADS[n], admin)
            else:
                letters.record_delivery(letter, date(2021, 9, 1), admin)
            db.session.commit()
        slot = make_slot(date(2021, 3, 1), units=units[:4], inspectors=inspectors)
        slot.dates_overridden = True
        slot.override_note = PAYLOADS[3]
        db.session.commit()
        make_unit("=2+3无账号单位", kind="县直")
        return admin.username


def _check(data: bytes, what: str) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{what} {c.coordinate}: formula cell {c.value!r}"
                if isinstance(c.value, str):
                    assert not c.value.startswith(DANGEROUS), f"{what} {c.coordinate}: {c.value!r}"
                    texts.append(c.value)
    return texts


def test_every_xlsx_export_neutralises_formulas(app, injected):
    client = app.test_client()
    login(client, injected)
    exports = {
        "register": client.get("/letters/register?format=xlsx"),
        "register 2021": client.get("/letters/register?format=xlsx&year=2021"),
        "ledger": client.get("/rectification/ledger.xlsx"),
        "schedule": client.get("/schedule/export.xlsx?year=2021"),
        "unit accounts": client.post("/users/unit-accounts"),
    }
    for what, resp in exports.items():
        assert resp.status_code == 200, what
        texts = "\n".join(_check(resp.data, what))
        # The text is still there, readable, behind the leading apostrophe.
        assert "'=cmd|' /C calc'!A0" in texts or "=2+3" in texts, what
    assert "'=2+3无账号单位" in "\n".join(_check(exports["unit accounts"].data, "unit accounts"))
    assert "'=cmd|' /C calc'!A0单位" in "\n".join(_check(exports["schedule"].data, "schedule"))
