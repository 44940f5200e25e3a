"""Every GET page, for each role, with hostile values in its address: out-of-range and malformed numbers, years,
pages, ids and dates answer 200, a redirect, 400 or 404 — never a 500 (a number past 2**63 used to reach the
database and fail there; a date past 9999 overflowed)."""
import pytest

from supervision.extensions import db
from supervision.policy import view_roles
from supervision.reminders.operations import notify
from tests.helpers import login, make_unit, make_user
from tests.rectification.conftest import make_letter
from tests.visits.conftest import make_slot

ROLES = ("admin", "inspector", "unit", "leader")
# Every query argument a view or template reads (grep request.args / int_arg), and Flask-SQLAlchemy's page.
NAMES = ("year", "unit", "page", "type", "status", "format", "item", "kind", "disposition", "unread", "failed",
         "inactive", "q", "role", "next", "inline", "download", "date", "user", "record_type", "record_id",
         "start", "end", "slot", "slot_id", "follow_up_of", "per_page", "id")
HOSTILE = ("99999999999999999999", "-1", "0", "2026-13-45", "9999-12-31", "0001-01-01", "abc", "9" * 5000, "1e309",
           "' OR 1=1 --")
# Each alone as well: with every argument hostile at once, one may hide another.
SINGLY = ("year", "page", "date")
BIG = 2 ** 64


@pytest.fixture
def world(app):
    """A little of everything, so that id 1 of most things exists and the pages go past their lookups."""
    with app.app_context():
        unit = make_unit("鲁山县司法局")
        admin = make_user("admin", username="admin_h")
        inspector = make_user("inspector", username="inspector_h")
        make_user("unit", username="unit_h", unit=unit)
        make_user("leader", username="leader_h")
        make_slot([unit], [inspector])
        make_letter(admin, unit)
        notify(admin, "提醒", "正文")
        db.session.commit()


def _urls(rule):
    """The rule's address with id 1 (and "x"*32 for a text part), and, when it has an id, with an id past 2**63
    (the converter refuses to build that: it is written in by hand)."""
    ints = [a for a in rule.arguments if type(rule._converters[a]).__name__ in ("IntegerConverter", "IdConverter")]
    marker = 987654321
    values = {a: (marker if a in ints else "0123456789abcdef" * 2) for a in rule.arguments}
    try:
        url = rule.build(values, append_unknown=False)[1]
    except Exception:  # noqa: BLE001 - a part our values do not fit: not reachable this way
        return []
    return [url.replace(str(marker), "1")] + ([url.replace(str(marker), str(BIG))] if ints else [])


def _get(client, url):
    try:
        return client.get(url).status_code
    except Exception as exc:  # noqa: BLE001 - TESTING lets the exception through where a server would answer 500
        return f"500 {type(exc).__name__}: {str(exc)[:100]}"


@pytest.mark.parametrize("role", ROLES)
def test_no_get_page_answers_500_to_hostile_query_values(app, world, role):
    client = app.test_client()
    assert login(client, f"{role}_h").status_code == 302
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "accounts.logout"):
            continue
        if role not in (view_roles(app.view_functions[rule.endpoint]) or ROLES):
            continue  # refused (403) before it reads anything: tests/test_access.py
        urls = _urls(rule)
        if not urls:
            continue
        tries = [urls[0]] + [urls[0] + "?" + "&".join(f"{n}={v}" for n in NAMES) for v in HOSTILE]
        tries += [f"{urls[0]}?{n}={v}" for n in SINGLY for v in HOSTILE[:4]]
        tries += urls[1:]  # an id past 2**63 in the path
        for url in tries:
            status = _get(client, url)
            if not isinstance(status, int) or status >= 500:
                failures.append((rule.endpoint, url[:100], status))
    assert not failures, f"{len(failures)} answers of 500:\n" + "\n".join(map(str, failures[:40]))


def test_ids_posted_past_2_63_are_refused_not_a_500(app, world):
    client = app.test_client()
    assert login(client, "admin_h").status_code == 302
    with app.app_context():
        from supervision.letters.models import Letter

        letter = db.session.query(Letter).one()
        letter_id, item_id = letter.id, letter.items[0].id
    for path, form in ((f"/letters/{letter_id}/items/{item_id}/move", {"target_id": str(BIG)}),
                       (f"/letters/{letter_id}/add-problem", {"problem_id": str(BIG)}),
                       ("/letters/draft/1", {"letter_type_id": str(BIG)}),
                       ("/schedule/rotate", {"year": str(BIG)})):
        status = _post(client, path, form)
        assert isinstance(status, int) and status < 500, (path, status)


def _post(client, url, form):
    try:
        return client.post(url, data=form).status_code
    except Exception as exc:  # noqa: BLE001 - as _get
        return f"500 {type(exc).__name__}: {str(exc)[:100]}"
