"""The visit lists at province scale: 问题清单 and 检查记录 are paged by the database with the total shown, every
filter (the problem's state too) is a SQL condition that agrees with problem_state, and a page — with the unit
history and the year's statistics — costs the same number of SQL statements however many rows there are."""
import re
from datetime import date

from sqlalchemy import select

from supervision.accounts.models import Role, User
from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.visits import operations, queries
from supervision.visits.models import CheckSubpoint, Disposition, Problem, ProblemState, Rating, Visit, VisitRating
from tests.helpers import login_as, make_unit, make_user, sql_statements

LETTER, FIXED = Disposition.letter.value, Disposition.fixed.value


def add_visit(unit, day, problems, status="submitted", item_index=0, inspectors=(), created_by=None,
              subpoint=False):
    """A visit straight from the models; problems are (description, disposition) pairs."""
    cat = operations.ensure_default_catalogue()
    visit = Visit(kind="routine", status=status, unit_id=unit.id, catalogue_id=cat.id, visit_date=day, version=1,
                  created_by_id=created_by.id if created_by else None)
    visit.inspectors = list(inspectors)
    db.session.add(visit)
    db.session.flush()
    item = cat.items[item_index]
    for seq, (text, disp) in enumerate(problems, start=1):
        db.session.add(Problem(visit_id=visit.id, seq=seq, item_id=item.id, description=text, disposition=disp,
                               subpoint_id=item.subpoints[0].id if subpoint and seq == 1 else None))
    db.session.add(VisitRating(visit_id=visit.id, item_id=item.id, rating=Rating.good.value))
    db.session.commit()
    return visit


def codes(html: str) -> list[str]:
    """The problem descriptions (written as P + digits) in the order the page shows them."""
    return re.findall(r"<td>(P\d+)</td>", html)


def statements(client, url: str) -> int:
    """How many SQL statements one GET of `url` runs."""
    db.session.expire_all()  # as in a fresh request: nothing the test loaded saves the page a statement
    with sql_statements(client.application) as seen:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return len(seen)


# ---------------------------------------------------------------- 问题清单


def test_problem_list_is_paged_newest_visit_first_with_the_total(client, ctx):
    unit = make_unit("鲁山县市场监督管理局")
    for n, day in enumerate((date(2021, 3, 1), date(2021, 5, 1), date(2021, 7, 1))):
        add_visit(unit, day, [(f"P{n}{seq:02d}", LETTER) for seq in range(1, 21)])
    login_as(client, "admin")

    first = client.get("/visits/problems").get_data(as_text=True)
    second = client.get("/visits/problems?page=2").get_data(as_text=True)
    # Newest visit first, in each visit the problems in their order; 50 to a page.
    expected = [f"P{n}{seq:02d}" for n in (2, 1, 0) for seq in range(1, 21)]
    assert codes(first) == expected[:50]
    assert codes(second) == expected[50:]
    assert "共 60 条，第 1/2 页" in first and "共 60 条，第 2/2 页" in second
    assert 'href="/visits/problems?page=2"' in first
    # Past the last page: no rows, no error.
    beyond = client.get("/visits/problems?page=9")
    assert beyond.status_code == 200 and "没有符合条件的问题。" in beyond.get_data(as_text=True)


