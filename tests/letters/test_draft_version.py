"""Two people editing one letter draft: the second save, made from a form opened before the first, is refused
and shows the first person's change; nothing the second typed is lost, and saving again then wins."""
import re

import pytest

from supervision.extensions import db
from supervision.letters import errors, operations
from supervision.letters.models import Letter
from tests.helpers import login_as

from .conftest import make_visit


def _version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def _post(client, letter, version, texts, case_name=""):
    data = {"letter_type_id": letter["type"], "case_name": case_name, "case_number": "", "period_days": 30,
            "version": version}
    for n, (item_id, text) in enumerate(zip(letter["items"], texts), start=1):
        data[f"text-{item_id}"] = text
        data[f"pos-{item_id}"] = n
    return client.post(f"/letters/{letter['id']}/edit", data=data)


@pytest.fixture
def two_admins(app):
    first, second = app.test_client(), app.test_client()
    one = login_as(first, "admin", username="wang")
    login_as(second, "admin", username="li")
    with app.app_context():
        from supervision.accounts.models import User

        draft = operations.draft_letter(make_visit(), db.session.get(User, one.id))
        db.session.commit()
        letter = {"id": draft.id, "type": draft.letter_type_id, "items": [i.id for i in draft.items]}
    return first, second, letter


def test_the_later_save_from_an_older_form_is_refused_and_shows_the_other_change(app, two_admins):
    first, second, letter = two_admins
    v1 = _version(first.get(f"/letters/{letter['id']}/edit").get_data(as_text=True))
    v2 = _version(second.get(f"/letters/{letter['id']}/edit").get_data(as_text=True))
    assert v1 == v2
    assert _post(first, letter, v1, ["执法人员未按规定着装", "未公示权责清单"], case_name="张某某无证经营").status_code == 302
    resp = _post(second, letter, v2, ["执法记录仪未全程开启", "未公示权责清单"])
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "保存被拒绝" in page and "wang" in page
    assert "第一个问题改为“执法人员未按规定着装”" in page and "案件名称由“”改为“张某某无证经营”" in page
    assert "执法记录仪未全程开启" in page  # what the second person typed is still in the form
    with app.app_context():
        saved = db.session.get(Letter, letter["id"])
        assert [i.text for i in saved.items][0] == "执法人员未按规定着装"  # the first save stands
        assert saved.case_name == "张某某无证经营"
    # having seen the change, saving again (the form now carries the current version) wins
    assert _post(second, letter, _version(page), ["执法记录仪未全程开启", "未公示权责清单"]).status_code == 302
    with app.app_context():
        assert db.session.get(Letter, letter["id"]).items[0].text == "执法记录仪未全程开启"


def test_removing_a_problem_makes_an_open_form_stale(app, two_admins):
    first, second, letter = two_admins
    v = _version(second.get(f"/letters/{letter['id']}/edit").get_data(as_text=True))
    assert first.post(f"/letters/{letter['id']}/items/{letter['items'][1]}/remove").status_code == 302
    resp = _post(second, {**letter, "items": letter["items"][:1]}, v, ["执法记录仪未全程开启"])
    assert resp.status_code == 409 and "移出问题" in resp.get_data(as_text=True)


def test_compare_and_set_refuses_a_stale_version_in_the_service(ctx, admin):
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    seen = letter.version
    item = letter.items[0]
    operations.update_draft(letter, {"items": {item.id: (1, "甲")}}, admin, expected_version=seen)
    db.session.commit()
    assert letter.version == seen + 1
    with pytest.raises(errors.LetterConflict) as exc:
        operations.update_draft(letter, {"items": {item.id: (1, "乙")}}, admin, expected_version=seen)
    db.session.rollback()
    assert exc.value.changes == ["第一个问题改为“甲”"]
    assert db.session.get(Letter, letter.id).items[0].text == "甲"
