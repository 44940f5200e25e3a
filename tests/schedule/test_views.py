"""Pages: year grid, print, export, upload-preview-confirm, slot assignment, my weeks, the .ics feed, dashboards."""
import io
import os
import re
from datetime import date

import openpyxl
from sqlalchemy import func, select

from supervision.directory.models import Unit
from supervision.directory.queries import offices
from supervision.extensions import db
from supervision.schedule import operations, queries
from supervision.schedule.models import Slot, UnitAlias
from tests.helpers import login, make_unit, make_user
from tests.schedule import builders

ROOT = builders.ROOT


def _login(client, user):
    assert login(client, user.username).status_code == 302


def test_year_grid_shows_dates_units_offices_and_holiday_warnings(app, client, plan_2021):
    admin = make_user("admin")
    operations.rotate_offices(2021)
    db.session.commit()
    _login(client, admin)
    body = client.get("/schedule/?year=2021").get_data(as_text=True)
    assert "2021年3月1日—3月5日" in body and "鲁山县张良镇人民政府" in body
    assert "37周，55家单位（乡镇20家、县直35家）" in body
    assert "法治调研督察室" in body
    # 六月第二周 (6月14日—18日) holds 端午节.
    assert "6月14日放假（端午节），本周只有4个工作日" in body
    assert "工作日历未知" not in body


def test_year_grid_says_when_the_calendar_is_unknown(app, client, ctx):
    admin = make_user("admin")
    preview = queries.import_plan("2027.csv", "月份,周次,受监督单位\n三月,第一周,鲁山县司法局\n".encode(), 2027)
    assert any("2027年的法定节假日和调休安排尚未录入" in str(p) for p in preview.warnings)
    operations.commit_import(preview, {"units": {"鲁山县司法局": "create"}})
    db.session.commit()
    _login(client, admin)
    body = client.get("/schedule/?year=2027").get_data(as_text=True)
    assert "工作日历未知" in body and "2027年工作日历未知，无法判断节假日" in body


