"""The check-item catalogue: seeded from 鲁法政办〔2021〕4号, versioned, and old visits keep their version."""
from datetime import date

from supervision.extensions import db
from supervision.visits import operations
from supervision.visits.models import CheckCatalogue, Disposition, Visit, VisitKind
from tests.helpers import login_as, make_user
from tests.visits.conftest import complete_visit, make_slot


def test_default_catalogue_has_the_nine_items_with_their_criteria(catalogue):
    names = [i.name for i in catalogue.items]
    assert names == ["人员素质", "培训考核", "“三项制度”", "重大行政处罚备案", "处罚程序", "规范性文件备案",
                     "普法责任制落实", "法治责任落实", "其他"]
    items = {i.key: i for i in catalogue.items}
    training = " ".join(s.criteria for s in items["training"].subpoints)
    assert "不低于20个学时" in training
    assert "单选题、判断题、多选题、论述题" in training and "满分100分" in training
    filing = items["major_penalty_filing"]
    assert "15日内" in filing.criteria
    assert "重大行政处罚备案报告、行政处罚决定书复印件和重大行政处罚备案表" in " ".join(
        s.criteria for s in filing.subpoints)
    assert [s.name for s in items["three_systems"].subpoints] == [
        "行政执法公示制度", "重大执法决定法制审核制度", "执法全过程记录制度"]
    assert [i.numbered_name for i in catalogue.items][8] == "（九）其他"


def test_ensure_default_catalogue_is_idempotent(catalogue):
    again = operations.ensure_default_catalogue()
    db.session.commit()
    assert again.id == catalogue.id
    assert db.session.query(CheckCatalogue).count() == 1


def test_editing_creates_a_new_version_and_old_visits_keep_theirs(plan):
    inspector = plan.inspector
    old_visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                     user=inspector)
    complete_visit(old_visit, inspector, [("training", "培训学时不足。", Disposition.letter)])
    old_item_name = old_visit.problems[0].item.name

    items = [operations.ItemInput(name=i.name, criteria=i.criteria, key=i.key,
                               subpoints=[(s.name, s.criteria) for s in i.subpoints]) for i in plan.catalogue.items]
    items[1].name = "培训与考试"
    items[1].subpoints[1] = ("培训内容与学时", "全年培训不低于30个学时。")
    new_cat = operations.create_catalogue_version(2022, items, user=make_user("admin"), based_on=plan.catalogue)
    db.session.commit()

    assert (new_cat.year, new_cat.version) == (2022, 1)
    db.session.expire_all()
    old_visit = db.session.get(Visit, old_visit.id)
    assert old_visit.catalogue_id == plan.catalogue.id
    assert old_visit.problems[0].item.name == old_item_name == "培训考核"
    assert "不低于20个学时" in old_visit.problems[0].item.subpoints[1].criteria
    # The 2021 catalogue itself is untouched; a 2022 visit gets the new version.
    assert operations.catalogue_for_year(2021).id == plan.catalogue.id
    assert operations.catalogue_for_year(2022).id == new_cat.id
    make_slot([plan.unit_b], [inspector], year=2022, month=4, week=1, start=date(2022, 4, 4), end=date(2022, 4, 8))
    new_visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_b, visit_date=date(2022, 4, 6),
                                     user=inspector)
    assert new_visit.catalogue_id == new_cat.id
    assert new_visit.catalogue.items[1].name == "培训与考试"


def test_admin_edits_catalogue_through_the_page_and_old_visit_page_reads_the_same(app, client, plan):
    inspector = plan.inspector
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=inspector)
    complete_visit(visit, inspector)
    login_as(client, "admin")
    page = client.get(f"/visits/catalogue/{plan.catalogue.id}/edit")
    assert page.status_code == 200 and "人员素质" in page.get_data(as_text=True)
    form = {"year": "2022", "note": "按新要求调整"}
    for n, item in enumerate(plan.catalogue.items, start=1):
        form[f"item-{n}-key"] = item.key
        form[f"item-{n}-name"] = "人员素质与形象" if n == 1 else item.name
        form[f"item-{n}-criteria"] = item.criteria
        form[f"item-{n}-subpoints"] = "\n".join(f"{s.name}：{s.criteria}" for s in item.subpoints)
    resp = client.post(f"/visits/catalogue/{plan.catalogue.id}/edit", data=form)
    assert resp.status_code == 302
    assert db.session.query(CheckCatalogue).count() == 2
    shown = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "（一）人员素质<" in shown and "人员素质与形象" not in shown


def test_catalogue_edit_is_admin_only(client, catalogue):
    login_as(client, "inspector")
    assert client.post(f"/visits/catalogue/{catalogue.id}/edit", data={"year": "2022"}).status_code == 403
    assert db.session.query(CheckCatalogue).count() == 1
