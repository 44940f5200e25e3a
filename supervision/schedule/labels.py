"""What the audit log shows for the supervision plan (检查周) in Chinese."""
from ..audit import register_labels
from ..extensions import db
from .models import Slot


def slot_name(slot_id: int) -> str | None:
    slot = db.session.get(Slot, slot_id)
    return f"{slot.title}" if slot is not None else None


register_labels(
    record_types={"schedule_slot": "检查周", "schedule_slot_unit": "检查周单位", "schedule_unit_alias": "单位别名",
                  "schedule_feed_token": "日历订阅地址"},
    actions={"assign": "分工", "rotate": "轮换分工", "override_dates": "调整日期", "reset_dates": "恢复日期",
             "map_unit": "对应单位", "create_feed": "生成订阅地址", "reset_feed": "重置订阅地址"},
)
register_labels(("schedule_slot", "schedule_unit_alias", "schedule_feed_token"), fields={
    "start_date": "开始日期", "end_date": "结束日期", "overridden": "日期已调整", "units": "单位",
    "inspectors": "检查人员", "lead_office": "牵头科室", "alias": "计划表中的名称", "unit": "单位", "year": "年度",
    "file": "文件", "slots": "检查周数", "created": "新建", "moved": "调整", "changed": "变更", "removed": "删除",
    "visits_moved": "随周调整的检查记录", "visits_unlinked": "解除关联的检查记录", "override_note": "调整说明",
    "note": "说明"})
register_labels(fields={"slot_id": "检查周"}, refs={"slot_id": slot_name})
