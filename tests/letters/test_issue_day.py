"""A 成文日期 on a rest day is worth a word of warning, never a refusal; a year nobody knows gives none."""
import os
from datetime import date

import pytest

from supervision import timeutil
from supervision.extensions import db
from supervision.letters import operations, queries
from supervision.letters.models import Letter
from tests.helpers import login_as

from .conftest import make_visit

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")


def test_rest_day_warning_words(ctx):
    assert queries.rest_day_warning(date(2021, 10, 1)) == "成文日期2021年10月1日是休息日（国庆节）。"
    assert queries.rest_day_warning(date(2021, 9, 4)) == "成文日期2021年9月4日是休息日（星期六）。"
    assert queries.rest_day_warning(date(2021, 10, 9)) == ""  # a 调休 Saturday is a working day
    assert queries.rest_day_warning(date(2021, 9, 1)) == ""
    assert queries.rest_day_warning(date(2031, 10, 1)) == ""  # UnknownYear: no warning, no error


@pytest.mark.parametrize("today, warned", [(date(2021, 10, 1), True), (date(2021, 9, 1), False),
                                           (date(2031, 10, 1), False)])
def test_issuing_on_a_rest_day_warns_but_issues(ctx, client, monkeypatch, today, warned):
    admin = login_as(client, "admin")
    monkeypatch.setattr(timeutil, "today", lambda: today)
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    show = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert ("是休息日（" in show) is warned
    page = client.post(f"/letters/{letter.id}/issue", follow_redirects=True).get_data(as_text=True)
    assert "已签发" in page
    assert ("是休息日（国庆节）。如成文日期有误" in page) is warned
    db.session.expire_all()
    issued = db.session.get(Letter, letter.id)
    assert issued.is_issued and issued.issue_date == today