def test_upload_preview_then_confirm_in_one_go(app, client, ctx):
    admin = make_user("admin")
    target = make_unit("市生态环境局鲁山分局")
    _login(client, admin)
    data = builders.xlsx_merged(builders.blocks_2021())
    resp = client.post("/schedule/import", data={"year": "2021", "file": (io.BytesIO(data), "计划表.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    preview_url = resp.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 0  # nothing written yet
    body = client.get(preview_url).get_data(as_text=True)
    assert "读取到 37 周、55 家单位（乡镇 20 家、县直 35 家）" in body
    assert "对应到：市生态环境局鲁山分局" in body
    token = preview_url.rstrip("/").split("/")[-1]
    keys = dict(re.findall(r'name="unit_([0-9a-f]{12})"[^>]*aria-label="([^"]+) 的处理"', body))
    assert len(keys) == 55
    form = {f"unit_{k}": ("map:%d" % target.id if name == "鲁山县环境保护局" else "create") for k, name in keys.items()}
    resp = client.post(f"/schedule/import/{token}/confirm", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    slots = queries.slots_for_year(2021)
    assert len(slots) == 37
    sep = next(s for s in slots if (s.month, s.week) == (9, 2))
    assert [u.name for u in sep.units] == ["鲁山县商务局", "市生态环境局鲁山分局"]
    assert db.session.scalar(select(func.count()).select_from(UnitAlias)) == 1
    # The uploaded file is gone; only a small note of the outcome stays, for the Back button (swept later).
    assert not [n for n in os.listdir(os.path.join(app.config["DATA_DIR"], "schedule_imports")) if n.endswith(".bin")]


def test_confirm_refuses_a_file_with_errors(app, client, ctx):
    admin = make_user("admin")
    _login(client, admin)
    data = "月份,周次,受监督单位\n十三月,第一周,鲁山县司法局\n".encode()
    resp = client.post("/schedule/import", data={"year": "2021", "file": (io.BytesIO(data), "错.csv")},
                       content_type="multipart/form-data")
    url = resp.headers["Location"]
    body = client.get(url).get_data(as_text=True)
    assert "无法识别的月份“十三月”" in body and "确认导入" not in body
    resp = client.post(url + "/confirm", data={})
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 0


def test_admin_assigns_and_overrides_dates(app, client, plan_2021):
    admin = make_user("admin")
    inspector = make_user("inspector", display_name="张检查")
    slot = plan_2021[0]
    _login(client, admin)
    office = offices()[0]
    resp = client.post(f"/schedule/slot/{slot.id}/assign",
                       data={"assign-lead_office_id": office.id, "assign-inspector_ids": [inspector.id]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert slot.lead_office_id == office.id and slot.inspectors == [inspector]
    resp = client.post(f"/schedule/slot/{slot.id}/dates", data={"dates-start_date": "2021-03-02",
                                                                "dates-end_date": "2021-03-05", "dates-note": "会议冲突"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert slot.dates_overridden and slot.start_date == date(2021, 3, 2)
    body = client.get(f"/schedule/slot/{slot.id}").get_data(as_text=True)
    assert "日期已调整" in body and "会议冲突" in body and "2021年3月1日—3月5日" in body
    client.post(f"/schedule/slot/{slot.id}/dates/reset")
    db.session.expire_all()
    assert not slot.dates_overridden and slot.start_date == date(2021, 3, 1)


def test_print_and_export(app, client, plan_2021):
    leader = make_user("leader")
    _login(client, leader)
    body = client.get("/schedule/print?year=2021").get_data(as_text=True)
    assert "2021年依法行政日常监督分组计划表" in body and "注：共计有县直单位35家、乡镇20家。" in body
    resp = client.get("/schedule/export.xlsx?year=2021")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:5] == ("3月", "第1周", "2021年3月1日", "2021年3月5日", "鲁山县张良镇人民政府")
    # The export loads again as a plan table, unchanged.
    again = queries.import_plan("导出.xlsx", resp.data, 2021)
    assert again.valid and {c.kind for c in again.changes} == {"unchanged"}


def test_my_weeks_and_ics_feed(app, client, plan_2021):
    inspector = make_user("inspector", display_name="张检查")
    operations.rotate_offices(2021)
    db.session.commit()
    mine = queries.slots_for_inspector(inspector)
    assert len(mine) == 12  # every third week goes to the inspector's office
    _login(client, inspector)
    body = client.get("/schedule/mine").get_data(as_text=True)
    assert "生成订阅地址" in body and mine[0].units[0].name in body
    body = client.post("/schedule/mine/feed").get_data(as_text=True)  # shown once, on the answer to the POST
    url = re.search(r'value="(http://[^"]+\.ics)"', body).group(1)
    assert ".ics" not in client.get("/schedule/mine").get_data(as_text=True)
    anon = app.test_client()
    resp = anon.get(url)
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    text = resp.get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 12
    assert f"DTSTART;VALUE=DATE:{mine[0].start_date:%Y%m%d}" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    client.post("/schedule/mine/feed")  # reset: the old address stops working
    assert anon.get(url).status_code == 401
    assert anon.get("/schedule/feed/wrong.ics").status_code == 401


def test_dashboards(app, client, plan_2021):
    from supervision.schedule import dashboard

    unit = db.session.scalars(select(Unit).where(Unit.name == "鲁山县瀼河乡人民政府")).one()
    unit_user = make_user("unit", unit=unit)
    (tpl, ctx), = dashboard.panels(unit_user, today=date(2021, 6, 1))
    assert tpl == "schedule/_panel_unit.html"
    assert [(s.month, s.week) for s in ctx["slots"]] == [(12, 3)]
    admin = make_user("admin")
    (tpl, ctx), = dashboard.panels(admin, today=date(2021, 3, 3))
    assert [s.label for s in ctx["this_week"]] == ["3月第1周"] and [s.label for s in ctx["next_week"]] == ["3月第2周"]
    _login(client, unit_user)
    body = client.get("/").get_data(as_text=True)
    assert "本单位的日常监督安排" in body


def test_templates_have_no_inline_script_or_style():
    for folder in ("schedule", "workcal"):
        base = os.path.join(ROOT, "templates", folder)
        for name in os.listdir(base):
            with open(os.path.join(base, name), encoding="utf-8") as fh:
                text = fh.read()
            assert "<script" not in text and "<style" not in text and "style=" not in text, name


def test_slot_page_links_each_unit_to_its_visit_form(app, client, plan_2021):
    inspector = make_user("inspector")
    slot = db.session.execute(select(Slot).filter_by(year=2021, month=3, week=2)).scalar_one()
    unit_ids = [u.id for u in slot.units]
    _login(client, inspector)
    body = client.get(f"/schedule/slot/{slot.id}").get_data(as_text=True)
    for uid in unit_ids:
        assert f"/visits/new?slot={slot.id}&amp;unit={uid}" in body
    # The link opens the visit form for that unit of that week.
    form = client.get(f"/visits/new?slot={slot.id}&unit={unit_ids[1]}").get_data(as_text=True)
    assert f'selected value="{unit_ids[1]}"' in form
