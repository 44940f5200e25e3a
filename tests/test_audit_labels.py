"""The audit log in Chinese: each part registers its labels with audit; changes are shown field by field, dates
as 2021年4月9日, times in Beijing time, booleans 是/否, enum values and linked records by name; a code nobody
registered falls back to a generic Chinese phrase."""
import re
from datetime import date, datetime
from pathlib import Path

from supervision import audit
from supervision.audit import AuditEntry, changes
from supervision.extensions import db
from tests.helpers import login_as, make_unit


def entry(action, record_type, before=None, after=None):
    return AuditEntry(action=action, record_type=record_type, username="admin", summary="",
                      before=audit._dump(before), after=audit._dump(after), at=datetime(2021, 4, 9, 2, 16))


def lines(e):
    return [f"{c.field}：{c.old} → {c.new}" if c.old is not None and c.new is not None
            else f"{c.field}：{c.new if c.new is not None else c.old}" for c in changes(e)]


def test_close_shows_beijing_time_and_labels(ctx):
    e = entry("rect.close", "letter", after={"closed_at": datetime(2021, 4, 9, 2, 16, 5, 123), "closed_by": "admin"})
    assert lines(e) == ["办结时间：2021年4月9日 10:16", "办结人：admin"]
    assert audit.action_label("rect.close") == "整改办结" and audit.action_label("rect.accept") == "整改通过"
    assert audit.record_type_label("letter") == "意见书"
    assert [audit.record_type_label(t) for t in ("problem", "schedule_slot", "user_account")] == \
        ["问题", "检查周", "用户账号"]


def test_field_by_field_old_to_new_unchanged_left_out(ctx):
    unit = make_unit("鲁山县民政局")
    e = entry("update", "user_account",
              before={"display_name": "张三", "active": True, "role": "inspector", "unit_id": None},
              after={"display_name": "张三", "active": False, "role": "unit", "unit_id": unit.id})
    assert lines(e) == ["启用：是 → 否", "角色：检查组成员 → 受监督单位", "单位：（空） → 鲁山县民政局"]


def test_dates_and_enum_values_by_scope(ctx):
    e = entry("receipt", "letter", after={"receipt_kind": "paper", "receipt_date": date(2021, 3, 9)})
    assert lines(e) == ["签收/送达日期：2021年3月9日", "签收方式：送达"]  # stored with sorted keys
    e = entry("issue", "letter", before={"status": "draft"}, after={"status": "issued"})
    assert lines(e) == ["状态：草稿 → 已签发"]
    # The same field name means something else in another part: its own label there.
    e = entry("rect.extension_decide", "letter", before={"status": "pending"}, after={"status": "approved"})
    assert lines(e) == ["审批结果：待审批 → 已同意"]
    e = entry("submit", "visit", before={"status": "draft"}, after={"status": "submitted", "kind": "follow_up"})
    assert lines(e) == ["状态：草稿 → 已提交", "监督类型：回头看"]


def test_unknown_codes_fall_back_to_chinese(ctx):
    assert audit.action_label("frobnicate") == "其他操作"
    assert audit.record_type_label("some_table") == "其他记录"
    e = entry("frobnicate", "some_table", after={"mystery_field": True, "检查项目甲": "良"})
    assert lines(e) == ["其他信息：是", "检查项目甲：良"]
    for text in lines(e):
        assert not re.search(r"[a-z]+_[a-z_]+", text)


def test_settings_change_lists_setting_names(ctx):
    e = entry("update", "reminder_settings", before={"deadline_time": "09:00"}, after=["deadline_time"])
    assert lines(e) == ["整改期限提醒时间：09:00", "变更后：整改期限提醒时间"]


def test_audit_does_not_import_the_parts():
    source = Path(audit.__file__).read_text(encoding="utf-8")
    imports = re.findall(r"^\s*from \.(\w+)", source, re.M)
    assert set(imports) <= {"extensions", "timeutil"}, imports


def test_audit_page_shows_labels_not_codes(app, client):
    login_as(client, "admin", username="auditor")
    with app.app_context():
        db.session.add(entry("rect.close", "letter", after={"closed_at": datetime(2021, 4, 9, 2, 16)}))
        db.session.commit()
    html = client.get("/audit/").get_data(as_text=True)
    assert "整改办结" in html and "办结时间：</span>2021年4月9日 10:16" in html
    assert "rect.close" not in html and "closed_at" not in html
    assert '<option value="letter">意见书</option>' in html
    html = client.get("/audit/?record_type=letter").get_data(as_text=True)
    assert '<option value="letter" selected>意见书</option>' in html