def test_problem_list_filters_by_year_unit_item_and_disposition_and_pages_keep_them(client, ctx):
    a, b = make_unit("鲁山县林业局"), make_unit("鲁山县水利局")
    add_visit(a, date(2021, 4, 1), [("P101", LETTER), ("P102", FIXED)], item_index=0)
    add_visit(a, date(2022, 4, 1), [("P201", LETTER), ("P202", FIXED)], item_index=1)
    add_visit(b, date(2022, 5, 1), [("P301", LETTER)], item_index=1)
    add_visit(a, date(2022, 6, 1), [(f"P4{seq:02d}", LETTER) for seq in range(1, 56)], item_index=1)
    item1 = operations.ensure_default_catalogue().items[1].key
    login_as(client, "leader")

    def shown(query):
        return set(codes(client.get("/visits/problems?" + query).get_data(as_text=True)))

    assert shown(f"year=2021&unit={a.id}") == {"P101", "P102"}
    assert shown(f"year=2022&unit={b.id}") == {"P301"}
    assert shown(f"year=2022&item={item1}&disposition={FIXED}") == {"P202"}
    assert shown(f"unit={a.id}&disposition={FIXED}") == {"P102", "P202"}
    html = client.get(f"/visits/problems?year=2022&unit={a.id}&disposition={LETTER}").get_data(as_text=True)
    assert "共 56 条" in html  # P201 and the 55 of June
    # The next page keeps the filters.
    link = re.search(r'href="(/visits/problems\?[^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "year=2022" in link and f"unit={a.id}" in link and "disposition=" in link
    page2 = set(codes(client.get(link).get_data(as_text=True)))
    assert len(page2) == 6 and page2 <= {"P201"} | {f"P4{seq:02d}" for seq in range(1, 56)}


def _every_state(admin):
    """Problems in every state, the letter ones through the letters part as the app does it."""
    unit = make_unit("鲁山县交通运输局")
    add_visit(unit, date(2021, 3, 1), [("P1", LETTER), ("P2", FIXED)], status="draft")  # 检查未提交
    in_letter = add_visit(unit, date(2021, 4, 1), [("P3", LETTER), ("P4", LETTER), ("P5", FIXED)])
    letters.draft_letter(in_letter, admin)  # P3, P4 已纳入意见书; P5 已立行立改
    add_visit(unit, date(2021, 5, 1), [("P6", LETTER)])  # 待下达意见书
    taken_out = add_visit(unit, date(2021, 6, 1), [("P7", LETTER), ("P8", LETTER)])
    letter = letters.draft_letter(taken_out, admin)
    letters.remove_problem(next(i for i in letter.items if i.problem.description == "P8"), admin)  # P8 waits again
    deleted = add_visit(unit, date(2021, 7, 1), [("P9", LETTER)])
    letters.delete_draft(letters.draft_letter(deleted, admin), admin)  # its draft deleted: P9 waits again
    db.session.commit()
    return {"draft": {"P1", "P2"}, "fixed": {"P5"}, "in_letter": {"P3", "P4", "P7"},
            "awaiting_letter": {"P6", "P8", "P9"}}


def test_state_filter_in_sql_agrees_with_problem_state_for_every_state(client, ctx):
    admin = make_user("admin")
    expected = _every_state(admin)
    everything = db.session.scalars(select(Problem)).all()
    by_python = {code: {p.description for p in everything if queries.problem_state(p).value == code}
                 for code, _label in ProblemState.choices()}
    assert by_python == expected  # the set-up reaches every state
    for code, _label in ProblemState.choices():
        stmt = queries.visible_problems(admin, queries.ProblemFilter(status=code))
        assert {p.description for p in db.session.scalars(stmt)} == by_python[code], code
    assert db.session.scalars(queries.visible_problems(admin, queries.ProblemFilter(status="nonsense"))).all() == []

    # The page shows the same, with the state's label on each row; a leader never sees drafts.
    login_as(client, "inspector")
    for code, label in ProblemState.choices():
        html = client.get(f"/visits/problems?status={code}").get_data(as_text=True)
        assert set(codes(html)) == expected[code], code
        assert html.count(f">{label}</span>") == len(expected[code])
    client.post("/logout")
    login_as(client, "leader")
    assert codes(client.get("/visits/problems?status=draft").get_data(as_text=True)) == []
    assert set(codes(client.get("/visits/problems").get_data(as_text=True))) == set().union(
        *(v for k, v in expected.items() if k != "draft"))

    # The total shown is the number of rows listed, whoever asks and whatever the filter.
    other_unit = make_unit("鲁山县应急管理局")
    add_visit(other_unit, date(2022, 2, 1), [("P10", FIXED), ("P11", LETTER)])
    add_visit(other_unit, date(2022, 3, 1), [("P12", LETTER)], status="draft")
    leader = make_user("leader")
    for user in (admin, leader):
        for status in ("", "nonsense", *(code for code, _label in ProblemState.choices())):
            for year, unit_id in ((None, None), (2021, None), (2022, None), (None, other_unit.id)):
                for disposition in ("", FIXED, LETTER):
                    flt = queries.ProblemFilter(year=year, unit_id=unit_id, status=status, disposition=disposition)
                    listed = db.session.scalars(queries.visible_problems(user, flt)).all()
                    assert queries.count_visible_problems(user, flt) == len(listed), (user.role, flt)
                    if user is leader:
                        assert all(p.visit.status == "submitted" for p in listed)


# ---------------------------------------------------------------- 检查记录


def test_visit_list_is_paged_with_the_total_and_counts_problems_per_visit(client, ctx):
    unit = make_unit("鲁山县文化广电和旅游局")
    first = add_visit(unit, date(2021, 1, 4), [("P1", LETTER), ("P2", FIXED), ("P3", LETTER)])
    for n in range(54):
        add_visit(unit, date(2021, 2, 1 + n % 28), [])
    newest = add_visit(unit, date(2021, 12, 1), [("P9", FIXED)])
    login_as(client, "leader")

    page1 = client.get("/visits/").get_data(as_text=True)
    page2 = client.get("/visits/?page=2").get_data(as_text=True)
    assert "共 56 条，第 1/2 页" in page1 and "共 56 条，第 2/2 页" in page2
    assert len(re.findall(r'href="/visits/\d+"', page1)) == 50 and len(re.findall(r'href="/visits/\d+"', page2)) == 6
    assert f'href="/visits/{newest.id}"' in page1 and f'href="/visits/{newest.id}"' not in page2
    # The oldest visit is on page 2, with its 3 problems of which 2 need a letter.
    assert f'href="/visits/{first.id}"' not in page1
    row = re.search(rf'href="/visits/{first.id}".*?</tr>', page2, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["3", "2"]
    newest_row = re.search(rf'href="/visits/{newest.id}".*?</tr>', page1, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", newest_row) == ["1", "0"]


def test_visit_list_shows_only_my_drafts_in_my_drafts(client, ctx):
    unit = make_unit("鲁山县民政局")
    me = login_as(client, "inspector", display_name="李检查")
    other = make_user("inspector")
    mine = add_visit(unit, date(2021, 3, 1), [], status="draft", created_by=db.session.get(User, me.id))
    joined = add_visit(unit, date(2021, 3, 2), [], status="draft", created_by=other,
                       inspectors=[db.session.get(User, me.id)])
    theirs = add_visit(unit, date(2021, 3, 3), [], status="draft", created_by=other, inspectors=[other])
    html = client.get("/visits/").get_data(as_text=True)
    drafts = html.split("我的草稿（", 1)[1].split("</ul>", 1)[0]
    assert drafts.startswith("2）")
    assert f"/visits/{mine.id}/edit" in drafts and f"/visits/{joined.id}/edit" in drafts
    assert f"/visits/{theirs.id}/edit" not in drafts


# ---------------------------------------------------------------- statements do not grow with the data


def _mixed_visit(unit, day, admin, inspector, n):
    """A submitted visit with a problem on a subpoint in a letter, one awaiting a letter after it was taken out,
    one fixed; and a draft of the admin's."""
    visit = add_visit(unit, day, [(f"P{n}1", LETTER), (f"P{n}2", LETTER), (f"P{n}3", FIXED)],
                      inspectors=[inspector], subpoint=True)
    letter = letters.draft_letter(visit, admin)
    letters.remove_problem(letter.items[-1], admin)
    add_visit(unit, day, [(f"P{n}4", LETTER)], status="draft", created_by=admin, inspectors=[inspector])
    db.session.commit()


PAGES = ("/visits/problems", "/visits/problems?status=awaiting_letter", "/visits/problems?year=2021&status=in_letter",
         "/visits/", "/visits/?status=draft", "/visits/stats?year=2021", "/visits/unit/{unit}")


def test_statements_per_page_do_not_grow_with_the_rows(client, ctx):
    admin_info = login_as(client, "admin")
    admin = db.session.get(User, admin_info.id)
    inspector = make_user("inspector", display_name="王检查")
    unit = make_unit("鲁山县卫生健康委员会")
    for n in range(2):
        _mixed_visit(unit, date(2021, 3, 1 + n), admin, inspector, n)
    assert db.session.scalar(select(CheckSubpoint.id).limit(1)) is not None
    pages = [p.format(unit=unit.id) for p in PAGES]
    for url in pages:
        client.get(url)  # anything cached per process is cached now
    small = {url: statements(client, url) for url in pages}

    for n in range(2, 40):  # 38 more visits, each with 3 problems and a draft, over more units and inspectors
        other_inspector = make_user("inspector")
        _mixed_visit(unit if n % 2 else make_unit(), date(2021, 4, 1 + n % 28), admin, other_inspector, n)
    assert db.session.scalar(select(db.func.count()).select_from(Problem)) == 160
    large = {url: statements(client, url) for url in pages}
    assert large == small
    # And the pages are the full ones: 50 problems, 50 visits, the unit's 20 visits.
    assert len(codes(client.get("/visits/problems").get_data(as_text=True))) == 50
    assert "共 80 条" in client.get("/visits/").get_data(as_text=True)
    history = client.get(f"/visits/unit/{unit.id}").get_data(as_text=True)
    assert len(re.findall(r'href="/visits/\d+"', history)) == 42  # its 21 visits and 21 drafts


def test_unit_history_lists_only_what_the_user_may_see(client, ctx):
    unit = make_unit("鲁山县教育局")
    submitted = add_visit(unit, date(2021, 5, 1), [("P1", LETTER), ("P2", LETTER)])
    draft = add_visit(unit, date(2021, 6, 1), [], status="draft")
    login_as(client, Role.unit, unit=unit)
    html = client.get(f"/visits/unit/{unit.id}").get_data(as_text=True)
    assert f'href="/visits/{submitted.id}"' in html and f'href="/visits/{draft.id}"' not in html
    row = re.search(rf'href="/visits/{submitted.id}".*?</tr>', html, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "2"]
