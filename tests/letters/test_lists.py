"""The letters list and the 发文登记 at a size where they page: drafts first, then the numbered letters newest
first, 50 (list) or 100 (register) a page, with the total; the statements a page costs do not grow with the
letters; the register's .xlsx still has every row."""
import io
from datetime import date, timedelta

import openpyxl

from supervision.extensions import db
from supervision.letters.models import Letter, LetterStatus
from supervision.letters.operations import ensure_default_type
from tests.helpers import login_as, make_unit, sql_statements

START = date(2021, 1, 4)


def add_letters(unit, n: int, first_seq: int = 1) -> list[Letter]:
    """n numbered letters issued a day apart (seq = day order), as issuing leaves them (no PDF: not shown here)."""
    lt = ensure_default_type()
    out = []
    for k in range(first_seq, first_seq + n):
        day = START + timedelta(days=k)
        out.append(Letter(letter_type_id=lt.id, unit_id=unit.id, status=LetterStatus.issued.value, year=day.year,
                          seq=k, number=f"鲁政行监字〔{day.year}〕{k}号", issue_date=day, problem_count=0))
    db.session.add_all(out)
    db.session.commit()
    return out


def statements(client, url: str) -> tuple[int, str]:
    with sql_statements(client.application) as seen:
        html = client.get(url).get_data(as_text=True)
    return len(seen), html


def test_letters_list_pages_newest_first_with_drafts_on_top(ctx, client):
    unit = make_unit("鲁山县交通运输局")
    letters = add_letters(unit, 120)
    draft = Letter(letter_type_id=letters[0].letter_type_id, unit_id=unit.id, status=LetterStatus.draft.value)
    db.session.add(draft)
    db.session.commit()
    newest, oldest, draft_id = letters[-1].number, letters[0].number, draft.id
    login_as(client, "admin")

    first = client.get("/letters/").get_data(as_text=True)
    assert "共 120 份" in first
    assert first.index(f"草稿 #{draft_id}") < first.index(newest) < first.index(letters[-50].number)
    assert letters[-51].number not in first and oldest not in first
    third = client.get("/letters/?page=3").get_data(as_text=True)
    assert oldest in third and letters[19].number in third and letters[20].number not in third
    assert f"草稿 #{draft_id}" not in third  # drafts head the first page only
    assert "?page=2" in third
    assert f"草稿 #{draft_id}" in client.get("/letters/?status=draft").get_data(as_text=True)
    assert newest not in client.get("/letters/?status=draft").get_data(as_text=True)


def test_a_letters_page_costs_the_same_statements_however_many_letters(ctx, client):
    unit = make_unit()
    add_letters(unit, 60)
    login_as(client, "admin")
    client.get("/letters/")  # the first visit creates the default letter type
    before, _ = statements(client, "/letters/")
    reg_before, _ = statements(client, "/letters/register")
    for k in range(5):  # newer letters of five more units: a per-row load would show as more statements
        add_letters(make_unit(), 28, first_seq=61 + 28 * k)
    after, html = statements(client, "/letters/")
    reg_after, reg = statements(client, "/letters/register")
    assert "共 200 份" in html and "共 200 件" in reg
    assert after == before and reg_after == reg_before


def test_register_pages_in_number_order_and_exports_every_row(ctx, client):
    letters = add_letters(make_unit("鲁山县审计局"), 130)
    login_as(client, "leader")
    second = client.get("/letters/register?page=2").get_data(as_text=True)
    assert letters[100].number in second and letters[99].number not in second
    assert "<td>101</td>" in second  # numbering runs on across pages
    xlsx = client.get("/letters/register?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == [x.number for x in letters]
    assert rows[-1][0] == 130 and rows[0][3] == "鲁山县审计局" and rows[0][4].date() == letters[0].issue_date
