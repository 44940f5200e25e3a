"""What the audit log shows for the directory (机关信息, 科室, 受监督单位) in Chinese."""
from ..audit import register_labels
from ..extensions import db
from .models import Office, Unit


def unit_name(unit_id: int) -> str | None:
    unit = db.session.get(Unit, unit_id)
    return unit.name if unit is not None else None


def office_name(office_id: int) -> str | None:
    office = db.session.get(Office, office_id)
    return office.name if office is not None else None


register_labels(record_types={"org_profile": "机关信息", "office": "科室", "unit": "受监督单位"})
register_labels("org_profile", fields={
    "issuing_authority": "发文机关", "letter_prefix": "文号前缀", "reply_office": "答复接收科室",
    "reply_address": "答复地址", "contact_person": "联系人", "contact_phone": "联系电话",
    "reply_period_days": "整改期限（日）"})
register_labels(("unit", "office"), fields={
    "name": "名称", "kind": "类别", "contact_person": "联系人", "phone": "电话", "email": "电子邮箱",
    "active": "启用", "note": "备注"})
# Ids of units and offices mean the same wherever they are stored.
register_labels(fields={"unit_id": "单位", "office_id": "科室", "lead_office_id": "牵头科室"},
                refs={"unit_id": unit_name, "office_id": office_name, "lead_office_id": office_name})
